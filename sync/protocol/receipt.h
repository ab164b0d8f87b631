// Receipt codes: ten characters a resident can copy by hand, derived from the sealed record's hash
// and the kiosk's id. They find the record on the hub and reveal nothing about what it says.
// See PROTOCOL.md "Receipt code".
#pragma once

#include <string>
#include <string_view>

#include "crypto.h"
#include "sync/common/result.h"

namespace civic {

// 29 symbols: digits and capitals without 0 O 1 I L B S, which people confuse when copying.
inline constexpr std::string_view kReceiptAlphabet = "23456789ACDEFGHJKMNPQRTUVWXYZ";
inline constexpr std::size_t kReceiptLength = 10;  // nine data symbols and one check symbol

// The canonical ten-character code, e.g. "7KQ2MX9ARC".
std::string make_receipt_code(const KioskId& kiosk, const Hash32& record_hash);
// As printed for people: two groups of five, "7KQ2M-X9ARC".
std::string format_receipt_code(std::string_view canonical);
// Accepts what a person types (any case, spaces and dashes ignored) and returns the canonical
// code, or kBadReceiptCode saying what is wrong (wrong length, a character that is not used,
// or a check symbol that does not match: a mistyped code).
[[nodiscard]] Result<std::string> parse_receipt_code(std::string_view typed);

}  // namespace civic
