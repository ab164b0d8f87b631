#include "fuzz_common.h"

using namespace civic;

// Plaintext decoding, and opening: inputs of a sealed size are tried as sealed records too.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  auto s = decode_submission(in);
  if (s.ok() && encode_submission(*s) != Bytes(data, data + size)) fuzz::fuzz_fail();
  if (is_valid_sealed_size(size)) (void)open_submission(in, fuzz::hub_submission_key());
  return 0;
}
