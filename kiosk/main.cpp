// civic-kiosk: the command line, the configuration, then the kiosk (kiosk/app/kiosk_app.h) or
// setting the staff PIN. The flow lives in kiosk/session, the screens in kiosk/ui, SDL in
// kiosk/platform, storage and the frame loop in kiosk/app.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "kiosk/app/kiosk_app.h"
#include "kiosk/app/terminal_pin.h"
#include "kiosk/staff/pin.h"
#include "sync/cli/cli.h"
#include "sync/keystore/keystore.h"

using namespace civic;
using namespace civic::kiosk;

namespace {

int fail(const std::string& message, int code = kExitFailure) {
  std::fprintf(stderr, "civic-kiosk: %s\n", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"civic-kiosk: the public consultation terminal"};
  set_up_command_line(app, "civic-kiosk");
  std::string config_file = default_config_file("CIVIC_KIOSK_CONFIG", "/etc/civic-kiosk/kiosk.toml");
  std::string state_dir, assets_dir = CIVIC_DEFAULT_ASSETS_DIR, a11y_dump, screenshot_dir, speech_log_path;
  bool windowed = false, redraw_every_frame = false;
  app.add_option("--config", config_file, "configuration file (TOML; see config/kiosk.toml)");
  app.add_option("--state", state_dir, "state directory (overrides the configuration)");
  app.add_option("--assets", assets_dir, "translations and other assets")->capture_default_str();
  app.add_flag("--windowed", windowed, "a window instead of full screen (for trying it out)");
  app.add_option("--a11y-dump", a11y_dump,
                 "write the accessibility tree as JSON here after every frame (tests)");
  app.add_option("--screenshot-dir", screenshot_dir,
                 "save a PPM screenshot here whenever the screen changes (tests)");
  app.add_option("--speech-log", speech_log_path,
                 "append what the kiosk says here, one JSON line per utterance, typed text left out (tests)");
  bool set_pin = false;
  app.add_flag("--set-staff-pin", set_pin,
               "read a new staff PIN (twice) from standard input, store its hash, exit");
  app.add_flag("--redraw-every-frame", redraw_every_frame,
               "never sleep: draw continuously like a stock Dear ImGui example (benchmark peer only)");
  if (auto done = parse_command_line(app, argc, argv)) return *done;

  no_core_dumps();
  if (auto s = crypto_init(); !s.ok()) return fail(s.message());
  KioskConfig config;
  std::error_code ec;
  if (std::filesystem::exists(config_file, ec) || app.get_option("--config")->count() > 0 ||
      environment_names_config("CIVIC_KIOSK_CONFIG")) {
    auto loaded = load_kiosk_config(config_file);
    if (!loaded.ok()) return fail(loaded.message(), kExitConfig);
    config = *loaded;
  }
  if (!state_dir.empty()) config.state_dir = state_dir;

  if (set_pin) {
    if (auto s = set_staff_pin_from_terminal(config, static_cast<std::uint64_t>(std::time(nullptr))); !s.ok())
      return fail(s.message(), s.code() == ErrorCode::kInvalidArgument ? kExitDataError : kExitFailure);
    std::printf("staff PIN set (stored as an Argon2id hash in %s)\n", config.staff_pin_path().string().c_str());
    return kExitOk;
  }

  auto strings = Catalogues::load(std::filesystem::path(assets_dir) / "i18n");
  if (!strings.ok()) return fail(strings.message());
  // The languages offered ([languages] offered; every catalogue when it is not set), and the one
  // a visit starts in.
  if (auto s = strings->offer(config.languages.empty() ? strings->languages() : config.languages); !s.ok())
    return fail(config_file + ": [languages] offered: " + s.message(), kExitConfig);
  if (config.default_language.empty()) config.default_language = strings->offered().front();
  const auto& offered = strings->offered();
  if (std::find(offered.begin(), offered.end(), config.default_language) == offered.end())
    return fail(config_file + ": default_language \"" + config.default_language + "\" in [session] is not offered",
                kExitConfig);
  KioskRunOptions options;
  options.config_path = std::filesystem::absolute(config_file).string();
  options.fullscreen = config.fullscreen && !windowed;
  options.a11y_dump = a11y_dump;
  options.screenshot_dir = screenshot_dir;
  options.speech_log = speech_log_path;
  options.redraw_every_frame = redraw_every_frame;
  if (auto s = run_kiosk(config, *strings, options); !s.ok()) return fail(s.message());
  return kExitOk;
} catch (...) {
  return report_unexpected("civic-kiosk");
}
