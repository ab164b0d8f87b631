// A kiosk without a window: Dear ImGui with fonts but no renderer, driven by taps injected
// through our input queue at the centre of the rectangle a widget reported for itself.
#pragma once

#include <imgui.h>

#include <functional>
#include <random>

#include "demo_content.h"
#include "kiosk/ui/input.h"
#include "kiosk/ui/ui.h"

namespace civic::test {

class HeadlessKiosk {
 public:
  // Offers English and French unless `settings` names languages (as a kiosk's [languages] does).
  explicit HeadlessKiosk(Content content = demo_content(), kiosk::SessionSettings settings = {},
                         const std::string& assets = std::string(CIVIC_SOURCE_DIR) + "/assets")
      : session_(with_languages(std::move(settings), assets), [this] { return now_ms; },
                 [] { return random_fixed<16>(); }) {
    context_ = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(kiosk::kDesignWidth, kiosk::kDesignHeight);
    auto fonts = kiosk::load_fonts();
    if (!fonts.ok()) throw std::runtime_error(fonts.message());
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    auto strings = kiosk::Catalogues::load(assets + "/i18n");
    if (!strings.ok()) throw std::runtime_error(strings.message());
    strings_ = std::move(*strings);
    if (auto s = strings_.offer(session_.settings().languages); !s.ok()) throw std::runtime_error(s.message());
    ui.strings = &strings_;
    ui.fonts = *fonts;
    session_.set_content(std::move(content));
  }
  ~HeadlessKiosk() { ImGui::DestroyContext(context_); }

  // One frame: input, draw, apply the actions to the session.
  std::vector<kiosk::Action> frame() {
    ImGuiIO& io = ImGui::GetIO();
    io.DeltaTime = 1.0f / 60.0f;
    input.apply(io);
    ui.now_ms = now_ms;
    ImGui::NewFrame();
    auto actions = kiosk::draw_frame(session_, ui, staff);
    all_staff_actions.insert(all_staff_actions.end(), ui.frame.staff_actions.begin(), ui.frame.staff_actions.end());
    ImGui::Render();
    for (const auto& a : actions) session_.apply(a);
    session_.tick();
    all_actions.insert(all_actions.end(), actions.begin(), actions.end());
    if (after_frame) after_frame();
    return actions;
  }

  void settle(int extra = 2) {
    for (int guard = 0; guard < 100 && !input.empty(); ++guard) frame();
    for (int i = 0; i < extra; ++i) frame();
  }

  // Taps the widget with this accessibility id; false if it is not on screen.
  bool tap(const std::string& id, int extra = 2) {
    settle(extra);
    // A person does not tap within a fraction of a second of a new screen (taps then are ignored).
    if (ui.frame.tap_guard) {
      now_ms += kiosk::kTapGuardMs;
      settle(extra);
    }
    const kiosk::A11yNode* node = ui.frame.tree.find(id);
    if (!node) return false;
    input.tap(node->rect.cx(), node->rect.cy());
    settle(extra);
    return true;
  }

  // Presses and releases a key (an SDL scancode), then lets the frames run.
  void key(int scancode, int extra = 2) {
    input.push({kiosk::InputEvent::Type::kKeyDown, 0, 0, scancode, {}});
    input.push({kiosk::InputEvent::Type::kKeyUp, 0, 0, scancode, {}});
    settle(extra);
  }

  // Types text on the on-screen keyboard, key by key (space and capitals included).
  void type(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t len = 1;
      while (i + len < text.size() && (static_cast<unsigned char>(text[i + len]) & 0xC0) == 0x80) ++len;
      std::string ch = text.substr(i, len);
      i += len;
      if (ch == " ") {
        tap("key.space");
        continue;
      }
      const auto place = strings_.keyboard(session_.language()).find(ch);
      if (!place) throw std::runtime_error("no key for '" + ch + "'");
      if (place->shift) tap("key.shift");
      if (!tap("key." + place->key)) throw std::runtime_error("the key for '" + ch + "' is not on screen");
    }
  }

  kiosk::Session& session() { return session_; }
  const kiosk::A11yTree& tree() const { return ui.frame.tree; }
  const kiosk::Catalogues& strings() const { return strings_; }
  // A word of five letters from the keyboard of the language on screen (any script).
  std::string word() const {
    const auto& rows = strings_.keyboard(session_.language()).rows;
    const auto& letters = rows.size() > 1 ? rows[1] : rows[0];
    std::string out;
    for (std::size_t i = 0; i < 5 && i < letters.size(); ++i) out += letters[i];
    return out;
  }

  std::uint64_t now_ms = 1000;
  kiosk::UiContext ui;
  kiosk::InputQueue input;
  std::vector<kiosk::Action> all_actions;
  const kiosk::Staff* staff = nullptr;  // staff mode, when a test gives one
  std::vector<kiosk::StaffAction> all_staff_actions;
  std::function<void()> after_frame;  // runs after every frame (a test's announcer, for instance)

 private:
  static kiosk::SessionSettings with_languages(kiosk::SessionSettings settings, const std::string& assets) {
    if (settings.languages.empty()) settings.languages = {"en", "fr"};
    if (settings.default_language.empty()) settings.default_language = settings.languages.front();
    auto strings = kiosk::Catalogues::load(assets + "/i18n");
    if (!strings.ok()) throw std::runtime_error(strings.message());
    for (const auto& lang : settings.languages)
      settings.thousands_separators.emplace(lang, strings->text(lang, "number.thousands"));
    return settings;
  }
  ImGuiContext* context_ = nullptr;
  kiosk::Catalogues strings_;
  kiosk::Session session_;
};

}  // namespace civic::test
