// Human-readable times and sizes for the command-line tools' output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

namespace civic {

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

}  // namespace civic
