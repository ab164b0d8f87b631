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
#include <nlohmann/json.hpp>

#include "kiosk/app/store.h"
#include "kiosk/platform/audio.h"
#include "kiosk/platform/window.h"
#include "kiosk/ui/announcer.h"
#include "kiosk/ui/ui.h"

using namespace civic;
using namespace civic::kiosk;

namespace {

std::uint64_t monotonic_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}
std::uint64_t unix_now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

int fail(const std::string& message, int code = 1) {
  std::fprintf(stderr, "civic-kiosk: %s\n", message.c_str());
  return code;
}

// For tests and tools: the screen, language and accessibility tree after every frame.
void dump_tree(const std::string& path, const Session& s, const A11yTree& tree, std::uint64_t frame) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << "{\"frame\":" << frame << ",\"screen\":\"" << screen_name(s.screen()) << "\",\"language\":\""
                     << s.language() << "\",\"nodes\":" << tree.to_json() << "}\n";
  std::filesystem::rename(tmp, path);
}

// For tests: one JSON line per utterance, with what the resident typed left out.
void log_utterance(std::ofstream& log, std::uint64_t id, const Utterance& u) {
  std::string line = "{\"utterance\":" + std::to_string(id) + ",\"rate\":" + std::to_string(u.rate_step) +
                     ",\"volume\":" + std::to_string(u.volume_step) + ",\"parts\":[";
  for (std::size_t i = 0; i < u.parts.size(); ++i) {
    const auto& p = u.parts[i];
    line += (i ? "," : "") + std::string("{\"language\":\"") + p.language + "\",\"text\":" +
            (p.resident_text ? std::string("null") : nlohmann::json(p.text).dump()) + "}";
  }
  log << line << "]}\n" << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"civic-kiosk: the public consultation terminal"};
  std::string config_file = "/etc/civic-kiosk/kiosk.toml";
  std::string state_dir, assets_dir = CIVIC_DEFAULT_ASSETS_DIR, a11y_dump, screenshot_dir, speech_log_path;
  bool windowed = false, redraw_every_frame = false;
  app.add_option("--config", config_file, "configuration file (TOML; see config/kiosk.toml)");
  app.add_option("--state", state_dir, "state directory (overrides the configuration)");
  app.add_option("--assets", assets_dir, "translations and other assets")->capture_default_str();
  app.add_flag("--windowed", windowed, "a window instead of full screen (for trying it out)");
  app.add_option("--a11y-dump", a11y_dump, "write the accessibility tree as JSON here after every frame (tests)");
  app.add_option("--screenshot-dir", screenshot_dir, "save a PPM screenshot here whenever the screen changes (tests)");
  app.add_option("--speech-log", speech_log_path,
                 "append what the kiosk says here, one JSON line per utterance, typed text left out (tests)");
  app.add_flag("--redraw-every-frame", redraw_every_frame,
               "never sleep: draw continuously like a stock Dear ImGui example (benchmark peer only)");
  CLI11_PARSE(app, argc, argv);

  if (auto s = crypto_init(); !s.ok()) return fail(s.message());
  KioskConfig config;
  std::error_code ec;
  if (std::filesystem::exists(config_file, ec) || app.get_option("--config")->count() > 0) {
    auto loaded = load_kiosk_config(config_file);
    if (!loaded.ok()) return fail(loaded.message(), 78);
    config = *loaded;
  }
  if (!state_dir.empty()) config.state_dir = state_dir;

  auto store = KioskStore::open(config);
  if (!store.ok()) return fail(store.message());
  auto strings = Catalogues::load(std::filesystem::path(assets_dir) / "i18n");
  if (!strings.ok()) return fail(strings.message());

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
  if (content.ok()) installed = std::move(*content);
  else std::fprintf(stderr, "civic-kiosk: %s\n", content.message().c_str());
  auto open_ids = [](const Content& c) {
    std::vector<std::string> ids;
    for (const auto& k : c.consultations) ids.push_back(k.id);
    return ids;
  };
  session.set_content(open_at(installed, unix_now()));
  std::vector<std::string> shown_ids = open_ids(session.content());

  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  auto fonts = load_fonts();
  if (!fonts.ok()) return fail(fonts.message());
  auto window = Window::open(WindowOptions{config.width, config.height, config.display_index,
                                           config.fullscreen && !windowed});
  if (!window.ok()) return fail(window.message());

  // Speech: without a sound card the kiosk still works, without its speech controls.
  auto audio = std::make_unique<SdlAudioSink>();
  std::unique_ptr<Speaker> speaker;
  if (config.speech_enabled) {
    auto opened = Speaker::open(*audio);
    if (opened.ok()) speaker = std::move(*opened);
    else std::fprintf(stderr, "civic-kiosk: speech is unavailable: %s\n", opened.message().c_str());
  }
  std::ofstream speech_log;
  if (!speech_log_path.empty()) speech_log.open(speech_log_path, std::ios::app);
  Announcer announcer;

  UiContext ui;
  ui.strings = &*strings;
  ui.fonts = *fonts;
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
    } else if (auto t = session.ms_until_next_timer()) {
      timeout = static_cast<int>(std::min<std::uint64_t>(*t, 60000));
    } else {
      timeout = 60000;  // on the attract screen: look for new content once a minute
    }
    if (!(*window)->wait_and_translate(timeout, input)) break;

    session.tick();
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
    if (input.empty() && settle_frames == 0 && session.revision() == drawn_revision && !redraw_every_frame) continue;

    const bool more_input = input.apply(ImGui::GetIO());
    (*window)->begin_frame();
    ImGui::NewFrame();
    auto actions = draw_frame(session, ui);
    ImGui::Render();
    // Screenshots for tests: one per screen and language, once input has settled.
    std::string shot;
    if (!screenshot_dir.empty()) {
      const std::string key = std::string(screen_name(session.screen())) + "-" + session.language() +
                              (session.high_contrast() ? "-contrast" : "") + (session.large_text() ? "-large" : "");
      if (key != last_screenshot_key && input.empty() && settle_frames <= 1) {
        last_screenshot_key = key;
        shot = screenshot_dir + "/" + key + ".ppm";
      }
    }
    if (auto s = (*window)->end_frame(shot); !s.ok()) std::fprintf(stderr, "civic-kiosk: %s\n", s.message().c_str());
    ++frame;
    for (const auto& a : actions) session.apply(a);

    // Effects run after the frame: a confirmed submission is sealed and stored here.
    if (auto submission = session.take_submission_to_store()) {
      auto receipt = (*store)->store(*submission, unix_now());
      if (receipt.ok()) {
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
    if (!a11y_dump.empty()) dump_tree(a11y_dump, session, ui.tree, frame);
    drawn_revision = session.revision();
    settle_frames = (more_input || !actions.empty() || ui.changed) ? 2 : std::max(0, settle_frames - 1);
  }
  speaker.reset();
  audio.reset();
  window->reset();  // the renderer shuts down inside the ImGui context, before it goes
  ImGui::DestroyContext();
  return 0;
}
