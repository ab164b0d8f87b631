// The fleet as operators see it: each kiosk with its latest health report and the flags that
// need someone's attention ("silent for 3 nights", "disk under 10%", "speech unavailable", …),
// computed against a clock the caller gives (tests pass a fake one).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store.h"

namespace civic {

// What needs attention, as a code and a number; the console words it in the operator's language.
struct HealthFlag {
  enum class Kind {
    kRevoked,
    kNeverHeard,         // enrolled, never synced
    kSilent,             // n: nights since last contact
    kNoHealthReport,     // synced, but never sent a health report (older software)
    kDiskLow,            // n: percent free
    kSpeechUnavailable,
    kOldSoftware,        // text: the kiosk's version
    kOldContent,         // n: the kiosk's content version
    kBacklog,            // n: records waiting; m: days the oldest has waited
    kCrashed,            // n: crashes since the report before
    kStaffLockouts,      // n: lock-outs since the report before
    kSyncFailing,        // text: the last sync error
  };
  HealthFlag(Kind k, std::uint64_t n_ = 0, std::uint64_t m_ = 0, std::string text_ = {})
      : kind(k), n(n_), m(m_), text(std::move(text_)) {}
  Kind kind;
  std::uint64_t n = 0, m = 0;
  std::string text;
  bool operator==(const HealthFlag&) const = default;
};

struct FleetSettings {
  int silent_after_nights = 2;
  int disk_low_percent = 10;
  std::uint64_t backlog_days = 2;  // a record waiting longer than this is flagged
  std::string hub_version;         // the software kiosks should run
  std::uint64_t content_version = 0;  // the latest published
};

struct KioskHealth {
  KioskInfo kiosk;
  std::optional<StoredHealthReport> latest, previous;
  std::optional<std::uint64_t> last_contact;
  std::vector<HealthFlag> flags;
};

// Whole nights between two times (days of 24 h; a kiosk syncing nightly misses one per day).
std::uint64_t nights_between(std::uint64_t from, std::uint64_t to);
std::vector<HealthFlag> health_flags(const KioskHealth& kiosk, const FleetSettings& settings, std::uint64_t now);

// Every kiosk, by name, with its health and flags.
[[nodiscard]] Result<std::vector<KioskHealth>> fleet_health(HubStore& store, const FleetSettings& settings,
                                                            std::uint64_t now);

}  // namespace civic
