#include "receipt.h"

#include <cctype>

namespace civic {

namespace {
constexpr std::uint64_t kBase = kReceiptAlphabet.size();  // 29, a prime

int symbol_value(char c) {
  auto pos = kReceiptAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// Weights 1..10 are distinct and non-zero modulo the prime 29, so any single wrong symbol and any
// swap of two different adjacent symbols changes the weighted sum.
std::uint64_t weighted_sum(std::string_view symbols) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < symbols.size(); ++i) sum += (i + 1) * symbol_value(symbols[i]);
  return sum;
}
}  // namespace

std::string make_receipt_code(const KioskId& kiosk, const Hash32& record) {
  auto h = tagged_hash(tag::kReceipt, {ByteView(kiosk), ByteView(record)});
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | h[i];
  std::uint64_t space = 1;
  for (std::size_t i = 0; i + 1 < kReceiptLength; ++i) space *= kBase;
  v %= space;
  std::string code(kReceiptLength - 1, '2');
  for (std::size_t i = kReceiptLength - 1; i-- > 0;) {
    code[i] = kReceiptAlphabet[v % kBase];
    v /= kBase;
  }
  // Choose the check symbol c so that weighted_sum(code + c) is 0 modulo 29.
  std::uint64_t partial = weighted_sum(code) % kBase;
  for (std::uint64_t c = 0; c < kBase; ++c) {
    if ((partial + kReceiptLength * c) % kBase == 0) {
      code.push_back(kReceiptAlphabet[c]);
      break;
    }
  }
  return code;
}

std::string format_receipt_code(std::string_view canonical) {
  std::string out(canonical.substr(0, 5));
  if (canonical.size() > 5) {
    out.push_back('-');
    out.append(canonical.substr(5));
  }
  return out;
}

Result<std::string> parse_receipt_code(std::string_view typed) {
  std::string code;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    char up = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (symbol_value(up) < 0) {
      return make_error(ErrorCode::kBadReceiptCode,
                        std::string("receipt codes never contain '") + c +
                            "'; check the code on the receipt (codes use 2-9 and letters "
                            "without B, I, L, O, S)");
    }
    code.push_back(up);
  }
  if (code.size() != kReceiptLength) {
    return make_error(ErrorCode::kBadReceiptCode,
                      "a receipt code has 10 characters; this one has " + std::to_string(code.size()));
  }
  if (weighted_sum(code) % kBase != 0) {
    return make_error(ErrorCode::kBadReceiptCode,
                      "this receipt code has a typing mistake (its check character does not "
                      "match); compare it with the receipt again");
  }
  return code;
}

}  // namespace civic
