// What staff did, for the record: one JSON line per action (time, action, detail), appended and
// flushed to disk. Never a PIN, never a resident's words; counts and names of events at most.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "sync/common/result.h"

namespace civic::kiosk {

class StaffLog {
 public:
  explicit StaffLog(std::filesystem::path path) : path_(std::move(path)) {}
  [[nodiscard]] Status record(std::uint64_t unix_now, const std::string& action,
                              const std::string& detail = {});
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace civic::kiosk
