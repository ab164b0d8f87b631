#include "fuzz_common.h"

using namespace civic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  TrustedContentState trusted;
  trusted.version = 2;
  trusted.clock_floor = 1795000000;
  auto v = verify_content(ByteView(data, size), fuzz::hub_signing_key().public_key, trusted, 1795000000);
  if (!v.ok()) return 0;
  if (v->bundle.version < trusted.version || v->bundle.expires_at <= trusted.clock_floor) fuzz::fuzz_fail();
  auto again = encode_signed_content(v->bundle, fuzz::hub_signing_key());
  if (!again.ok() || *again != Bytes(data, data + size)) fuzz::fuzz_fail();
  return 0;
}
