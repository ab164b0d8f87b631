// Moving batches, acks and content on removable media, for kiosks without a network. The files
// are the same bytes as over HTTP. Layout under the drive's mount point:
//
//   civic-kiosk/content.ckc                       latest signed content bundle (from the hub)
//   civic-kiosk/<kiosk id>/manifest.json           what the kiosk exported, written last
//   civic-kiosk/<kiosk id>/batch-<sequence>.ckb    signed batches
//   civic-kiosk/<kiosk id>/ack-<sequence>.cka      signed acks (from the hub)
//
// Every file is written to a temporary name, synced, renamed into place, and read back to verify.
// A drive that fills up or is pulled out mid-write leaves either the complete file or none.
// A drive is untrusted: every name on it is opened relative to its folder without following a
// symbolic link (O_NOFOLLOW, O_EXCL for new files), only regular files are read (a FIFO or device
// is refused at once, not waited on), and sizes are bounded before reading.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sync/protocol/protocol.h"

namespace civic {

struct ExportedBatch {
  std::uint64_t sequence = 0;
  Bytes bytes;
};

struct KioskExport {
  KioskId kiosk{};
  std::filesystem::path dir;
  std::vector<ExportedBatch> batches;
};

std::filesystem::path usb_root(const std::filesystem::path& mount);
std::filesystem::path usb_kiosk_dir(const std::filesystem::path& mount, const KioskId& kiosk);

// Whether `path` is an existing folder that is the root of a mounted file system (a USB drive's
// mount point), not an ordinary folder: its device differs from its parent's. Refused with a reason
// when it is missing or not a folder.
[[nodiscard]] Status check_drive_mount_point(const std::filesystem::path& path);

// Removable drives where a kiosk may export or import: the folders below `usb_root` (one or two
// levels down, as usbmount and udisks mount them) that this process can write to; with
// `mount_points_only`, only those that are a mounted file system of their own. Sorted.
std::vector<std::string> find_usb_drives(const std::filesystem::path& usb_root, bool mount_points_only);

// Writes each batch then the manifest; verifies every file by reading it back.
[[nodiscard]] Status write_kiosk_export(const std::filesystem::path& mount, const KioskId& kiosk,
                                        const std::vector<ExportedBatch>& batches, std::uint64_t now);
// Every kiosk folder with a manifest; each listed batch is read and checked against the manifest.
// A folder that is damaged or forged is reported in `problems` and the others are still read.
struct DriveExports {
  std::vector<KioskExport> exports;
  std::vector<std::string> problems;  // one line per folder left out, saying why
};
[[nodiscard]] Result<DriveExports> read_kiosk_exports(const std::filesystem::path& mount);

[[nodiscard]] Status write_usb_ack(const std::filesystem::path& mount, const KioskId& kiosk, std::uint64_t sequence,
                                   ByteView ack);
[[nodiscard]] Result<std::vector<Bytes>> read_usb_acks(const std::filesystem::path& mount, const KioskId& kiosk);

// Town-hall event reports (CKEV) beside a kiosk's batches: event-<event id>.ckev.
[[nodiscard]] Status write_usb_event_reports(const std::filesystem::path& mount, const KioskId& kiosk,
                                             const std::vector<std::pair<std::string, Bytes>>& reports);
[[nodiscard]] Result<std::vector<Bytes>> read_usb_event_reports(const std::filesystem::path& mount);

// The kiosk's latest health report (CKHR) beside its batches: health.ckhr (replaced by each export).
[[nodiscard]] Status write_usb_health_report(const std::filesystem::path& mount, const KioskId& kiosk, ByteView report);
[[nodiscard]] Result<std::vector<Bytes>> read_usb_health_reports(const std::filesystem::path& mount);

// The kiosk as a witness of the hub's log over a drive (PROTOCOL.md "Kiosks as witnesses"): its
// request (log-request.json) beside its batches, the hub's answers (log-consistency.json,
// log-inclusion.json) written there at import. Each at most kMaxLogFileBytes.
inline constexpr std::size_t kMaxLogFileBytes = 4 * 1024 * 1024;
[[nodiscard]] Status write_usb_kiosk_file(const std::filesystem::path& mount, const KioskId& kiosk,
                                          const std::string& name, ByteView bytes);
// std::nullopt when the kiosk's folder holds no such file.
[[nodiscard]] Result<std::optional<Bytes>> read_usb_kiosk_file(const std::filesystem::path& mount, const KioskId& kiosk,
                                                               const std::string& name);
// Every kiosk folder's log-request.json.
[[nodiscard]] Result<std::vector<Bytes>> read_usb_log_requests(const std::filesystem::path& mount);

[[nodiscard]] Status write_usb_content(const std::filesystem::path& mount, ByteView bundle);
// std::nullopt when the drive carries no content bundle.
[[nodiscard]] Result<std::optional<Bytes>> read_usb_content(const std::filesystem::path& mount);

}  // namespace civic
