// A files::Env whose system calls can be made to fail, one kind at a time, as LevelDB's ErrorEnv
// does: for the tests of every module that writes files.
#pragma once

#include <cerrno>
#include <functional>
#include <map>

#include "sync/files/files.h"

namespace civic::test {

class FailingEnv : public files::Env {
 public:
  enum class Call { kOpen, kRead, kWrite, kSync, kChangeMode, kRename, kLink, kUnlink, kMakeDir };

  // From the (skip + 1)-th call of `call` on, it fails with `error`.
  void fail(Call call, int error, int skip = 0) {
    failing_ = call;
    error_ = error;
    skip_ = skip;
    calls_.clear();
    armed_ = true;
  }
  void heal() { armed_ = false; }
  int calls(Call call) const {
    auto it = calls_.find(call);
    return it == calls_.end() ? 0 : it->second;
  }
  // Flips the first byte of every write: a drive that lies about what it stored.
  bool corrupt_writes = false;
  // Called with the name before each unlink (to look at a file just before it goes).
  std::function<void(int dir_fd, const char* name)> before_unlink;

  int open_at(int dir_fd, const char* name, int flags, mode_t mode) override {
    if (failing(Call::kOpen)) return -1;
    return Env::open_at(dir_fd, name, flags, mode);
  }
  ssize_t read(int fd, void* buffer, std::size_t size) override {
    if (failing(Call::kRead)) return -1;
    return Env::read(fd, buffer, size);
  }
  ssize_t write(int fd, const void* data, std::size_t size) override {
    if (failing(Call::kWrite)) return -1;
    if (corrupt_writes && size > 0) {
      std::string copy(static_cast<const char*>(data), size);
      copy[0] = static_cast<char>(copy[0] ^ 0x01);
      return Env::write(fd, copy.data(), size);
    }
    return Env::write(fd, data, size);
  }
  int sync(int fd) override {
    if (failing(Call::kSync)) return -1;
    return Env::sync(fd);
  }
  int change_mode(int fd, mode_t mode) override {
    if (failing(Call::kChangeMode)) return -1;
    return Env::change_mode(fd, mode);
  }
  int rename_at(int from_dir, const char* from, int to_dir, const char* to) override {
    if (failing(Call::kRename)) return -1;
    return Env::rename_at(from_dir, from, to_dir, to);
  }
  int link_at(int from_dir, const char* from, int to_dir, const char* to) override {
    if (failing(Call::kLink)) return -1;
    return Env::link_at(from_dir, from, to_dir, to);
  }
  int unlink_at(int dir_fd, const char* name) override {
    if (before_unlink) before_unlink(dir_fd, name);
    if (failing(Call::kUnlink)) return -1;
    return Env::unlink_at(dir_fd, name);
  }
  int make_dir_at(int dir_fd, const char* name, mode_t mode) override {
    if (failing(Call::kMakeDir)) return -1;
    return Env::make_dir_at(dir_fd, name, mode);
  }

 private:
  bool failing(Call call) {
    const int n = calls_[call]++;
    if (!armed_ || call != failing_ || n < skip_) return false;
    errno = error_;
    return true;
  }
  bool armed_ = false;
  Call failing_ = Call::kOpen;
  int error_ = EIO;
  int skip_ = 0;
  std::map<Call, int> calls_;
};

}  // namespace civic::test
