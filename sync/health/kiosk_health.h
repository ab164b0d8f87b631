// What the running kiosk knows about its own health and the sync agent cannot see: boots, runs
// that ended without a clean exit, staff PIN lock-outs, when this run started, the display and
// whether speech works. The kiosk keeps it in the state directory (health.json, written
// atomically); the agent reads it into the signed health report (sync/protocol/health_report.h).
// Counts and states only: never a resident's words, never a PIN.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "sync/protocol/health_report.h"

namespace civic {

struct KioskHealthState {
  std::uint64_t boots = 0;
  std::uint64_t crashes = 0;
  std::uint64_t staff_lockouts = 0;
  std::uint64_t started_at = 0;  // this run (or the last one, once it has ended)
  bool running = false;          // set while the kiosk runs: still set at the next start = a crash
  std::uint16_t display_width = 0, display_height = 0;
  SpeechHealth speech = SpeechHealth::kOff;
};

inline constexpr const char* kKioskHealthFile = "health.json";

// A missing file is a kiosk that never ran (all zero); a damaged one is an error naming it.
[[nodiscard]] Result<KioskHealthState> read_kiosk_health(const std::filesystem::path& state_dir);
[[nodiscard]] Status write_kiosk_health(const std::filesystem::path& state_dir, const KioskHealthState& state);

// The kiosk at start: one more boot, one more crash if the last run never said it ended, and this
// run marked running. Returns the state written.
[[nodiscard]] Result<KioskHealthState> note_kiosk_start(const std::filesystem::path& state_dir, std::uint64_t now);

// The kiosk as a witness of the hub's transparency log (log-witness.json, written by the agent):
// the last checkpoint it accepted, the chain position up to which its own records were proven in
// the log, and, when it refused the hub's log, when and why. Its records after that position are
// kept in the outbox until a log that holds them is shown.
struct LogWitnessState {
  Bytes checkpoint;  // CKCP; empty before the first check
  std::uint64_t witnessed_position = 0;
  std::uint64_t checked_at = 0;  // the last check that passed
  std::uint64_t refused_at = 0;  // 0: the last check passed
  std::string refused_reason;
};

inline constexpr const char* kLogWitnessFile = "log-witness.json";

[[nodiscard]] Result<LogWitnessState> read_log_witness(const std::filesystem::path& state_dir);
[[nodiscard]] Status write_log_witness(const std::filesystem::path& state_dir, const LogWitnessState& state);

}  // namespace civic
