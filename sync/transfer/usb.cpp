#include "usb.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>
#include <nlohmann/json.hpp>

namespace civic {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr std::size_t kMaxManifestBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxManifestBatches = 100000;

Error io_error(const fs::path& path, const std::string& action, int err) {
  if (err == ENOSPC || err == EDQUOT) {
    return make_error(ErrorCode::kDiskFull, "the drive is full while writing " + path.string() +
                                                ": use a drive with more free space (nothing incomplete was kept)");
  }
  if (err == ELOOP || err == ENOTDIR) {
    return make_error(ErrorCode::kMalformed, path.string() + " is a link or not what it should be: this drive was "
                                                 "prepared to redirect what is written; nothing was written through it");
  }
  return make_error(ErrorCode::kIo, "cannot " + action + " " + path.string() + ": " + std::strerror(err) +
                                        " (was the drive removed?)");
}

std::string sequence_name(const char* prefix, std::uint64_t sequence, const char* ext) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%06llu.%s", prefix, static_cast<unsigned long long>(sequence), ext);
  return buf;
}

// An open directory. Everything on a drive is reached from the mount point one name at a time,
// relative to the directory above it: no name is resolved through a symbolic link, and nothing is
// opened that is not a directory or a regular file. A drive is hostile until proven otherwise.
class Dir {
 public:
  Dir() = default;
  explicit Dir(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
  Dir(Dir&& o) noexcept : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)) {}
  Dir& operator=(Dir&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
      path_ = std::move(o.path_);
    }
    return *this;
  }
  ~Dir() { close(); }
  int fd() const { return fd_; }
  const fs::path& path() const { return path_; }

  // The mount point (or a local state directory) itself: the caller's path, taken as given.
  static Result<Dir> open_root(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return make_error(ErrorCode::kNotFound, path.string() + " does not exist");
      return io_error(path, "open the folder", errno);
    }
    return Dir(fd, path);
  }
  // A folder below this one; with `create`, made when missing. Never a link.
  Result<Dir> sub(const std::string& name, bool create) const {
    const fs::path p = path_ / name;
    if (create && ::mkdirat(fd_, name.c_str(), 0755) != 0 && errno != EEXIST) return io_error(p, "create the folder", errno);
    const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return make_error(ErrorCode::kNotFound, p.string() + " does not exist");
      return io_error(p, "open the folder", errno);
    }
    return Dir(fd, p);
  }
  // Names of the entries that are folders (is_dir) or regular files, links and others left out.
  std::vector<std::string> list(bool dirs) const {
    std::vector<std::string> out;
    const int copy = ::dup(fd_);
    if (copy < 0) return out;
    DIR* d = ::fdopendir(copy);
    if (!d) {
      ::close(copy);
      return out;
    }
    ::rewinddir(d);  // the copy shares its position with fd_: every listing starts at the top
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (dirs ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) out.push_back(name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }
  void sync() const { ::fsync(fd_); }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
  fs::path path_;
};

// Reads a regular file of at most `max_size` bytes. A link, a FIFO, a device or a folder under
// that name is refused at once (opened without blocking, checked with fstat), never waited on.
Result<Bytes> read_at(const Dir& dir, const std::string& name, std::size_t max_size) {
  const fs::path path = dir.path() / name;
  const int fd = ::openat(dir.fd(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(ErrorCode::kNotFound, path.string() + " does not exist");
    return io_error(path, "open", errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kMalformed, path.string() + " is not a regular file (a link, a pipe or a device): "
                                                 "refused; use a drive prepared by civic-sync or civic-hub");
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    ::close(fd);
    return make_error(ErrorCode::kOversize, path.string() + " is larger than the " + std::to_string(max_size) +
                                                " bytes allowed");
  }
  Bytes out;
  out.reserve(static_cast<std::size_t>(st.st_size));
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return io_error(path, "read", err);
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > max_size) {  // it grew while being read
      ::close(fd);
      return make_error(ErrorCode::kOversize, path.string() + " is larger than the " + std::to_string(max_size) +
                                                  " bytes allowed");
    }
  }
  ::close(fd);
  return out;
}

// Writes `name` in `dir` atomically: a new temporary file (O_EXCL: whatever stood under its name,
// a link included, is removed first, never written through), synced, renamed over the name (a
// rename replaces a link; it does not follow it), the folder synced, then read back.
Status write_at(const Dir& dir, const std::string& name, ByteView data) {
  const std::string temp = name + ".partial";
  const fs::path temp_path = dir.path() / temp;
  int fd = ::openat(dir.fd(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) {
    // A temporary file left by a pulled drive, or something planted: remove the name itself.
    if (::unlinkat(dir.fd(), temp.c_str(), 0) != 0 && errno != ENOENT) return io_error(temp_path, "remove", errno);
    fd = ::openat(dir.fd(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  }
  if (fd < 0) return io_error(temp_path, "create", errno);
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  auto fail = [&](const char* action) {
    const int err = errno;
    ::close(fd);
    ::unlinkat(dir.fd(), temp.c_str(), 0);
    return Status(io_error(temp_path, action, err));
  };
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("sync");
  ::close(fd);
  if (::renameat(dir.fd(), temp.c_str(), dir.fd(), name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir.fd(), temp.c_str(), 0);
    return io_error(dir.path() / name, "rename into", err);
  }
  dir.sync();
  // Read back: a drive that lies about writes is caught here, not at the hub.
  auto back = read_at(dir, name, data.size());
  if (!back.ok()) return back.error();
  if (back->size() != data.size() || !std::equal(back->begin(), back->end(), data.begin())) {
    return make_error(ErrorCode::kIo, "what was written to " + (dir.path() / name).string() +
                                          " reads back differently: the drive is faulty, use another one");
  }
  return {};
}

Result<Dir> kiosk_dir(const fs::path& mount, const KioskId& kiosk, bool create) {
  CIVIC_ASSIGN(top, Dir::open_root(mount));
  CIVIC_ASSIGN(root, top.sub("civic-kiosk", create));
  return root.sub(to_hex(kiosk), create);
}

// One kiosk folder's export, checked against its manifest.
Result<KioskExport> read_one_export(const Dir& dir) {
  CIVIC_ASSIGN(text, read_at(dir, "manifest.json", kMaxManifestBytes));
  const fs::path manifest_path = dir.path() / "manifest.json";
  KioskExport ex;
  ex.dir = dir.path();
  try {
    const json m = json::parse(text.begin(), text.end());
    if (m.at("format").get<int>() != 1) {
      return make_error(ErrorCode::kUnknownVersion, manifest_path.string() + " has a format this software does not know");
    }
    auto kiosk = fixed_from_hex<kKioskIdSize>(m.at("kiosk_id").get<std::string>());
    if (!kiosk.ok() || to_hex(*kiosk) != dir.path().filename().string()) {
      return make_error(ErrorCode::kMalformed, manifest_path.string() + " names a kiosk other than its folder");
    }
    ex.kiosk = *kiosk;
    const json& batches = m.at("batches");
    if (!batches.is_array() || batches.size() > kMaxManifestBatches) {
      return make_error(ErrorCode::kMalformed, manifest_path.string() + " lists too many batches");
    }
    // The whole list is checked before any file is read: each file once (a manifest naming one
    // large file many times would have it read many times), each inside the folder.
    std::set<std::string> files;
    std::set<std::uint64_t> sequences;
    for (const auto& b : batches) {
      const std::string file = b.at("file").get<std::string>();
      if (file.empty() || file.find('/') != std::string::npos || file.find("..") != std::string::npos) {
        return make_error(ErrorCode::kMalformed, manifest_path.string() + " lists a file outside its folder");
      }
      const auto sequence = b.at("sequence").get<std::uint64_t>();
      if (!files.insert(file).second || !sequences.insert(sequence).second) {
        return make_error(ErrorCode::kMalformed, manifest_path.string() + " lists " + file + " (or batch " +
                                                     std::to_string(sequence) + ") twice: refused");
      }
    }
    for (const auto& b : batches) {
      const std::string file = b.at("file").get<std::string>();
      const auto sequence = b.at("sequence").get<std::uint64_t>();
      CIVIC_ASSIGN(bytes, read_at(dir, file, kMaxBatchBytes));
      if (bytes.size() != b.at("bytes").get<std::size_t>() ||
          to_hex(tagged_hash("civic-kiosk/usb-file/v1", {ByteView(bytes)})) != b.at("hash").get<std::string>()) {
        return make_error(ErrorCode::kMalformed, (dir.path() / file).string() +
                                                     " does not match its manifest: the copy is damaged; export again");
      }
      ex.batches.push_back({sequence, std::move(bytes)});
    }
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kMalformed, manifest_path.string() + " is not a valid manifest: " + e.what());
  }
  return ex;
}
}  // namespace

fs::path usb_root(const fs::path& mount) { return mount / "civic-kiosk"; }
fs::path usb_kiosk_dir(const fs::path& mount, const KioskId& kiosk) { return usb_root(mount) / to_hex(kiosk); }

Status write_file_durably(const fs::path& path, ByteView data) {
  CIVIC_ASSIGN(dir, Dir::open_root(path.parent_path().empty() ? fs::path(".") : path.parent_path()));
  return write_at(dir, path.filename().string(), data);
}

Result<Bytes> read_file(const fs::path& path, std::size_t max_size) {
  CIVIC_ASSIGN(dir, Dir::open_root(path.parent_path().empty() ? fs::path(".") : path.parent_path()));
  return read_at(dir, path.filename().string(), max_size);
}

Status write_kiosk_export(const fs::path& mount, const KioskId& kiosk, const std::vector<ExportedBatch>& batches,
                          std::uint64_t now) {
  CIVIC_ASSIGN(dir, kiosk_dir(mount, kiosk, true));
  // An earlier manifest goes first: until the new one is written last, nothing on the drive
  // claims to be a complete export.
  if (::unlinkat(dir.fd(), "manifest.json", 0) != 0 && errno != ENOENT)
    return io_error(dir.path() / "manifest.json", "remove the earlier manifest", errno);
  json manifest;
  manifest["format"] = 1;
  manifest["kiosk_id"] = to_hex(kiosk);
  manifest["created_at"] = now;
  manifest["batches"] = json::array();
  for (const auto& b : batches) {
    const std::string name = sequence_name("batch", b.sequence, "ckb");
    CIVIC_TRY(write_at(dir, name, b.bytes));
    manifest["batches"].push_back({{"sequence", b.sequence},
                                   {"file", name},
                                   {"bytes", b.bytes.size()},
                                   {"hash", to_hex(tagged_hash("civic-kiosk/usb-file/v1", {ByteView(b.bytes)}))}});
  }
  const std::string text = manifest.dump(2) + "\n";
  return write_at(dir, "manifest.json", as_bytes(text));
}

Result<DriveExports> read_kiosk_exports(const fs::path& mount) {
  CIVIC_ASSIGN(top, Dir::open_root(mount));
  auto root = top.sub("civic-kiosk", false);
  if (!root.ok()) {
    if (root.code() == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kNotFound, "no civic-kiosk folder on " + mount.string() +
                                                  ": is this the right drive, and is it mounted?");
    }
    return root.error();
  }
  DriveExports out;
  // Each kiosk's folder on its own: one that is damaged or forged is reported and skipped, and
  // the others are still imported.
  for (const auto& name : root->list(true)) {
    auto dir = root->sub(name, false);
    if (!dir.ok()) {
      out.problems.push_back(dir.message());
      continue;
    }
    struct stat st {};
    if (::fstatat(dir->fd(), "manifest.json", &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // nothing exported
    auto ex = read_one_export(*dir);
    if (!ex.ok()) {
      out.problems.push_back(ex.message());
      continue;
    }
    out.exports.push_back(std::move(*ex));
  }
  return out;
}

Status write_usb_ack(const fs::path& mount, const KioskId& kiosk, std::uint64_t sequence, ByteView ack) {
  CIVIC_ASSIGN(dir, kiosk_dir(mount, kiosk, true));
  return write_at(dir, sequence_name("ack", sequence, "cka"), ack);
}

Result<std::vector<Bytes>> read_usb_acks(const fs::path& mount, const KioskId& kiosk) {
  std::vector<Bytes> out;
  auto dir = kiosk_dir(mount, kiosk, false);
  if (!dir.ok()) {
    if (dir.code() == ErrorCode::kNotFound) return out;
    return dir.error();
  }
  for (const auto& name : dir->list(false)) {
    if (fs::path(name).extension() != ".cka") continue;
    CIVIC_ASSIGN(bytes, read_at(*dir, name, kAckSize));
    out.push_back(std::move(bytes));
  }
  return out;
}

Status write_usb_content(const fs::path& mount, ByteView bundle) {
  CIVIC_ASSIGN(top, Dir::open_root(mount));
  CIVIC_ASSIGN(root, top.sub("civic-kiosk", true));
  return write_at(root, "content.ckc", bundle);
}

Result<std::optional<Bytes>> read_usb_content(const fs::path& mount) {
  CIVIC_ASSIGN(top, Dir::open_root(mount));
  auto root = top.sub("civic-kiosk", false);
  if (!root.ok()) {
    if (root.code() == ErrorCode::kNotFound) return std::optional<Bytes>{};
    return root.error();
  }
  auto bytes = read_at(*root, "content.ckc", kMaxContentBundleBytes);
  if (!bytes.ok()) {
    if (bytes.code() == ErrorCode::kNotFound) return std::optional<Bytes>{};
    return bytes.error();
  }
  return std::optional<Bytes>(std::move(*bytes));
}

Status write_usb_event_reports(const fs::path& mount, const KioskId& kiosk,
                               const std::vector<std::pair<std::string, Bytes>>& reports) {
  CIVIC_ASSIGN(dir, kiosk_dir(mount, kiosk, true));
  for (const auto& [event_id, bytes] : reports) CIVIC_TRY(write_at(dir, "event-" + event_id + ".ckev", bytes));
  return {};
}

Result<std::vector<Bytes>> read_usb_event_reports(const fs::path& mount) {
  std::vector<Bytes> out;
  CIVIC_ASSIGN(top, Dir::open_root(mount));
  auto root = top.sub("civic-kiosk", false);
  if (!root.ok()) {
    if (root.code() == ErrorCode::kNotFound) return out;
    return root.error();
  }
  for (const auto& kiosk : root->list(true)) {
    auto dir = root->sub(kiosk, false);
    if (!dir.ok()) continue;
    for (const auto& name : dir->list(false)) {
      if (name.rfind("event-", 0) != 0 || fs::path(name).extension() != ".ckev") continue;
      CIVIC_ASSIGN(bytes, read_at(*dir, name, kMaxEventReportSize));
      out.push_back(std::move(bytes));
    }
  }
  return out;
}

Status check_drive_mount_point(const std::filesystem::path& path) {
  struct stat self{}, parent{};
  if (::lstat(path.c_str(), &self) != 0) {
    return make_error(ErrorCode::kNotFound, path.string() + " does not exist: plug in the USB drive and give the "
                                                            "folder it is mounted on (for instance /media/usb0)");
  }
  if (!S_ISDIR(self.st_mode)) {
    return make_error(ErrorCode::kInvalidArgument, path.string() + " is not a folder (a link or a file?): give the "
                                                                   "folder the USB drive is mounted on");
  }
  const std::filesystem::path up = path / "..";
  if (::stat(up.c_str(), &parent) != 0 || (self.st_dev == parent.st_dev && self.st_ino != parent.st_ino)) {
    return make_error(ErrorCode::kInvalidArgument,
                      path.string() + " is a folder on this machine, not a mounted drive: what is written there "
                                      "never leaves the kiosk. Plug in the USB drive and give its mount point "
                                      "(for instance /media/usb0), or add --not-a-drive to write to this folder "
                                      "on purpose");
  }
  return {};
}

}  // namespace civic
