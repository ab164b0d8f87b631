// civic-kiosk: wires the session, the screens, the window and the store together. Thin on
// purpose: the flow lives in kiosk/session, the screens in kiosk/ui, SDL in kiosk/platform,
// storage in kiosk/app.
#include <imgui.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "kiosk/app/command.h"
#include "kiosk/app/store.h"
#include "sync/cli/cli.h"
#include "sync/files/files.h"
#include "sync/keystore/keystore.h"
#include "kiosk/platform/audio.h"
#include "kiosk/platform/window.h"
#include "kiosk/ui/announcer.h"
#include "kiosk/ui/ui.h"

using namespace civic;
using namespace civic::kiosk;

namespace {

std::uint64_t monotonic_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}
std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(std::time(nullptr));
}

int fail(const std::string& message, int code = kExitFailure) {
  std::fprintf(stderr, "civic-kiosk: %s\n", message.c_str());
  return code;
}

// Replaced whole after every frame (a reader never sees half of one), without syncing: it is for
// tests and tools, and rewritten many times a second.
void write_dump(const std::string& path, const std::string& json) {
  if (auto s = files::write_file(path, json, {.durable = false}); !s.ok())
    std::fprintf(stderr, "civic-kiosk: %s\n", s.message().c_str());
}

// For tests and tools: the screen, language and accessibility tree after every frame.
// Coordinates are design pixels: a display pixel is at design * scale. "tap_guard": taps are being
// ignored just after a screen change.
void dump_tree(const std::string& path, const Session& s, const Staff& staff, const UiContext& ui,
               std::uint64_t frame) {
  const A11yTree& tree = ui.tree;
  std::ostringstream json;
  json << "{\"frame\":" << frame << ",\"screen\":\"" << screen_name(s.screen())
                     << "\",\"view\":\"" << ui.drawn.view << "\",\"scale\":" << ui.canvas.scale
                     << ",\"canvas\":[" << ui.canvas.width << "," << ui.canvas.height
                     << "],\"tap_guard\":" << (ui.tap_guard ? "true" : "false")
                     << ",\"list_scroll\":" << ui.list_scroll << ",\"staff\":\"" << staff_screen_name(staff.screen())
                     << "\",\"locked\":" << (staff.locked() ? "true" : "false") << ",\"language\":\""
                     << s.language() << "\",\"nodes\":" << tree.to_json() << "}\n";
  write_dump(path, json.str());
}

// For tests: one JSON line per utterance, with what the resident typed left out.
void log_utterance(std::ofstream& log, std::uint64_t id, const Utterance& u) {
  std::string line = "{\"utterance\":" + std::to_string(id) + ",\"rate\":" + std::to_string(u.rate_step) +
                     ",\"volume\":" + std::to_string(u.volume_step) + ",\"parts\":[";
  for (std::size_t i = 0; i < u.parts.size(); ++i) {
    const auto& p = u.parts[i];
    line += (i ? "," : "") + std::string("{\"language\":\"") + p.language +
            "\",\"text\":" + (p.resident_text ? std::string("null") : nlohmann::json(p.text).dump()) + "}";
  }
  log << line << "]}\n" << std::flush;
}

// Reads the staff PIN twice from standard input (without echo on a terminal) and stores its hash.
int set_staff_pin(const KioskConfig& config) {
  const bool tty = ::isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string first, second;
  if (tty) std::fprintf(stderr, "new staff PIN (%zu to %zu digits): ", kMinPinDigits, kMaxPinDigits);
  std::getline(std::cin, first);
  if (tty) std::fprintf(stderr, "\nagain: ");
  std::getline(std::cin, second);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  const bool same = first == second;
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  auto saved_pin =
      same ? save_pin_hash(config.staff_pin_path(), first)
           : Status(make_error(ErrorCode::kInvalidArgument, "the two PINs differ; nothing was changed"));
  wipe_string(first);
  wipe_string(second);
  if (!saved_pin.ok()) return fail(saved_pin.message(), kExitDataError);
  if (auto reset = PinGuard::reset(config.state_dir / "staff-lockout"); !reset.ok()) return fail(reset.message());
  StaffLog(config.state_dir / "staff.log").record(unix_now(), "set-pin").ok();
  std::printf("staff PIN set (stored as an Argon2id hash in %s)\n", config.staff_pin_path().string().c_str());
  return 0;
}

// Removable drives offered for export and import: directories below usb_root (one or two levels,
// as usbmount and udisks mount them), mount points only unless the configuration says otherwise.
std::vector<std::string> find_drives(const KioskConfig& config) {
  std::vector<std::string> out;
  std::error_code ec;
  struct stat root {};
  if (::stat(config.usb_root.c_str(), &root) != 0) return out;
  auto consider = [&](const std::filesystem::path& p, int depth, auto&& self) -> void {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
    if (!config.usb_mounts_only || st.st_dev != root.st_dev) {
      if (::access(p.c_str(), W_OK) == 0) out.push_back(p.string());
      return;
    }
    if (depth < 2) {
      for (const auto& e : std::filesystem::directory_iterator(p, ec)) self(e.path(), depth + 1, self);
    }
  };
  for (const auto& e : std::filesystem::directory_iterator(config.usb_root, ec))
    consider(e.path(), 1, consider);
  std::sort(out.begin(), out.end());
  return out;
}

HealthInfo gather_health(KioskStore& store, const KioskConfig& config, const std::string& speech) {
  HealthInfo h;
  h.speech = speech;
  h.kiosk_id = to_hex(store.kiosk_id());
  h.key_fingerprint = store.key_fingerprint();
  h.hub_url = config.hub_url;
  if (auto st = store.status(); st.ok()) {
    h.unsent = st->pending + st->in_batch;
    h.unacknowledged_batches = st->unacknowledged_batches;
    h.oldest_unsent_at = st->oldest_unacknowledged_at;
    h.last_sync_at = st->last_sync_at;
    h.last_success_at = st->last_sync_success_at;
    h.last_sync_result = st->last_sync_result;
    h.content_version = st->content_version;
    h.content_expires_at = st->content_expires_at;
    h.free_disk_bytes = st->free_disk_bytes;
  }
  auto integrity = store.check_integrity();
  h.integrity = integrity.ok() ? "ok" : integrity.message();
  return h;
}

// Opens the kiosk's store; while the kiosk has no key or is not enrolled, shows "not set up yet"
// and tries again every 15 s. kUnavailable: the kiosk was asked to quit meanwhile.
Result<std::unique_ptr<KioskStore>> wait_until_set_up(const KioskConfig& config, Window& window,
                                                      const Catalogues& strings, const Fonts& fonts,
                                                      const std::string& a11y_dump) {
  UiContext ui;
  ui.strings = &strings;
  ui.fonts = fonts;
  InputQueue input;
  std::uint64_t frame = 0;
  for (;;) {
    auto store = KioskStore::open(config);
    if (store.ok() || store.code() != ErrorCode::kNotFound) return store;
    if (frame == 0) std::fprintf(stderr, "civic-kiosk: not set up yet: %s\n", store.message().c_str());
    const std::uint64_t retry_at = monotonic_ms() + 15000;
    bool drawn = false;
    while (monotonic_ms() < retry_at) {
      const int wait_ms = drawn ? static_cast<int>(retry_at - std::min(retry_at, monotonic_ms())) : 0;
      if (!window.wait_and_translate(wait_ms, input))
        return make_error(ErrorCode::kUnavailable, "asked to quit");
      (void)input.apply(ImGui::GetIO());
      window.begin_frame();
      ImGui::NewFrame();
      draw_not_set_up(ui, config.default_language, store.message());
      ImGui::Render();
      (void)window.end_frame();
      ++frame;
      drawn = true;
      if (!a11y_dump.empty()) {
        std::ostringstream json;
        json << "{\"frame\":" << frame
            << ",\"screen\":\"not-set-up\",\"staff\":\"closed\","
               "\"locked\":false,\"language\":\""
            << config.default_language << "\",\"nodes\":" << ui.tree.to_json() << "}\n";
        write_dump(a11y_dump, json.str());
      }
    }
  }
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

  if (set_pin) return set_staff_pin(config);

  auto strings = Catalogues::load(std::filesystem::path(assets_dir) / "i18n");
  if (!strings.ok()) return fail(strings.message());

  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  auto fonts = load_fonts();
  if (!fonts.ok()) return fail(fonts.message());
  auto window = Window::open(
      WindowOptions{config.width, config.height, config.display_index, config.fullscreen && !windowed});
  if (!window.ok()) return fail(window.message());

  // A kiosk installed but not enrolled yet says so on screen, and waits for its enrolment.
  auto store = wait_until_set_up(config, **window, *strings, *fonts, a11y_dump);
  if (!store.ok()) {
    window->reset();
    ImGui::DestroyContext();
    return store.code() == ErrorCode::kUnavailable ? 0 : fail(store.message());
  }

  SessionSettings settings;
  settings.idle_timeout_ms = static_cast<std::uint64_t>(config.idle_timeout_seconds) * 1000;
  settings.idle_warning_ms = static_cast<std::uint64_t>(config.idle_warning_seconds) * 1000;
  settings.speech_idle_timeout_ms = static_cast<std::uint64_t>(config.speech_idle_timeout_seconds) * 1000;
  settings.default_language = config.default_language;
  Session session(settings, monotonic_ms, [] { return random_fixed<16>(); });
  // Consultations open and close by the calendar: the session is given only the open ones, and
  // the set is checked again on the attract screen (with new content from the agent, if any).
  Content installed;
  auto content = (*store)->content(unix_now());
  if (content.ok())
    installed = std::move(*content);
  else
    std::fprintf(stderr, "civic-kiosk: %s\n", content.message().c_str());
  auto open_ids = [](const Content& c) {
    std::vector<std::string> ids;
    for (const auto& k : c.consultations) ids.push_back(k.id);
    return ids;
  };
  session.set_content(open_at(installed, unix_now()));
  std::vector<std::string> shown_ids = open_ids(session.content());

  // Speech: without a sound card the kiosk still works, without its speech controls.
  auto audio = std::make_unique<SdlAudioSink>();
  std::unique_ptr<Speaker> speaker;
  std::string speech_health = "off in the configuration ([speech] enabled)";
  if (config.speech_enabled) {
    auto opened = Speaker::open(*audio);
    if (opened.ok()) {
      speaker = std::move(*opened);
      speech_health = "ok";
    } else {
      speech_health = "unavailable: " + opened.message();
      std::fprintf(stderr, "civic-kiosk: speech is unavailable: %s\n", opened.message().c_str());
    }
  }
  std::ofstream speech_log;
  if (!speech_log_path.empty()) speech_log.open(speech_log_path, std::ios::app);
  Announcer announcer;

  auto events = EventBook::open(config.state_dir);
  if (!events.ok()) return fail(events.message());
  Staff staff(
      std::make_unique<PinGuard>(config.staff_pin_path(), config.state_dir / "staff-lockout", unix_now),
      StaffLog(config.state_dir / "staff.log"), std::move(*events), Staff::Clocks{monotonic_ms, unix_now},
      static_cast<std::uint64_t>(config.staff_inactivity_seconds) * 1000);
  BackgroundCommand operation;
  std::string operation_stopped;  // why the running operation was stopped, if it was
  const std::string config_path = std::filesystem::absolute(config_file).string();
  bool transcribing = false;

  UiContext ui;
  ui.strings = &*strings;
  ui.fonts = *fonts;
  ui.staff_corner = config.staff_corner;
  ui.speech_available = speaker != nullptr;
  InputQueue input;
  std::uint64_t drawn_revision = ~0ULL, frame = 0, last_content_check = monotonic_ms();
  std::string last_screenshot_key;
  int settle_frames = 2;  // ImGui needs a frame or two after input to settle hover and release
  for (;;) {
    // Sleep until input or the session's next timer: an idle kiosk costs almost nothing.
    int timeout = -1;
    if (!input.empty() || settle_frames > 0 || redraw_every_frame) {
      timeout = 0;
    } else if (operation.running()) {
      timeout = 100;  // show the agent's progress as it comes
    } else if (auto t = staff.ms_until_next_timer(); t && staff.screen() != StaffScreen::kClosed) {
      timeout = static_cast<int>(std::min<std::uint64_t>(*t, 60000));
    } else if (auto t2 = session.ms_until_next_timer()) {
      timeout = static_cast<int>(std::min<std::uint64_t>(*t2, 60000));
    } else {
      timeout = 60000;  // on the attract screen: look for new content once a minute
    }
    // The tap guard's end is drawn (taps count again), so wake up for it.
    const std::uint64_t guard_ends = ui.screen_shown_ms + kTapGuardMs;
    if (ui.tap_guard) {
      const int until_guard = static_cast<int>(guard_ends - std::min(guard_ends, monotonic_ms()));
      timeout = timeout < 0 ? until_guard : std::min(timeout, until_guard);
    }
    if (!(*window)->wait_and_translate(timeout, input)) break;

    session.tick();
    staff.tick();
    // Staff mode's effects: the agent in the background, the health screen's counts, drives.
    if (operation.running()) {
      // Stopped by staff, or past the time limit: civic-sync's writes are atomic, so stopping
      // it loses nothing (an export without its manifest claims nothing).
      if (staff.take_cancel()) {
        operation_stopped = "stopped by staff";
        operation.stop();
      } else if (operation.running_ms() > static_cast<std::uint64_t>(config.staff_operation_timeout_seconds) * 1000) {
        operation_stopped = "stopped after " + std::to_string(config.staff_operation_timeout_seconds) +
                            " s without finishing: check the drive or the network, then try again";
        operation.stop();
      }
      if (auto line = operation.poll_line()) staff.operation_progress(*line);
      if (auto code = operation.poll_exit()) {
        staff.operation_finished(*code, operation_stopped.empty() ? operation.last_line() : operation_stopped);
        operation_stopped.clear();
      }
    }
    if (auto op = staff.take_operation()) {
      std::vector<std::string> command{sibling_program("civic-sync"), "--config", config_path};
      command.insert(command.end(), op->args.begin(), op->args.end());
      // Drives offered without the mount-point check ([staff] usb_mounts_only = false) are folders.
      if (!config.usb_mounts_only && op->args.front() == "export") command.push_back("--not-a-drive");
      if (auto started = operation.start(command); !started.ok())
        staff.operation_finished(127, started.message());
    }
    if (staff.wants_health()) staff.set_health(gather_health(**store, config, speech_health));
    if (staff.wants_drives()) staff.set_drives(find_drives(config));
    if (auto card = staff.take_paper_card()) {
      session.set_participation(Channel::kPaper, staff.event_id(), *card);
      session.apply(Action{Action::Kind::kStart, {}, {}});
      transcribing = true;
    }
    if (transcribing && session.screen() == Screen::kAttract) {
      transcribing = false;
      staff.paper_card_done();
    }
    if (!transcribing && session.screen() == Screen::kAttract)
      session.set_participation(staff.channel(), staff.event_id(), "");
    if (session.screen() == Screen::kAttract && monotonic_ms() - last_content_check > 60000) {
      last_content_check = monotonic_ms();
      const std::uint64_t before = (*store)->content_version();
      auto fresh = (*store)->content(unix_now());
      if (fresh.ok() && (*store)->content_version() != before) installed = std::move(*fresh);
      Content open = open_at(installed, unix_now());
      if (open_ids(open) != shown_ids) {
        shown_ids = open_ids(open);
        session.set_content(std::move(open));
      }
    }
    const std::uint64_t revision = session.revision() + staff.revision();
    const bool guard_ended = ui.tap_guard && monotonic_ms() >= guard_ends;
    if (input.empty() && settle_frames == 0 && revision == drawn_revision && !redraw_every_frame && !guard_ended)
      continue;

    const bool more_input = input.apply(ImGui::GetIO());
    (*window)->begin_frame();
    ImGui::NewFrame();
    ui.now_ms = monotonic_ms();
    ui.canvas = (*window)->canvas();
    auto actions = draw_frame(session, ui, &staff);
    ImGui::Render();
    // Screenshots for tests: one per screen and language, once input has settled.
    std::string shot;
    if (!screenshot_dir.empty()) {
      const bool staff_shown = staff.screen() != StaffScreen::kClosed && !staff.transcribing();
      const std::string key =
          std::string(staff_shown ? staff_screen_name(staff.screen()) : screen_name(session.screen())) + "-" +
          session.language() + (session.high_contrast() ? "-contrast" : "") +
          (session.large_text() ? "-large" : "") + (!staff_shown && ui.list_scroll > 0.5f ? "-scrolled" : "");
      if (key != last_screenshot_key && input.empty() && settle_frames <= 1) {
        last_screenshot_key = key;
        shot = screenshot_dir + "/" + key + ".ppm";
      }
    }
    if (auto s = (*window)->end_frame(shot); !s.ok())
      std::fprintf(stderr, "civic-kiosk: %s\n", s.message().c_str());
    ++frame;
    for (const auto& a : actions) session.apply(a);
    for (const auto& a : ui.staff_actions) staff.apply(a);

    // Effects run after the frame: a confirmed submission is sealed and stored here.
    if (auto submission = session.take_submission_to_store()) {
      const Channel channel = submission->channel;
      const bool new_participant = !session.took_part();  // a second consultation: the same person
      auto receipt = (*store)->store(*submission, unix_now());
      if (receipt.ok()) {
        staff.record_stored(channel, new_participant);
        session.store_succeeded(*receipt);
      } else {
        std::fprintf(stderr, "civic-kiosk: a submission could not be stored (%s): %s\n",
                     error_code_name(receipt.code()), receipt.message().c_str());
        session.store_failed();
      }
    }
    if (speaker) {
      bool stop = false;
      if (auto utterance = announcer.after_frame(session, ui, &stop)) {
        const std::uint64_t id = speaker->say(*utterance);
        if (speech_log.is_open()) log_utterance(speech_log, id, *utterance);
      } else if (stop) {
        speaker->stop();
      }
    }
    if (!a11y_dump.empty()) dump_tree(a11y_dump, session, staff, ui, frame);
    drawn_revision = session.revision() + staff.revision();
    settle_frames = (more_input || !actions.empty() || !ui.staff_actions.empty() || ui.changed)
                        ? 2
                        : std::max(0, settle_frames - 1);
  }
  speaker.reset();
  audio.reset();
  window->reset();  // the renderer shuts down inside the ImGui context, before it goes
  ImGui::DestroyContext();
  return 0;
} catch (...) {
  return report_unexpected("civic-kiosk");
}
