// Which sound output is private: headphones are told apart from the loudspeaker by their device
// name ("Headphones", "USB Headset"...), matched against the kiosk's [speech] headphones setting.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace civic::kiosk {

// True when `device` contains one of `patterns`, ignoring case (ASCII).
inline bool is_headphones(const std::string& device, const std::vector<std::string>& patterns) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  const std::string name = lower(device);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    return !p.empty() && name.find(lower(p)) != std::string::npos;
  });
}

}  // namespace civic::kiosk
