// Runs a program of ours (civic-sync) in the background for staff mode and reports its output
// line by line, without ever blocking the frame loop. The UI never touches sockets or drives: the
// agent does, in its own process.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "sync/common/result.h"

namespace civic::kiosk {

class BackgroundCommand {
 public:
  BackgroundCommand() = default;
  ~BackgroundCommand();
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  [[nodiscard]] Status start(const std::vector<std::string>& argv);
  bool running() const { return pid_ > 0; }
  // Reads what the program printed since the last call; returns the newest complete line, if any.
  std::optional<std::string> poll_line();
  // The exit code once it has finished (nullopt while it runs), after poll_line has drained it.
  std::optional<int> poll_exit();
  const std::string& last_line() const { return last_line_; }
  // Asks the program to stop: SIGTERM now, and SIGKILL from poll_exit once `grace_ms` have passed
  // without it ending. Never blocks (the kiosk's frame loop calls it); calling it again does
  // nothing. poll_exit reports the end; the caller says why it was stopped.
  void stop(int grace_ms = 5000);
  // Milliseconds since start() (0 when nothing runs).
  std::uint64_t running_ms() const;

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::uint64_t started_ms_ = 0;
  bool stopping_ = false;
  std::uint64_t kill_at_ms_ = 0;  // when poll_exit sends SIGKILL (0: not asked to stop)
  std::string buffer_, last_line_;
};

// The civic-sync beside this executable (an installed or a built tree), else the one on PATH.
std::string sibling_program(const std::string& name);

}  // namespace civic::kiosk
