#include <string>

#include "fuzz_common.h"

using namespace civic;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto code = parse_receipt_code(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!code.ok()) return 0;
  if (code->size() != kReceiptLength) fuzz::fuzz_fail();
  auto again = parse_receipt_code(format_receipt_code(*code));
  if (!again.ok() || *again != *code) fuzz::fuzz_fail();
  return 0;
}
