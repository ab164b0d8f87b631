#include "staff_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace civic::kiosk {

Status StaffLog::record(std::uint64_t unix_now, const std::string& action, const std::string& detail) {
  const std::string line =
      nlohmann::json{{"at", unix_now}, {"action", action}, {"detail", detail}}.dump() + "\n";
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorCode::kIo, "cannot open the staff log " + path_.string());
  const bool ok =
      ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok)
    return make_error(ErrorCode::kIo, "cannot write the staff log " + path_.string() + ": check the disk");
  return {};
}

}  // namespace civic::kiosk
