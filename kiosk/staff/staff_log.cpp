#include "staff_log.h"

#include <nlohmann/json.hpp>

#include "sync/files/files.h"

namespace civic::kiosk {

Status StaffLog::record(std::uint64_t unix_now, const std::string& action, const std::string& detail) {
  const std::string line =
      nlohmann::json{{"at", unix_now}, {"action", action}, {"detail", detail}}.dump() + "\n";
  return files::append_durably(path_, line, 0600);
}

}  // namespace civic::kiosk
