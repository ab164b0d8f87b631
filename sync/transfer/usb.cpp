#include "usb.h"

#include <functional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <nlohmann/json.hpp>

#include "sync/files/files.h"

namespace civic {

namespace fs = std::filesystem;
using files::Dir;
using nlohmann::json;

namespace {
constexpr std::size_t kMaxManifestBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxManifestBatches = 100000;

std::string sequence_name(const char* prefix, std::uint64_t sequence, const char* ext) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%06llu.%s", prefix, static_cast<unsigned long long>(sequence), ext);
  return buf;
}

// Everything on a drive is reached from the mount point one name at a time, relative to the
// folder above it (files::Dir): no name is resolved through a symbolic link, and nothing is opened
// that is not a folder or a regular file. A drive is hostile until proven otherwise.
Result<Dir> drive(const fs::path& mount) { return Dir::open(mount, files::Medium::kRemovableDrive); }

// Every file is verified by reading it back: a drive that lies about writes is caught here, not
// at the hub.
Status write_at(const Dir& dir, const std::string& name, ByteView data) {
  return files::write_file(dir, name, as_chars(data), {.mode = 0644, .read_back = true});
}

Result<Dir> kiosk_dir(const fs::path& mount, const KioskId& kiosk, bool create) {
  CIVIC_ASSIGN(top, drive(mount));
  CIVIC_ASSIGN(root, top.sub("civic-kiosk", create));
  return root.sub(to_hex(kiosk), create);
}

// One kiosk folder's export, checked against its manifest.
Result<KioskExport> read_one_export(const Dir& dir) {
  CIVIC_ASSIGN(text, files::read_file(dir, "manifest.json", kMaxManifestBytes));
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
      CIVIC_ASSIGN(bytes, files::read_file(dir, file, kMaxBatchBytes));
      if (bytes.size() != b.at("bytes").get<std::size_t>() ||
          to_hex(tagged_hash(tag::kUsbFile, {ByteView(bytes)})) != b.at("hash").get<std::string>()) {
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

Status write_kiosk_export(const fs::path& mount, const KioskId& kiosk, const std::vector<ExportedBatch>& batches,
                          std::uint64_t now) {
  CIVIC_ASSIGN(dir, kiosk_dir(mount, kiosk, true));
  // An earlier manifest goes first: until the new one is written last, nothing on the drive
  // claims to be a complete export.
  CIVIC_TRY(dir.remove("manifest.json"));
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
                                   {"hash", to_hex(tagged_hash(tag::kUsbFile, {ByteView(b.bytes)}))}});
  }
  const std::string text = manifest.dump(2) + "\n";
  return write_at(dir, "manifest.json", as_bytes(text));
}

Result<DriveExports> read_kiosk_exports(const fs::path& mount) {
  CIVIC_ASSIGN(top, drive(mount));
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
    CIVIC_ASSIGN(bytes, files::read_file(*dir, name, kAckSize));
    out.push_back(std::move(bytes));
  }
  return out;
}

Status write_usb_content(const fs::path& mount, ByteView bundle) {
  CIVIC_ASSIGN(top, drive(mount));
  CIVIC_ASSIGN(root, top.sub("civic-kiosk", true));
  return write_at(root, "content.ckc", bundle);
}

Result<std::optional<Bytes>> read_usb_content(const fs::path& mount) {
  CIVIC_ASSIGN(top, drive(mount));
  auto root = top.sub("civic-kiosk", false);
  if (!root.ok()) {
    if (root.code() == ErrorCode::kNotFound) return std::optional<Bytes>{};
    return root.error();
  }
  auto bytes = files::read_file(*root, "content.ckc", kMaxContentBundleBytes);
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

namespace {
// Every file of the kiosk folders on a drive that `wanted` accepts by name, each at most `max_size`.
Result<std::vector<Bytes>> read_kiosk_files(const fs::path& mount, const std::function<bool(const std::string&)>& wanted,
                                            std::size_t max_size) {
  std::vector<Bytes> out;
  CIVIC_ASSIGN(top, drive(mount));
  auto root = top.sub("civic-kiosk", false);
  if (!root.ok()) {
    if (root.code() == ErrorCode::kNotFound) return out;
    return root.error();
  }
  for (const auto& kiosk : root->list(true)) {
    auto dir = root->sub(kiosk, false);
    if (!dir.ok()) continue;
    for (const auto& name : dir->list(false)) {
      if (!wanted(name)) continue;
      CIVIC_ASSIGN(bytes, files::read_file(*dir, name, max_size));
      out.push_back(std::move(bytes));
    }
  }
  return out;
}
}  // namespace

Result<std::vector<Bytes>> read_usb_event_reports(const fs::path& mount) {
  return read_kiosk_files(
      mount, [](const std::string& name) { return name.rfind("event-", 0) == 0 && fs::path(name).extension() == ".ckev"; },
      kMaxEventReportSize);
}

Status write_usb_health_report(const fs::path& mount, const KioskId& kiosk, ByteView report) {
  CIVIC_ASSIGN(dir, kiosk_dir(mount, kiosk, true));
  return write_at(dir, "health.ckhr", report);
}

Result<std::vector<Bytes>> read_usb_health_reports(const fs::path& mount) {
  return read_kiosk_files(mount, [](const std::string& name) { return name == "health.ckhr"; }, kMaxHealthReportSize);
}

Status write_usb_kiosk_file(const fs::path& mount, const KioskId& kiosk, const std::string& name, ByteView bytes) {
  if (bytes.size() > kMaxLogFileBytes) return make_error(ErrorCode::kOversize, name + " would be too large for a drive");
  CIVIC_ASSIGN(dir, kiosk_dir(mount, kiosk, true));
  return write_at(dir, name, bytes);
}

Result<std::optional<Bytes>> read_usb_kiosk_file(const fs::path& mount, const KioskId& kiosk, const std::string& name) {
  auto dir = kiosk_dir(mount, kiosk, false);
  if (!dir.ok()) {
    if (dir.code() == ErrorCode::kNotFound) return std::optional<Bytes>{};
    return dir.error();
  }
  auto bytes = files::read_file(*dir, name, kMaxLogFileBytes);
  if (!bytes.ok()) {
    if (bytes.code() == ErrorCode::kNotFound) return std::optional<Bytes>{};
    return bytes.error();
  }
  return std::optional<Bytes>(std::move(*bytes));
}

Result<std::vector<Bytes>> read_usb_log_requests(const fs::path& mount) {
  return read_kiosk_files(mount, [](const std::string& name) { return name == "log-request.json"; }, kMaxLogFileBytes);
}

std::vector<std::string> find_usb_drives(const fs::path& usb_root, bool mount_points_only) {
  std::vector<std::string> out;
  std::error_code ec;
  struct stat root {};
  if (::stat(usb_root.c_str(), &root) != 0) return out;
  auto consider = [&](const fs::path& p, int depth, auto&& self) -> void {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
    if (!mount_points_only || st.st_dev != root.st_dev) {
      if (::access(p.c_str(), W_OK) == 0) out.push_back(p.string());
      return;
    }
    if (depth < 2) {
      for (const auto& e : fs::directory_iterator(p, ec)) self(e.path(), depth + 1, self);
    }
  };
  for (const auto& e : fs::directory_iterator(usb_root, ec)) consider(e.path(), 1, consider);
  std::sort(out.begin(), out.end());
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
