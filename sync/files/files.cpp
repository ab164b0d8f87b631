#include "files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace civic::files {

namespace fs = std::filesystem;

int Env::open_at(int dir_fd, const char* name, int flags, mode_t mode) { return ::openat(dir_fd, name, flags, mode); }
ssize_t Env::read(int fd, void* buffer, std::size_t size) { return ::read(fd, buffer, size); }
ssize_t Env::write(int fd, const void* data, std::size_t size) { return ::write(fd, data, size); }
int Env::sync(int fd) { return ::fsync(fd); }
int Env::change_mode(int fd, mode_t mode) { return ::fchmod(fd, mode); }
int Env::rename_at(int from_dir, const char* from, int to_dir, const char* to) {
  return ::renameat(from_dir, from, to_dir, to);
}
int Env::link_at(int from_dir, const char* from, int to_dir, const char* to) {
  return ::linkat(from_dir, from, to_dir, to, 0);
}
int Env::unlink_at(int dir_fd, const char* name) { return ::unlinkat(dir_fd, name, 0); }
int Env::make_dir_at(int dir_fd, const char* name, mode_t mode) { return ::mkdirat(dir_fd, name, mode); }

Env& system_env() {
  static Env env;
  return env;
}

Fd::Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}
Fd::~Fd() { reset(); }
void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Error file_error(const fs::path& path, const std::string& action, int err, Medium medium) {
  const bool drive = medium == Medium::kRemovableDrive;
  if (err == ENOSPC || err == EDQUOT) {
    return make_error(ErrorCode::kDiskFull,
                      (drive ? "the drive is full while writing " : "the disk is full while writing ") +
                          path.string() +
                          (drive ? ": use a drive with more free space" : ": free some space and try again") +
                          " (nothing incomplete was kept)");
  }
  if (err == ELOOP || err == ENOTDIR) {
    // On a drive, a planted link is hostile data; on this machine, a setting to correct.
    return make_error(drive ? ErrorCode::kMalformed : ErrorCode::kIo,
                      path.string() + " is a link or not what it should be" +
                          (drive ? ": this drive was prepared to redirect what is written" : "") +
                          "; nothing was written or read through it");
  }
  if (err == ENOENT) return make_error(ErrorCode::kNotFound, path.string() + " does not exist");
  return make_error(ErrorCode::kIo, "cannot " + action + " " + path.string() + ": " + std::strerror(err) +
                                        (drive ? " (was the drive removed?)" : ""));
}

namespace {

// The folder of `path` and its last name: the folder is opened as given, the name never followed.
std::pair<fs::path, std::string> split(const fs::path& path) {
  return {path.parent_path().empty() ? fs::path(".") : path.parent_path(), path.filename().string()};
}

// false with errno set when a write fails.
bool write_all(Env& env, int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = env.write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

Error oversize(const fs::path& path, std::size_t max_size) {
  return make_error(ErrorCode::kOversize,
                    path.string() + " is larger than the " + std::to_string(max_size) + " bytes allowed");
}

}  // namespace

Result<Dir> Dir::open(const fs::path& path, Medium medium, Env& env) {
  Fd fd(env.open_at(AT_FDCWD, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0));
  if (!fd.valid()) return file_error(path, "open the folder", errno, medium);
  return Dir(std::move(fd), path, medium, env);
}

Result<Dir> Dir::sub(const std::string& name, bool create) const {
  const fs::path p = path_ / name;
  if (create && env_->make_dir_at(fd(), name.c_str(), 0755) != 0 && errno != EEXIST)
    return file_error(p, "create the folder", errno, medium_);
  Fd sub(env_->open_at(fd(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0));
  if (!sub.valid()) return file_error(p, "open the folder", errno, medium_);
  return Dir(std::move(sub), p, medium_, *env_);
}

std::vector<std::string> Dir::list(bool folders) const {
  std::vector<std::string> out;
  const int copy = ::dup(fd());
  if (copy < 0) return out;
  DIR* d = ::fdopendir(copy);
  if (!d) {
    ::close(copy);
    return out;
  }
  ::rewinddir(d);  // the copy shares its position with fd(): every listing starts at the top
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (folders ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Status Dir::remove(const std::string& name) const {
  if (env_->unlink_at(fd(), name.c_str()) != 0 && errno != ENOENT)
    return file_error(path_ / name, "remove", errno, medium_);
  return {};
}

void Dir::sync() const { (void)env_->sync(fd()); }

Result<Bytes> read_file(const Dir& dir, const std::string& name, std::size_t max_size, FileInfo* info) {
  const fs::path path = dir.path() / name;
  Env& env = dir.env();
  Fd fd(env.open_at(dir.fd(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0));
  if (!fd.valid()) return file_error(path, "open", errno, dir.medium());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return file_error(path, "inspect", errno, dir.medium());
  if (!S_ISREG(st.st_mode)) {
    return make_error(ErrorCode::kMalformed,
                      path.string() + " is not a regular file (a folder, a link, a pipe or a device): refused");
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) return oversize(path, max_size);
  if (info) info->mode = st.st_mode;
  // Read straight into the result (no copy of a key left in a buffer), one byte more than the
  // size seen: a file that grew while being read is noticed.
  Bytes out(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t got = 0;
  for (;;) {
    if (got == out.size()) {
      if (got > max_size) return oversize(path, max_size);
      out.resize(std::min(max_size + 1, out.size() * 2));
    }
    const ssize_t n = env.read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return file_error(path, "read", errno, dir.medium());
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_size) return oversize(path, max_size);
  out.resize(got);
  return out;
}

Result<Bytes> read_file(const fs::path& path, std::size_t max_size, FileInfo* info, Env& env) {
  const auto [folder, name] = split(path);
  CIVIC_ASSIGN(dir, Dir::open(folder, Medium::kLocalDisk, env));
  return read_file(dir, name, max_size, info);
}

Result<std::string> read_text_file(const fs::path& path, std::size_t max_size, Env& env) {
  CIVIC_ASSIGN(bytes, read_file(path, max_size, nullptr, env));
  return std::string(bytes.begin(), bytes.end());
}

Result<std::string> read_named_file(const fs::path& path, std::size_t max_size) {
  std::error_code ec;
  const fs::path target = fs::canonical(path, ec);
  if (ec) return file_error(path, "read", ec.value());
  return read_text_file(target, max_size);
}

Status write_file(const Dir& dir, const std::string& name, std::string_view data, const WriteOptions& options) {
  Env& env = dir.env();
  const std::string temp = name + ".partial";
  const fs::path temp_path = dir.path() / temp;
  const fs::path path = dir.path() / name;
  if (!options.replace && ::faccessat(dir.fd(), name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
    return make_error(ErrorCode::kConflict, path.string() + " already exists; move it away first if you really "
                                                              "mean to replace it");
  }
  constexpr int kCreate = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  Fd fd(env.open_at(dir.fd(), temp.c_str(), kCreate, options.mode));
  if (!fd.valid() && errno == EEXIST) {
    // A temporary left by a crash or a pulled drive, or something planted: remove the name itself.
    if (env.unlink_at(dir.fd(), temp.c_str()) != 0 && errno != ENOENT)
      return file_error(temp_path, "remove", errno, dir.medium());
    fd = Fd(env.open_at(dir.fd(), temp.c_str(), kCreate, options.mode));
  }
  if (!fd.valid()) return file_error(temp_path, "create", errno, dir.medium());
  auto fail = [&](const char* action) {
    const int err = errno;
    fd.reset();
    (void)env.unlink_at(dir.fd(), temp.c_str());
    return Status(file_error(temp_path, action, err, dir.medium()));
  };
  // The mode exactly as asked, whatever the umask. Not on a drive: FAT has no Unix permissions
  // and refuses to set them (EPERM).
  if (dir.medium() == Medium::kLocalDisk && env.change_mode(fd.get(), options.mode) != 0)
    return fail("set the permissions of");
  if (!write_all(env, fd.get(), reinterpret_cast<const std::uint8_t*>(data.data()), data.size()))
    return fail("write");
  if (options.durable && env.sync(fd.get()) != 0) return fail("sync");
  fd.reset();
  if (options.replace) {
    // A rename replaces whatever stands under the name, a link included; it does not follow it.
    if (env.rename_at(dir.fd(), temp.c_str(), dir.fd(), name.c_str()) != 0) {
      const int err = errno;
      (void)env.unlink_at(dir.fd(), temp.c_str());
      return file_error(path, "rename into", err, dir.medium());
    }
  } else {
    // link() fails rather than replace a file that appeared meanwhile.
    const int linked = env.link_at(dir.fd(), temp.c_str(), dir.fd(), name.c_str());
    const int err = errno;
    (void)env.unlink_at(dir.fd(), temp.c_str());
    if (linked != 0 && err == EEXIST) return make_error(ErrorCode::kConflict, path.string() + " already exists");
    if (linked != 0) return file_error(path, "create", err, dir.medium());
  }
  if (options.durable) dir.sync();
  if (options.read_back) {
    auto back = read_file(dir, name, data.size());
    if (!back.ok()) return back.error();
    if (back->size() != data.size() || !std::equal(back->begin(), back->end(), as_bytes(data).begin())) {
      return make_error(ErrorCode::kIo, "what was written to " + path.string() +
                                            " reads back differently: the disk or drive is faulty, use another one");
    }
  }
  return {};
}

Status write_file(const fs::path& path, std::string_view data, const WriteOptions& options, Env& env) {
  const auto [folder, name] = split(path);
  CIVIC_ASSIGN(dir, Dir::open(folder, Medium::kLocalDisk, env));
  return write_file(dir, name, data, options);
}

Status write_file(const fs::path& path, ByteView data, const WriteOptions& options, Env& env) {
  return write_file(path, as_chars(data), options, env);
}

Status append_durably(const fs::path& path, std::string_view text, mode_t mode, Env& env) {
  Fd fd(env.open_at(AT_FDCWD, path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) return file_error(path, "open", errno);
  if (!write_all(env, fd.get(), reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))
    return file_error(path, "write", errno);
  if (env.sync(fd.get()) != 0) return file_error(path, "sync", errno);
  return {};
}

Status overwrite_and_remove(const fs::path& path, Env& env) {
  const auto [folder, name] = split(path);
  CIVIC_ASSIGN(dir, Dir::open(folder, Medium::kLocalDisk, env));
  // O_NONBLOCK: a FIFO under the name is refused at once, not waited on.
  Fd fd(env.open_at(dir.fd(), name.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0));
  if (!fd.valid() && errno == ENOENT) return {};
  if (!fd.valid()) return file_error(path, "open", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return file_error(path, "inspect", errno);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::kMalformed, path.string() + " is not a regular file");
  const std::uint8_t zeros[4096] = {};
  for (off_t done = 0; done < st.st_size;) {
    const auto chunk = static_cast<std::size_t>(std::min<off_t>(sizeof zeros, st.st_size - done));
    if (!write_all(env, fd.get(), zeros, chunk)) return file_error(path, "overwrite", errno);
    done += static_cast<off_t>(chunk);
  }
  if (env.sync(fd.get()) != 0) return file_error(path, "sync", errno);
  fd.reset();
  CIVIC_TRY(dir.remove(name));
  dir.sync();
  return {};
}

Result<Fd> lock_file(const fs::path& path, Env& env) {
  Fd fd(env.open_at(AT_FDCWD, path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return file_error(path, "open", errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return make_error(ErrorCode::kConflict, path.string() + " is locked by another process");
    return file_error(path, "lock", errno);
  }
  return fd;
}

}  // namespace civic::files
