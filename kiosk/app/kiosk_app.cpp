#include "kiosk_app.h"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kiosk/app/command.h"
#include "kiosk/app/store.h"
#include "kiosk/platform/audio.h"
#include "kiosk/platform/window.h"
#include "kiosk/speech/audio_route.h"
#include "kiosk/ui/announcer.h"
#include "kiosk/ui/ui.h"
#include "sync/files/files.h"
#include "sync/health/kiosk_health.h"
#include "sync/transfer/usb.h"

namespace civic::kiosk {

namespace {

std::uint64_t monotonic_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}
std::uint64_t unix_now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

// Dear ImGui's context for as long as it lives (everything drawn needs it; it goes last).
class ImGuiContextScope {
 public:
  ImGuiContextScope() {
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // nothing of a kiosk's session is saved
  }
  ~ImGuiContextScope() { ImGui::DestroyContext(); }
  ImGuiContextScope(const ImGuiContextScope&) = delete;
  ImGuiContextScope& operator=(const ImGuiContextScope&) = delete;
};

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
  const A11yTree& tree = ui.frame.tree;
  std::ostringstream json;
  json << "{\"frame\":" << frame << ",\"screen\":\"" << screen_name(s.screen())
                     << "\",\"view\":\"" << ui.frame.drawn.view << "\",\"scale\":" << ui.canvas.scale
                     << ",\"canvas\":[" << ui.canvas.width << "," << ui.canvas.height
                     << "],\"tap_guard\":" << (ui.frame.tap_guard ? "true" : "false")
                     << ",\"list_scroll\":" << ui.kept.list_scroll << ",\"staff\":\"" << staff_screen_name(staff.screen())
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
            << config.default_language << "\",\"nodes\":" << ui.frame.tree.to_json() << "}\n";
        write_dump(a11y_dump, json.str());
      }
    }
  }
}

// The content's recorded speech, as the speaker plays it.
std::shared_ptr<const Recordings> recordings_of(const Content& c) {
  if (c.recordings.empty()) return nullptr;
  auto out = std::make_shared<Recordings>();
  for (const auto& [language, clips] : c.recordings) {
    for (const auto& r : clips) (*out)[language][r.text] = RecordedClip{r.sample_rate, r.samples, r.adpcm};
  }
  return out;
}

std::vector<std::string> open_ids(const Content& c) {
  std::vector<std::string> ids;
  for (const auto& k : c.consultations) ids.push_back(k.id);
  return ids;
}

// The kiosk once it is set up: one object for what lives as long as the frame loop.
class KioskApp {
 public:
  KioskApp(const KioskConfig& config, const KioskRunOptions& options, const Catalogues& strings, const Fonts& fonts,
           Window& window, KioskStore& store, Staff& staff, KioskHealthState health);
  // Until the window is closed.
  void run();

 private:
  int wait_timeout_ms() const;
  void run_staff_effects();
  void check_content();
  void draw();
  void store_submission();
  void speak();
  void follow_headphones();
  void open_speech();
  std::string screenshot_path();
  void save_health();

  const KioskConfig& config_;
  const KioskRunOptions& options_;
  const Catalogues& strings_;
  Window& window_;
  KioskStore& store_;
  Staff& staff_;
  Session session_;
  Content installed_;
  std::vector<std::string> shown_ids_;
  std::unique_ptr<SdlAudioSink> audio_;
  std::unique_ptr<Speaker> speaker_;
  std::string speech_health_ = "off in the configuration ([speech] enabled)";
  // What the kiosk knows of its own health (sync/health): written at start, when speech opens or
  // fails, at each staff lock-out, and marked ended at a clean exit.
  KioskHealthState health_;
  std::uint64_t lockouts_at_start_ = 0;
  SDL_AudioDeviceID headphones_ = 0;  // the headphones speech plays on, if any
  std::ofstream speech_log_;  // tests only: an append-only stream, flushed per line
  Announcer announcer_;
  BackgroundCommand operation_;
  std::string operation_stopped_;  // why the running operation was stopped, if it was
  bool transcribing_ = false;
  UiContext ui_;
  InputQueue input_;
  std::uint64_t drawn_revision_ = ~0ULL, frame_ = 0, last_content_check_ = monotonic_ms();
  std::string last_screenshot_key_;
  int settle_frames_ = 2;  // ImGui needs a frame or two after input to settle hover and release
  bool more_input_ = false;
  bool frame_changed_ = false;
};

SessionSettings session_settings(const KioskConfig& config, const Catalogues& strings) {
  SessionSettings settings;
  settings.idle_timeout_ms = static_cast<std::uint64_t>(config.idle_timeout_seconds) * 1000;
  settings.idle_warning_ms = static_cast<std::uint64_t>(config.idle_warning_seconds) * 1000;
  settings.speech_idle_timeout_ms = static_cast<std::uint64_t>(config.speech_idle_timeout_seconds) * 1000;
  settings.default_language = config.default_language;
  settings.languages = strings.offered();
  for (const auto& lang : settings.languages) settings.thousands_separators[lang] = strings.text(lang, "number.thousands");
  return settings;
}

KioskApp::KioskApp(const KioskConfig& config, const KioskRunOptions& options, const Catalogues& strings,
                   const Fonts& fonts, Window& window, KioskStore& store, Staff& staff, KioskHealthState health)
    : config_(config),
      options_(options),
      strings_(strings),
      window_(window),
      store_(store),
      staff_(staff),
      session_(session_settings(config, strings), monotonic_ms, [] { return random_fixed<16>(); }),
      health_(health),
      lockouts_at_start_(health.staff_lockouts) {
  // Consultations open and close by the calendar: the session is given only the open ones, and
  // the set is checked again on the attract screen (with new content from the agent, if any).
  auto content = store_.content(unix_now());
  if (content.ok())
    installed_ = std::move(*content);
  else
    std::fprintf(stderr, "civic-kiosk: %s\n", content.message().c_str());
  session_.set_content(open_at(installed_, unix_now()));
  shown_ids_ = open_ids(session_.content());

  // Speech opens just after the first frame (espeak-ng reads its voice list: a tenth of a second
  // the attract screen need not wait for); the first frame offers it as configured.
  audio_ = std::make_unique<SdlAudioSink>();
  if (!options.speech_log.empty()) speech_log_.open(options.speech_log, std::ios::app);

  ui_.strings = &strings;
  ui_.fonts = fonts;
  ui_.staff_corner = config.staff_corner;
  ui_.speech_available = config.speech_enabled;
}

// Speech: without a sound card the kiosk still works, without its speech controls.
void KioskApp::open_speech() {
  if (!config_.speech_enabled) return;
  Speaker::Voices voices;
  for (const auto& lang : strings_.offered()) voices[lang] = strings_.info(lang).voice;
  auto opened = Speaker::open(*audio_, voices);
  if (!opened.ok()) {
    speech_health_ = "unavailable: " + opened.message();
    std::fprintf(stderr, "civic-kiosk: speech is unavailable: %s\n", opened.message().c_str());
    ui_.speech_available = false;
    settle_frames_ = std::max(settle_frames_, 2);  // draw again, saying so
    health_.speech = SpeechHealth::kUnavailable;
    save_health();
    return;
  }
  speaker_ = std::move(*opened);
  speech_health_ = "ok";
  health_.speech = SpeechHealth::kAvailable;
  save_health();
  speaker_->set_recordings(recordings_of(installed_));
  // Headphones already plugged in when the kiosk starts.
  for (const auto& name : audio_->output_devices()) {
    if (!is_headphones(name, config_.headphone_names) || !audio_->use_device(name).ok()) continue;
    headphones_ = audio_->device();
    session_.set_headphones(true);
    break;
  }
}

// Sleep until input or the session's next timer: an idle kiosk costs almost nothing.
int KioskApp::wait_timeout_ms() const {
  int timeout = -1;
  if (!input_.empty() || settle_frames_ > 0 || options_.redraw_every_frame) {
    timeout = 0;
  } else if (operation_.running()) {
    timeout = 100;  // show the agent's progress as it comes
  } else if (auto t = staff_.ms_until_next_timer(); t && staff_.screen() != StaffScreen::kClosed) {
    timeout = static_cast<int>(std::min<std::uint64_t>(*t, 60000));
  } else if (auto t2 = session_.ms_until_next_timer()) {
    timeout = static_cast<int>(std::min<std::uint64_t>(*t2, 60000));
  } else {
    timeout = 60000;  // on the attract screen: look for new content once a minute
  }
  // The tap guard's end is drawn (taps count again), so wake up for it.
  if (ui_.frame.tap_guard) {
    const std::uint64_t guard_ends = ui_.kept.screen_shown_ms + kTapGuardMs;
    const int until_guard = static_cast<int>(guard_ends - std::min(guard_ends, monotonic_ms()));
    timeout = timeout < 0 ? until_guard : std::min(timeout, until_guard);
  }
  return timeout;
}

// Staff mode's effects: the agent in the background, the health screen's counts, drives, paper
// cards transcribed.
void KioskApp::run_staff_effects() {
  if (operation_.running()) {
    // Stopped by staff, or past the time limit: civic-sync's writes are atomic, so stopping
    // it loses nothing (an export without its manifest claims nothing).
    if (staff_.take_cancel()) {
      operation_stopped_ = "stopped by staff";
      operation_.stop();
    } else if (operation_.running_ms() > static_cast<std::uint64_t>(config_.staff_operation_timeout_seconds) * 1000) {
      operation_stopped_ = "stopped after " + std::to_string(config_.staff_operation_timeout_seconds) +
                           " s without finishing: check the drive or the network, then try again";
      operation_.stop();
    }
    if (auto line = operation_.poll_line()) staff_.operation_progress(*line);
    if (auto code = operation_.poll_exit()) {
      staff_.operation_finished(*code, operation_stopped_.empty() ? operation_.last_line() : operation_stopped_);
      operation_stopped_.clear();
    }
  }
  if (auto op = staff_.take_operation()) {
    std::vector<std::string> command{sibling_program("civic-sync"), "--config", options_.config_path};
    command.insert(command.end(), op->args.begin(), op->args.end());
    // Drives offered without the mount-point check ([staff] usb_mounts_only = false) are folders.
    if (!config_.usb_mounts_only && op->args.front() == "export") command.push_back("--not-a-drive");
    if (auto started = operation_.start(command); !started.ok()) staff_.operation_finished(127, started.message());
  }
  if (staff_.wants_health()) staff_.set_health(store_.health(config_, speech_health_));
  if (staff_.wants_drives()) staff_.set_drives(find_usb_drives(config_.usb_root, config_.usb_mounts_only));
  if (auto card = staff_.take_paper_card()) {
    session_.set_participation(Channel::kPaper, staff_.event_id(), *card);
    session_.apply(Action{.kind = Action::Kind::kStart});
    transcribing_ = true;
  }
  if (transcribing_ && session_.screen() == Screen::kAttract) {
    transcribing_ = false;
    staff_.paper_card_done();
  }
  if (!transcribing_ && session_.screen() == Screen::kAttract)
    session_.set_participation(staff_.channel(), staff_.event_id(), "");
}

// On the attract screen, once a minute: content the agent installed, consultations that opened
// or closed.
void KioskApp::check_content() {
  if (session_.screen() != Screen::kAttract || monotonic_ms() - last_content_check_ <= 60000) return;
  last_content_check_ = monotonic_ms();
  const std::uint64_t before = store_.content_version();
  auto fresh = store_.content(unix_now());
  if (fresh.ok() && store_.content_version() != before) {
    installed_ = std::move(*fresh);
    if (speaker_) speaker_->set_recordings(recordings_of(installed_));
  }
  Content open = open_at(installed_, unix_now());
  if (open_ids(open) != shown_ids_) {
    shown_ids_ = open_ids(open);
    session_.set_content(std::move(open));
  }
}

// Screenshots for tests: one per screen and language, once input has settled.
std::string KioskApp::screenshot_path() {
  if (options_.screenshot_dir.empty()) return {};
  const bool staff_shown = staff_.screen() != StaffScreen::kClosed && !staff_.transcribing();
  const std::string key =
      std::string(staff_shown ? staff_screen_name(staff_.screen()) : screen_name(session_.screen())) + "-" +
      session_.language() + (session_.high_contrast() ? "-contrast" : "") + (session_.large_text() ? "-large" : "") +
      (!staff_shown && ui_.kept.list_scroll > 0.5f ? "-scrolled" : "");
  if (key == last_screenshot_key_ || !input_.empty() || settle_frames_ > 1) return {};
  last_screenshot_key_ = key;
  return options_.screenshot_dir + "/" + key + ".ppm";
}

void KioskApp::draw() {
  // Larger text's fonts are built the first time a resident asks for larger text.
  if (session_.large_text() && !ui_.fonts.large.body) {
    const std::uint64_t started = monotonic_ms();
    if (auto s = add_large_text_fonts(ui_.fonts); s.ok()) {
      window_.upload_fonts();
      std::fprintf(stderr, "civic-kiosk: larger text's fonts ready in %llu ms\n",
                   static_cast<unsigned long long>(monotonic_ms() - started));
    } else {
      std::fprintf(stderr, "civic-kiosk: larger text is not available: %s\n", s.message().c_str());
    }
  }
  more_input_ = input_.apply(ImGui::GetIO());
  window_.begin_frame();
  ImGui::NewFrame();
  ui_.now_ms = monotonic_ms();
  ui_.canvas = window_.canvas();
  auto actions = draw_frame(session_, ui_, &staff_);
  ImGui::Render();
  if (auto s = window_.end_frame(screenshot_path()); !s.ok())
    std::fprintf(stderr, "civic-kiosk: %s\n", s.message().c_str());
  ++frame_;
  for (const auto& a : actions) session_.apply(a);
  for (const auto& a : ui_.frame.staff_actions) staff_.apply(a);
  frame_changed_ = !actions.empty() || !ui_.frame.staff_actions.empty() || ui_.frame.changed;
}

// After the frame: a confirmed submission is sealed and stored here, and only then thanked for.
void KioskApp::store_submission() {
  auto submission = session_.take_submission_to_store();
  if (!submission) return;
  const Channel channel = submission->channel;
  const bool new_participant = !session_.took_part();  // a second consultation: the same person
  auto receipt = store_.store(*submission, unix_now());
  if (receipt.ok()) {
    staff_.record_stored(channel, new_participant);
    session_.store_succeeded(*receipt);
  } else {
    std::fprintf(stderr, "civic-kiosk: a submission could not be stored (%s): %s\n",
                 error_code_name(receipt.code()), receipt.message().c_str());
    session_.store_failed();
  }
}

void KioskApp::speak() {
  if (!speaker_) return;
  bool stop = false;
  if (auto utterance = announcer_.after_frame(session_, ui_, &stop)) {
    const std::uint64_t id = speaker_->say(*utterance);
    if (speech_log_.is_open()) log_utterance(speech_log_, id, *utterance);
  } else if (stop) {
    speaker_->stop();
  }
}

// Headphones plugged in: speech moves to them. Unplugged: speech stops at once (the session says
// so on screen) and the loudspeaker is the output again, silent until speech is turned on.
void KioskApp::follow_headphones() {
  for (const auto& change : window_.take_audio_changes()) {
    if (!speaker_) continue;
    if (change.added && headphones_ == 0) {
      const std::string name = audio_->device_name(static_cast<int>(change.which));
      if (!is_headphones(name, config_.headphone_names)) continue;
      speaker_->stop();
      if (auto s = audio_->use_device(name); !s.ok()) {
        std::fprintf(stderr, "civic-kiosk: %s\n", s.message().c_str());
        continue;
      }
      headphones_ = audio_->device();
      session_.set_headphones(true);
      std::fprintf(stderr, "civic-kiosk: speech on the headphones '%s'\n", name.c_str());
    } else if (!change.added && headphones_ != 0 && change.which == headphones_) {
      speaker_->stop();
      headphones_ = 0;
      session_.set_headphones(false);
      if (auto s = audio_->use_device(""); !s.ok()) std::fprintf(stderr, "civic-kiosk: %s\n", s.message().c_str());
      std::fprintf(stderr, "civic-kiosk: headphones unplugged: speech stopped, the loudspeaker is the output\n");
    }
  }
}

void KioskApp::run() {
  for (;;) {
    if (!window_.wait_and_translate(wait_timeout_ms(), input_)) break;
    follow_headphones();
    session_.tick();
    staff_.tick();
    run_staff_effects();
    check_content();
    if (staff_.lockouts() + lockouts_at_start_ != health_.staff_lockouts) {
      health_.staff_lockouts = staff_.lockouts() + lockouts_at_start_;
      save_health();
    }
    const std::uint64_t revision = session_.revision() + staff_.revision();
    const bool guard_ended = ui_.frame.tap_guard && monotonic_ms() >= ui_.kept.screen_shown_ms + kTapGuardMs;
    if (input_.empty() && settle_frames_ == 0 && revision == drawn_revision_ && !options_.redraw_every_frame &&
        !guard_ended)
      continue;
    draw();
    store_submission();
    speak();
    if (!options_.a11y_dump.empty()) dump_tree(options_.a11y_dump, session_, staff_, ui_, frame_);
    drawn_revision_ = session_.revision() + staff_.revision();
    settle_frames_ = (more_input_ || frame_changed_) ? 2 : std::max(0, settle_frames_ - 1);
    if (frame_ == 1) open_speech();
  }
  speaker_.reset();  // speech stops before the audio device it plays on goes
  audio_.reset();
  health_.running = false;  // a clean exit: not counted as a crash at the next start
  save_health();
}

void KioskApp::save_health() {
  if (auto s = write_kiosk_health(config_.state_dir, health_); !s.ok())
    std::fprintf(stderr, "civic-kiosk: the health file was not written (%s); the next report may be short\n",
                 s.message().c_str());
}

}  // namespace

Status run_kiosk(const KioskConfig& config, const Catalogues& strings, const KioskRunOptions& options) {
  ImGuiContextScope imgui;
  CIVIC_ASSIGN(fonts, load_fonts(kFontDir, /*with_large_text=*/false));
  CIVIC_ASSIGN(window,
               Window::open(WindowOptions{config.width, config.height, config.display_index, options.fullscreen}));
  // A kiosk installed but not enrolled yet says so on screen, and waits for its enrolment.
  auto store = wait_until_set_up(config, *window, strings, fonts, options.a11y_dump);
  if (!store.ok()) return store.code() == ErrorCode::kUnavailable ? Status() : Status(store.error());
  CIVIC_ASSIGN(events, EventBook::open(config.state_dir));
  Staff staff(std::make_unique<PinGuard>(config.staff_pin_path(), config.state_dir / "staff-lockout", unix_now),
              StaffLog(config.state_dir / "staff.log"), std::move(events), Staff::Clocks{monotonic_ms, unix_now},
              static_cast<std::uint64_t>(config.staff_inactivity_seconds) * 1000);
  // Health: one more boot (and a crash, if the last run never ended cleanly), and the display.
  auto started = note_kiosk_start(config.state_dir, unix_now());
  if (!started.ok()) std::fprintf(stderr, "civic-kiosk: %s\n", started.message().c_str());
  KioskHealthState health = started.ok() ? *started : KioskHealthState{};
  health.display_width = static_cast<std::uint16_t>(window->pixel_width());
  health.display_height = static_cast<std::uint16_t>(window->pixel_height());
  health.speech = SpeechHealth::kOff;  // until speech opens (or says why not) after the first frame
  (void)write_kiosk_health(config.state_dir, health);
  KioskApp(config, options, strings, fonts, *window, **store, staff, health).run();
  return {};  // the window (and its renderer) goes before the ImGui context it lives in
}

}  // namespace civic::kiosk
