// Human-readable times, sizes and text for the command-line tools' output and reports.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace civic {

// An amount as people write it, with its currency code if any: "12,500 CAD", or "12 500 CAD" with
// a space as the thousands separator (each kiosk language's catalogue says which: number.thousands).
inline std::string format_money(std::uint64_t amount, const std::string& currency,
                                const std::string& separator = ",") {
  std::string digits = std::to_string(amount);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), separator);
  return currency.empty() ? digits : digits + " " + currency;
}

// "2026-11-30 02:05 UTC", or "never".
inline std::string format_utc(std::optional<std::uint64_t> unix_time) {
  if (!unix_time) return "never";
  char buf[32];
  const std::time_t t = static_cast<std::time_t>(*unix_time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// Names listed for a person: "a, b, c", or "(none)"; `name` gives each item's name.
template <typename Items, typename Name>
std::string list_of(const Items& items, Name name) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + name(item);
  return out.empty() ? "(none)" : out;
}
inline std::string list_of(const std::vector<std::string>& names) {
  return list_of(names, [](const std::string& n) { return n; });
}

// At most `max_bytes` of UTF-8 `text`, cut at a character boundary (never inside one), with "…"
// when something was cut (the mark not counted in max_bytes).
inline std::string shorten_utf8(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // a continuation byte
  return text.substr(0, end) + "…";
}

}  // namespace civic
