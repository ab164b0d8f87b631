// Files, one way. Every file the programs write or read outside SQLite goes through here: atomic
// replacement (a temporary beside the target, synced, renamed, the folder synced), bounded reads of
// regular files only, durable appends, folders reached one name at a time without following links,
// and descriptors that close themselves.
//
// The system calls sit behind `Env` (after LevelDB's Env), so a test can make any one of them fail
// (tests/files/failing_env.h) and check that nothing is half-written and the message is right.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sync/common/bytes.h"
#include "sync/common/result.h"

namespace civic::files {

// The system calls the layer makes; each returns what the call returns (-1 with errno set).
class Env {
 public:
  virtual ~Env() = default;
  virtual int open_at(int dir_fd, const char* name, int flags, mode_t mode);
  virtual ssize_t read(int fd, void* buffer, std::size_t size);
  virtual ssize_t write(int fd, const void* data, std::size_t size);
  virtual int sync(int fd);
  virtual int change_mode(int fd, mode_t mode);
  virtual int rename_at(int from_dir, const char* from, int to_dir, const char* to);
  virtual int link_at(int from_dir, const char* from, int to_dir, const char* to);
  virtual int unlink_at(int dir_fd, const char* name);
  virtual int make_dir_at(int dir_fd, const char* name, mode_t mode);
};

// The real system calls.
Env& system_env();

// An open file descriptor that closes itself.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept;
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// Where the files are: the messages differ ("free some space" on this machine, "use another
// drive" on a USB drive someone may have pulled out).
enum class Medium { kLocalDisk, kRemovableDrive };

// An error for a failed system call on `path`, with the advice that fits the medium: disk full,
// a link where none belongs, missing, or the system's own words.
Error file_error(const std::filesystem::path& path, const std::string& action, int err,
                 Medium medium = Medium::kLocalDisk);

// An open folder. Names below it are opened relative to it, one at a time, never through a link.
class Dir {
 public:
  // `path` itself as given (a mount point, a state directory).
  [[nodiscard]] static Result<Dir> open(const std::filesystem::path& path, Medium medium = Medium::kLocalDisk,
                                        Env& env = system_env());
  // A folder below this one, made (mode 0755) when `create` and missing.
  [[nodiscard]] Result<Dir> sub(const std::string& name, bool create) const;
  // Names of the folders (`folders`) or regular files in it, sorted; links and others left out.
  std::vector<std::string> list(bool folders) const;
  // Removes `name` (a file); a missing one is not an error.
  [[nodiscard]] Status remove(const std::string& name) const;
  void sync() const;

  int fd() const { return fd_.get(); }
  const std::filesystem::path& path() const { return path_; }
  Medium medium() const { return medium_; }
  Env& env() const { return *env_; }

 private:
  Dir(Fd fd, std::filesystem::path path, Medium medium, Env& env)
      : fd_(std::move(fd)), path_(std::move(path)), medium_(medium), env_(&env) {}
  Fd fd_;
  std::filesystem::path path_;
  Medium medium_ = Medium::kLocalDisk;
  Env* env_ = nullptr;
};

struct WriteOptions {
  mode_t mode = 0644;  // exactly, on this machine; on a drive, whatever its file system gives
  // false: a file already under the name is a kConflict and stays as it was (keys).
  bool replace = true;
  // Read the file back and compare (drives that lie about writes are caught at once).
  bool read_back = false;
  // Sync the file and its folder before returning. Only a file rewritten many times a second for
  // a test or a tool (the kiosk's accessibility dump, a ready file) goes without: still atomic.
  bool durable = true;
};

// Writes `name` in `dir` atomically: a crash leaves the old file or the whole new one, never a
// part. The temporary (`name.partial`) is created with O_EXCL (a link planted under its name is
// removed, never written through); on any failure it is removed and the old file is untouched.
[[nodiscard]] Status write_file(const Dir& dir, const std::string& name, std::string_view data,
                                const WriteOptions& options = {});
// The same for a path: its folder is opened as given, the name below it is never followed.
[[nodiscard]] Status write_file(const std::filesystem::path& path, std::string_view data,
                                const WriteOptions& options = {}, Env& env = system_env());
[[nodiscard]] Status write_file(const std::filesystem::path& path, ByteView data, const WriteOptions& options = {},
                                Env& env = system_env());

struct FileInfo {
  mode_t mode = 0;  // permission bits and type, as fstat gave them
};

// Reads a regular file of at most `max_size` bytes. A link, a FIFO, a device or a folder under the
// name is refused at once (opened without blocking, checked with fstat), never waited on.
[[nodiscard]] Result<Bytes> read_file(const Dir& dir, const std::string& name, std::size_t max_size,
                                      FileInfo* info = nullptr);
[[nodiscard]] Result<Bytes> read_file(const std::filesystem::path& path, std::size_t max_size,
                                      FileInfo* info = nullptr, Env& env = system_env());
[[nodiscard]] Result<std::string> read_text_file(const std::filesystem::path& path, std::size_t max_size,
                                                 Env& env = system_env());
// A file a person named (an operator's file, an installed asset): links on the way are followed
// to it, as they meant; otherwise as read_text_file.
[[nodiscard]] Result<std::string> read_named_file(const std::filesystem::path& path, std::size_t max_size);

// Appends `text` to `path` (created with `mode`) and syncs it before returning: a log line that
// was acknowledged is on the disk.
[[nodiscard]] Status append_durably(const std::filesystem::path& path, std::string_view text, mode_t mode,
                                    Env& env = system_env());

// Overwrites a file's bytes with zeros, syncs, then removes it, so that a secret does not linger
// in free blocks (best effort: journalling file systems and SSDs may keep copies). Missing: done.
[[nodiscard]] Status overwrite_and_remove(const std::filesystem::path& path, Env& env = system_env());

// Takes an exclusive lock on `path` (created 0600) for as long as the returned descriptor lives;
// kConflict when another process holds it.
[[nodiscard]] Result<Fd> lock_file(const std::filesystem::path& path, Env& env = system_env());

}  // namespace civic::files
