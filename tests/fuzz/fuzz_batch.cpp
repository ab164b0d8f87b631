#include "fuzz_common.h"

using namespace civic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = parse_batch(ByteView(data, size));
  if (!parsed.ok()) return 0;
  if (!verify_batch(*parsed, fuzz::kiosk_key().public_key).ok()) return 0;
  // Accepted: re-encoding must give back exactly the input (one canonical encoding).
  auto again = encode_signed_batch(parsed->header, parsed->records, fuzz::kiosk_key());
  if (!again.ok() || again->bytes != Bytes(data, data + size)) fuzz::fuzz_fail();
  return 0;
}
