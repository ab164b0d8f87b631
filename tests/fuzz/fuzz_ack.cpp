#include "fuzz_common.h"

using namespace civic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto ack = verify_ack(ByteView(data, size), fuzz::hub_signing_key().public_key);
  if (!ack.ok()) return 0;
  if (encode_signed_ack(*ack, fuzz::hub_signing_key()) != Bytes(data, data + size)) fuzz::fuzz_fail();
  return 0;
}
