#include "usb.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace civic {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr std::size_t kMaxManifestBytes = 4 * 1024 * 1024;

Error io_error(const fs::path& path, const std::string& action, int err) {
  if (err == ENOSPC || err == EDQUOT) {
    return make_error(ErrorCode::kDiskFull, "the drive is full while writing " + path.string() +
                                                ": use a drive with more free space (nothing incomplete was kept)");
  }
  return make_error(ErrorCode::kIo, "cannot " + action + " " + path.string() + ": " + std::strerror(err) +
                                        " (was the drive removed?)");
}

std::string sequence_name(const char* prefix, std::uint64_t sequence, const char* ext) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%06llu.%s", prefix, static_cast<unsigned long long>(sequence), ext);
  return buf;
}

void sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}
}  // namespace

fs::path usb_root(const fs::path& mount) { return mount / "civic-kiosk"; }
fs::path usb_kiosk_dir(const fs::path& mount, const KioskId& kiosk) { return usb_root(mount) / to_hex(kiosk); }

Status write_file_durably(const fs::path& path, ByteView data) {
  const fs::path temp = path.string() + ".partial";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(temp, "create", errno);
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return io_error(temp, "write", err);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return io_error(temp, "sync", err);
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return io_error(path, "rename into", err);
  }
  sync_dir(path.parent_path());
  // Read back: a drive that lies about writes is caught here, not at the hub.
  auto back = read_file(path, data.size() + 1);
  if (!back.ok()) return back.error();
  if (back->size() != data.size() || !std::equal(back->begin(), back->end(), data.begin())) {
    return make_error(ErrorCode::kIo, "what was written to " + path.string() +
                                          " reads back differently: the drive is faulty, use another one");
  }
  return {};
}

Result<Bytes> read_file(const fs::path& path, std::size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(ErrorCode::kNotFound, path.string() + " does not exist");
    return io_error(path, "open", errno);
  }
  Bytes out;
  std::uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error(path, "read", err);
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > max_size) {
      ::close(fd);
      return make_error(ErrorCode::kOversize, path.string() + " is larger than the " + std::to_string(max_size) +
                                                  " bytes allowed");
    }
  }
  ::close(fd);
  return out;
}

Status write_kiosk_export(const fs::path& mount, const KioskId& kiosk, const std::vector<ExportedBatch>& batches,
                          std::uint64_t now) {
  const fs::path dir = usb_kiosk_dir(mount, kiosk);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error(dir, "create the folder", ec.value());
  // An earlier manifest goes first: until the new one is written last, nothing on the drive
  // claims to be a complete export.
  fs::remove(dir / "manifest.json", ec);
  if (ec) return io_error(dir / "manifest.json", "remove the earlier manifest", ec.value());
  json manifest;
  manifest["format"] = 1;
  manifest["kiosk_id"] = to_hex(kiosk);
  manifest["created_at"] = now;
  manifest["batches"] = json::array();
  for (const auto& b : batches) {
    const std::string name = sequence_name("batch", b.sequence, "ckb");
    CIVIC_TRY(write_file_durably(dir / name, b.bytes));
    manifest["batches"].push_back({{"sequence", b.sequence},
                                   {"file", name},
                                   {"bytes", b.bytes.size()},
                                   {"hash", to_hex(tagged_hash("civic-kiosk/usb-file/v1", {ByteView(b.bytes)}))}});
  }
  const std::string text = manifest.dump(2) + "\n";
  return write_file_durably(dir / "manifest.json", as_bytes(text));
}

Result<std::vector<KioskExport>> read_kiosk_exports(const fs::path& mount) {
  const fs::path root = usb_root(mount);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return make_error(ErrorCode::kNotFound, "no civic-kiosk folder on " + mount.string() +
                                                ": is this the right drive, and is it mounted?");
  }
  std::vector<KioskExport> out;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory()) continue;
    const fs::path manifest_path = entry.path() / "manifest.json";
    if (!fs::exists(manifest_path)) continue;
    CIVIC_ASSIGN(text, read_file(manifest_path, kMaxManifestBytes));
    KioskExport ex;
    ex.dir = entry.path();
    try {
      const json m = json::parse(text.begin(), text.end());
      if (m.at("format").get<int>() != 1) {
        return make_error(ErrorCode::kUnknownVersion, manifest_path.string() + " has a format this software does not know");
      }
      auto kiosk = fixed_from_hex<kKioskIdSize>(m.at("kiosk_id").get<std::string>());
      if (!kiosk.ok() || to_hex(*kiosk) != entry.path().filename().string()) {
        return make_error(ErrorCode::kMalformed, manifest_path.string() + " names a kiosk other than its folder");
      }
      ex.kiosk = *kiosk;
      for (const auto& b : m.at("batches")) {
        const std::string file = b.at("file").get<std::string>();
        if (file.find('/') != std::string::npos || file.find("..") != std::string::npos) {
          return make_error(ErrorCode::kMalformed, manifest_path.string() + " lists a file outside its folder");
        }
        CIVIC_ASSIGN(bytes, read_file(entry.path() / file, kMaxBatchBytes));
        if (bytes.size() != b.at("bytes").get<std::size_t>() ||
            to_hex(tagged_hash("civic-kiosk/usb-file/v1", {ByteView(bytes)})) != b.at("hash").get<std::string>()) {
          return make_error(ErrorCode::kMalformed, (entry.path() / file).string() +
                                                       " does not match its manifest: the copy is damaged; export again");
        }
        ex.batches.push_back({b.at("sequence").get<std::uint64_t>(), std::move(bytes)});
      }
    } catch (const json::exception& e) {
      return make_error(ErrorCode::kMalformed, manifest_path.string() + " is not a valid manifest: " + e.what());
    }
    out.push_back(std::move(ex));
  }
  return out;
}

Status write_usb_ack(const fs::path& mount, const KioskId& kiosk, std::uint64_t sequence, ByteView ack) {
  return write_file_durably(usb_kiosk_dir(mount, kiosk) / sequence_name("ack", sequence, "cka"), ack);
}

Result<std::vector<Bytes>> read_usb_acks(const fs::path& mount, const KioskId& kiosk) {
  const fs::path dir = usb_kiosk_dir(mount, kiosk);
  std::vector<Bytes> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".cka") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    CIVIC_ASSIGN(bytes, read_file(f, kAckSize));
    out.push_back(std::move(bytes));
  }
  return out;
}

Status write_usb_content(const fs::path& mount, ByteView bundle) {
  std::error_code ec;
  fs::create_directories(usb_root(mount), ec);
  if (ec) return io_error(usb_root(mount), "create the folder", ec.value());
  return write_file_durably(usb_root(mount) / "content.ckc", bundle);
}

Result<std::optional<Bytes>> read_usb_content(const fs::path& mount) {
  auto bytes = read_file(usb_root(mount) / "content.ckc", kMaxContentBundleBytes);
  if (!bytes.ok()) {
    if (bytes.code() == ErrorCode::kNotFound) return std::optional<Bytes>{};
    return bytes.error();
  }
  return std::optional<Bytes>(std::move(*bytes));
}

Status write_usb_event_reports(const fs::path& mount, const KioskId& kiosk,
                               const std::vector<std::pair<std::string, Bytes>>& reports) {
  const fs::path dir = usb_kiosk_dir(mount, kiosk);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error(dir, "create the folder", ec.value());
  for (const auto& [event_id, bytes] : reports) CIVIC_TRY(write_file_durably(dir / ("event-" + event_id + ".ckev"), bytes));
  return {};
}

Result<std::vector<Bytes>> read_usb_event_reports(const fs::path& mount) {
  std::vector<Bytes> out;
  std::error_code ec;
  const fs::path root = usb_root(mount);
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& kiosk_dir : fs::directory_iterator(root, ec)) {
    if (!kiosk_dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(kiosk_dir.path(), ec)) {
      const std::string name = f.path().filename().string();
      if (name.rfind("event-", 0) != 0 || f.path().extension() != ".ckev") continue;
      CIVIC_ASSIGN(bytes, read_file(f.path(), kMaxEventReportSize));
      out.push_back(std::move(bytes));
    }
  }
  return out;
}

}  // namespace civic
