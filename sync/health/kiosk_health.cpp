#include "kiosk_health.h"

#include <nlohmann/json.hpp>

#include "sync/files/files.h"

namespace civic {

namespace {
using nlohmann::json;
constexpr std::size_t kMaxHealthFileBytes = 4096;

std::uint64_t number(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return 0;
  if (!it->is_number_unsigned()) throw json::type_error::create(302, std::string("'") + key + "' is not a count", &j);
  return it->get<std::uint64_t>();
}
}  // namespace

Result<KioskHealthState> read_kiosk_health(const std::filesystem::path& state_dir) {
  const auto path = state_dir / kKioskHealthFile;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return KioskHealthState{};
  CIVIC_ASSIGN(text, files::read_text_file(path, kMaxHealthFileBytes));
  try {
    const json j = json::parse(text);
    if (!j.is_object()) throw json::type_error::create(302, "not an object", &j);
    KioskHealthState s;
    s.boots = number(j, "boots");
    s.crashes = number(j, "crashes");
    s.staff_lockouts = number(j, "staff_lockouts");
    s.started_at = number(j, "started_at");
    s.running = j.value("running", false);
    s.display_width = static_cast<std::uint16_t>(std::min<std::uint64_t>(number(j, "display_width"), 65535));
    s.display_height = static_cast<std::uint16_t>(std::min<std::uint64_t>(number(j, "display_height"), 65535));
    const std::string speech = j.value("speech", "off");
    s.speech = speech == "available" ? SpeechHealth::kAvailable
               : speech == "unavailable" ? SpeechHealth::kUnavailable
                                         : SpeechHealth::kOff;
    return s;
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kMalformed,
                      path.string() + " is damaged (" + e.what() + "); remove it and the kiosk starts counting again");
  }
}

Status write_kiosk_health(const std::filesystem::path& state_dir, const KioskHealthState& s) {
  const char* speech = s.speech == SpeechHealth::kAvailable     ? "available"
                       : s.speech == SpeechHealth::kUnavailable ? "unavailable"
                                                                : "off";
  const json j{{"boots", s.boots},
               {"crashes", s.crashes},
               {"staff_lockouts", s.staff_lockouts},
               {"started_at", s.started_at},
               {"running", s.running},
               {"display_width", s.display_width},
               {"display_height", s.display_height},
               {"speech", speech}};
  files::WriteOptions options;
  options.mode = 0600;
  return files::write_file(state_dir / kKioskHealthFile, j.dump() + "\n", options);
}

Result<KioskHealthState> note_kiosk_start(const std::filesystem::path& state_dir, std::uint64_t now) {
  auto read = read_kiosk_health(state_dir);
  // A damaged file is not worth refusing to serve residents over: counting starts again.
  KioskHealthState s = read.ok() ? *read : KioskHealthState{};
  ++s.boots;
  if (s.running) ++s.crashes;
  s.running = true;
  s.started_at = now;
  CIVIC_TRY(write_kiosk_health(state_dir, s));
  return s;
}

Result<LogWitnessState> read_log_witness(const std::filesystem::path& state_dir) {
  const auto path = state_dir / kLogWitnessFile;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return LogWitnessState{};
  CIVIC_ASSIGN(text, files::read_text_file(path, kMaxHealthFileBytes));
  try {
    const json j = json::parse(text);
    if (!j.is_object() || j.value("format", 0) != 1) throw json::type_error::create(302, "not format 1", &j);
    LogWitnessState s;
    CIVIC_ASSIGN(checkpoint, from_hex(j.value("checkpoint", "")));
    s.checkpoint = std::move(checkpoint);
    s.witnessed_position = number(j, "witnessed_position");
    s.checked_at = number(j, "checked_at");
    s.refused_at = number(j, "refused_at");
    s.refused_reason = j.value("refused_reason", "");
    return s;
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kMalformed, path.string() + " is damaged (" + e.what() +
                                                 "); restore it from a backup, or remove it and the kiosk trusts the "
                                                 "hub's next checkpoint as its first");
  }
}

Status write_log_witness(const std::filesystem::path& state_dir, const LogWitnessState& s) {
  const json j{{"format", 1},
               {"checkpoint", to_hex(s.checkpoint)},
               {"witnessed_position", s.witnessed_position},
               {"checked_at", s.checked_at},
               {"refused_at", s.refused_at},
               {"refused_reason", s.refused_reason}};
  files::WriteOptions options;
  options.mode = 0600;
  return files::write_file(state_dir / kLogWitnessFile, j.dump() + "\n", options);
}

}  // namespace civic
