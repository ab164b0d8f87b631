#include "fuzz_common.h"

using namespace civic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (std::uint8_t t = 1; t <= 6; ++t) {
    auto type = static_cast<KeyType>(t);
    auto material = decode_key_file(ByteView(data, size), type);
    if (material.ok() && encode_key_file(type, *material) != Bytes(data, data + size)) fuzz::fuzz_fail();
  }
  return 0;
}
