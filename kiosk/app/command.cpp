#include "command.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>

namespace civic::kiosk {

namespace {
std::uint64_t monotonic_now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000;
}
}  // namespace

BackgroundCommand::~BackgroundCommand() {
  if (pid_ > 0) {
    stop(2000);  // SIGKILL after the grace period: a program that ignores SIGTERM cannot hang us
    while (!poll_exit()) ::usleep(20 * 1000);
  }
  if (fd_ >= 0) ::close(fd_);
}

Status BackgroundCommand::start(const std::vector<std::string>& argv) {
  if (pid_ > 0) return make_error(ErrorCode::kConflict, "another operation is still running");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return make_error(ErrorCode::kIo, "cannot create a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return make_error(ErrorCode::kNotFound, "cannot run " + argv[0] + ": is civic-sync installed?");
  }
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  started_ms_ = monotonic_now_ms();
  pid_ = pid;
  fd_ = pipe_fds[0];
  buffer_.clear();
  last_line_.clear();
  return {};
}

std::optional<std::string> BackgroundCommand::poll_line() {
  if (fd_ < 0) return std::nullopt;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n <= 0) break;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  std::optional<std::string> newest;
  for (auto nl = buffer_.find_first_of("\r\n"); nl != std::string::npos; nl = buffer_.find_first_of("\r\n")) {
    std::string line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    if (!line.empty()) newest = last_line_ = line;
  }
  return newest;
}

std::optional<int> BackgroundCommand::poll_exit() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  if (kill_at_ms_ != 0 && monotonic_now_ms() >= kill_at_ms_) {
    ::kill(pid_, SIGKILL);  // asked to stop and still running after the grace period
    kill_at_ms_ = 0;
  }
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  stopping_ = false;
  kill_at_ms_ = 0;
  pid_ = -1;
  poll_line();
  if (!buffer_.empty()) last_line_ = buffer_, buffer_.clear();
  ::close(fd_);
  fd_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void BackgroundCommand::stop(int grace_ms) {
  if (pid_ <= 0 || stopping_) return;  // asked once; poll_exit does the rest
  stopping_ = true;
  ::kill(pid_, SIGTERM);
  kill_at_ms_ = monotonic_now_ms() + static_cast<std::uint64_t>(grace_ms);
}

std::uint64_t BackgroundCommand::running_ms() const {
  return pid_ > 0 ? monotonic_now_ms() - started_ms_ : 0;
}

std::string sibling_program(const std::string& name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const auto& candidate :
         {self.parent_path() / name, self.parent_path() / ".." / "sync" / "agent" / name}) {
      if (std::filesystem::exists(candidate, ec)) return candidate.string();
    }
  }
  return name;
}

}  // namespace civic::kiosk
