// A kiosk's health, signed by the kiosk and sent with every sync (and written to USB exports):
// counts, sizes and states only, never a resident's words, never a PIN. The hub keeps the latest
// and a bounded history per kiosk, for the operator console's fleet page. See PROTOCOL.md
// "Health report".
#pragma once

#include <string>

#include "crypto.h"
#include "format.h"

namespace civic {

enum class SpeechHealth : std::uint8_t { kOff = 0, kAvailable = 1, kUnavailable = 2 };

struct HealthReport {
  KioskId kiosk_id{};
  std::uint64_t sequence = 0;    // per kiosk, increasing: a report with a lower one is older
  std::uint64_t created_at = 0;  // the kiosk's clock, Unix seconds
  std::uint64_t uptime_seconds = 0;
  std::uint64_t boots = 0;    // since the kiosk was set up
  std::uint64_t crashes = 0;  // runs that ended without a clean exit, since set-up
  std::uint64_t backlog_records = 0;        // in the outbox, not acknowledged by the hub
  std::uint64_t oldest_pending_at = 0;      // created_at of the oldest of them; 0: none
  std::uint64_t free_disk_bytes = 0, disk_bytes = 0;  // the state directory's file system
  std::uint64_t content_version = 0;
  std::uint64_t staff_lockouts = 0;  // staff PIN lock-outs, since set-up
  std::uint64_t last_sync_at = 0;    // the last attempt before this report; 0: never
  std::uint64_t last_sync_success_at = 0;
  std::uint16_t display_width = 0, display_height = 0;  // 0: unknown
  SpeechHealth speech = SpeechHealth::kOff;
  std::string software_version;
  std::string last_sync_error;  // empty when the last attempt succeeded
  bool operator==(const HealthReport&) const = default;
};

[[nodiscard]] Result<Bytes> encode_signed_health_report(const HealthReport& report, const SigningKeyPair& kiosk_key);
// Reads the kiosk id without checking the signature (to find the key to check it with).
[[nodiscard]] Result<KioskId> health_report_kiosk(ByteView bytes);
[[nodiscard]] Result<HealthReport> verify_health_report(ByteView bytes, const SigningPublicKey& kiosk_key);

}  // namespace civic
