// The kiosk's screens. Each reads the session and pushes actions; nothing here changes state.
#include <imgui.h>
#include <imgui_internal.h>  // SetNextWindowScroll: the scroll applies in the same frame

#include <algorithm>

#include "widgets.h"

namespace civic::kiosk {

using widgets::Kind;

namespace {

// [SECTION] Layout constants (design pixels)

constexpr float kMargin = 48;
constexpr float kTopBar = 96;
constexpr float kNavBar = 112;
constexpr float kNavTop = kDesignHeight - kNavBar + 16;
constexpr float kNavButtonHeight = 80;
constexpr float kContentWidth = kDesignWidth - 2 * kMargin;

struct Frame {
  const Session& s;
  UiContext& ui;
  const std::string& tr(const std::string& key) const { return ui.strings->text(s.language(), key); }
  std::string fmt(const std::string& key, const std::map<std::string, std::string>& args) const {
    return ui.strings->format(s.language(), key, args);
  }
  void act(Action::Kind k, std::string value = {}, std::string value2 = {}) {
    ui.actions.push_back(Action{k, std::move(value), std::move(value2)});
  }
  const FontSet& f() const { return ui.font_set(); }
};

// [SECTION] Chrome: title bar, language switch, step indicator, navigation, messages

// Speech, help, high contrast and larger text, from `right` leftwards; returns the x where they
// end. With speech off, "speech" turns it on; with speech on, it opens repeat, speed and volume.
float display_buttons(Frame& fr, float right, bool with_speech = true) {
  struct Item {
    const char* id;
    const char* key;
    float width;
    bool on;
    Action::Kind kind;
  };
  const Item items[] = {
      {"display.large_text", "display.large_text", 200, fr.s.large_text(), Action::Kind::kToggleLargeText},
      {"display.contrast", "display.contrast", 190, fr.s.high_contrast(), Action::Kind::kToggleHighContrast},
  };
  float x = right;
  for (const auto& item : items) {
    x -= item.width + 12;
    if (widgets::button(fr.ui, item.id, fr.tr(item.key), ImVec2(x, 12), ImVec2(item.width, 72), Kind::kNormal,
                        Role::kToggle, item.on)) {
      fr.act(item.kind);
    }
  }
  x -= 120 + 12;
  if (widgets::button(fr.ui, "help", fr.tr("help.button"), ImVec2(x, 12), ImVec2(120, 72), Kind::kNormal,
                      Role::kToggle, fr.ui.help_open)) {
    fr.ui.help_open = !fr.ui.help_open;
    fr.ui.speech_panel_open = false;
    fr.ui.changed = true;
  }
  if (!with_speech || !fr.ui.speech_available) return x;
  x -= 160 + 12;
  if (widgets::button(fr.ui, "speech", fr.tr("speech.button"), ImVec2(x, 12), ImVec2(160, 72), Kind::kNormal,
                      Role::kToggle, fr.s.speech())) {
    if (fr.s.speech()) {
      fr.ui.speech_panel_open = !fr.ui.speech_panel_open;
      fr.ui.help_open = false;
      fr.ui.changed = true;
    } else {
      fr.act(Action::Kind::kToggleSpeech);
    }
  }
  return x;
}

void title_bar(Frame& fr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(0, 0), ImVec2(kDesignWidth, kTopBar), widgets::color(fr.ui.theme.primary));
  // The bar keeps its normal size with large text, so that its buttons fit.
  widgets::text(fr.ui, "app.title", fr.tr("app.title"), ImVec2(kMargin, 24), 280, fr.ui.fonts.normal.heading,
                Role::kHeading, &fr.ui.theme.primary_text);
  // The other language is always one tap away, labelled (and spoken) in its own language.
  float x = kDesignWidth - kMargin;
  for (const std::string lang : {"fr", "en"}) {
    if (lang == fr.s.language()) continue;
    const std::string label = fr.ui.strings->text(lang, "language.name");
    x -= 170;
    if (widgets::button(fr.ui, "lang." + lang, label, ImVec2(x, 12), ImVec2(170, 72))) {
      fr.act(Action::Kind::kChooseLanguage, lang);
    }
    fr.ui.tree.set_last_language(lang);
  }
  display_buttons(fr, x);
}

void step_indicator(Frame& fr, const std::string& step_key) {
  auto [n, total] = fr.s.step();
  if (total == 0) return;
  widgets::text(fr.ui, "step",
                fr.fmt("step.of", {{"n", std::to_string(n)}, {"total", std::to_string(total)}}) + " — " +
                    fr.tr(step_key),
                ImVec2(kMargin, kTopBar + 16), kContentWidth, fr.f().small, Role::kStatus,
                &fr.ui.theme.muted_text);
  const float w = kContentWidth / static_cast<float>(total);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int i = 0; i < total; ++i) {
    const Rgb& c = i < n ? fr.ui.theme.primary : fr.ui.theme.button_border;
    dl->AddRectFilled(ImVec2(kMargin + w * static_cast<float>(i) + 4, kTopBar + 50),
                      ImVec2(kMargin + w * static_cast<float>(i + 1) - 4, kTopBar + 58), widgets::color(c),
                      4.0f);
  }
}

void message_line(Frame& fr) {
  if (!fr.s.message()) return;
  const auto& m = *fr.s.message();
  const std::string text = fr.fmt(m.key, m.args);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float y = kNavTop - 70;
  dl->AddRectFilled(ImVec2(kMargin, y), ImVec2(kDesignWidth - kMargin, y + 56),
                    widgets::color(fr.ui.theme.warning), 8.0f);
  widgets::text(fr.ui, "message", text, ImVec2(kMargin + 16, y + 12), kContentWidth - 32, fr.f().body,
                Role::kStatus, &fr.ui.theme.warning_text);
}

struct NavButtons {
  bool back = true;
  std::string skip_key;  // empty: no skip button
  std::string next_key;  // empty: no next button
  Action::Kind next = Action::Kind::kNext;
  std::string next_id = "nav.next";
};

void nav_bar(Frame& fr, const NavButtons& nav) {
  if (nav.back && widgets::button(fr.ui, "nav.back", fr.tr("nav.back"), ImVec2(kMargin, kNavTop),
                                  ImVec2(220, kNavButtonHeight))) {
    fr.act(Action::Kind::kBack);
  }
  float x = kDesignWidth - kMargin;
  if (!nav.next_key.empty()) {
    x -= 340;
    if (widgets::button(fr.ui, nav.next_id, fr.tr(nav.next_key), ImVec2(x, kNavTop),
                        ImVec2(340, kNavButtonHeight), Kind::kPrimary)) {
      fr.act(nav.next);
    }
    ImGui::SetItemDefaultFocus();
  }
  if (!nav.skip_key.empty()) {
    x -= 300 + 24;
    if (widgets::button(fr.ui, "nav.skip", fr.tr(nav.skip_key), ImVec2(x, kNavTop),
                        ImVec2(300, kNavButtonHeight))) {
      fr.act(Action::Kind::kSkip);
    }
  }
}

// [SECTION] Scrolling list: drag to scroll, explicit buttons, only visible rows built

template <class RowFn>
void scroll_list(Frame& fr, const char* id, ImVec2 pos, ImVec2 size, int rows, float row_height,
                 RowFn&& row) {
  UiContext& ui = fr.ui;
  const float buttons_w = 120;
  const float content = static_cast<float>(rows) * row_height;
  // ImGui owns the scroll position (its keypad navigation scrolls to the focused row); we set it
  // only when our buttons, a drag or a new screen change it, and read it back every frame.
  if (ui.scroll_requested) {
    ui.list_scroll = std::clamp(ui.list_scroll, 0.0f, std::max(0.0f, content - size.y));
    ImGui::SetNextWindowScroll(ImVec2(-1.0f, ui.list_scroll));
    ui.scroll_requested = false;
  }
  ImGui::SetCursorPos(pos);
  // NavFlattened: the arrow keys move between the rows and the rest of the screen as one.
  ImGui::BeginChild(id, ImVec2(size.x - buttons_w - 16, size.y), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                        ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NavFlattened);
  ui.list_scroll = ImGui::GetScrollY();
  ImGuiIO& io = ImGui::GetIO();
  // A press that starts on the list drags it, even when the finger then leaves the list; once a
  // press has moved, it is a drag, not a tap.
  if (ImGui::IsMouseClicked(0) && ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem)) {
    ui.list_pressed = true;
  }
  if (!ImGui::IsMouseDown(0)) ui.list_pressed = false;
  if (ui.list_pressed && ImGui::IsMouseDragging(0, 12.0f)) {
    ui.drag_moved = true;
    ui.list_scroll -= io.MouseDelta.y;
    ui.scroll_requested = true;
    ui.changed = true;
  }
  ImGuiListClipper clipper;
  clipper.Begin(rows, row_height);
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      row(i, ImVec2(0, static_cast<float>(i) * row_height));
    }
  }
  clipper.End();
  ImGui::SetCursorPos(ImVec2(0, content));                       // the child's content extent
  if (ImGui::GetScrollY() != ui.list_scroll) ui.changed = true;  // ImGui scrolled to follow the focus
  ImGui::EndChild();
  const float bx = pos.x + size.x - buttons_w;
  const bool can_up = ui.list_scroll > 0.5f;
  const bool can_down = ui.list_scroll < content - size.y - 0.5f;
  if (can_up && widgets::button(ui, "list.up", fr.tr("list.up"), ImVec2(bx, pos.y), ImVec2(buttons_w, 100))) {
    ui.list_scroll = std::max(0.0f, ui.list_scroll - size.y * 0.8f);
    ui.scroll_requested = true;
    ui.changed = true;
  }
  if (can_down && widgets::button(ui, "list.down", fr.tr("list.down"), ImVec2(bx, pos.y + size.y - 100),
                                  ImVec2(buttons_w, 100))) {
    ui.list_scroll = std::min(content - size.y, ui.list_scroll + size.y * 0.8f);
    ui.scroll_requested = true;
    ui.changed = true;
  }
}

// [SECTION] Screens

void attract(Frame& fr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(0, 0), ImVec2(kDesignWidth, kDesignHeight), widgets::color(fr.ui.theme.primary));
  const float left_of_buttons = display_buttons(fr, kDesignWidth - kMargin + 12, false);
  // Speech is one obvious control away, before anything else (and the keypad's F2 key).
  if (fr.ui.speech_available) {
    const std::string speech_key = fr.s.speech() ? "speech.is_on" : "speech.turn_on";
    const std::string speech_label =
        fr.ui.strings->text("en", speech_key) + "  /  " + fr.ui.strings->text("fr", speech_key);
    if (widgets::button(fr.ui, "attract.speech", speech_label, ImVec2(kMargin, 12),
                        ImVec2(left_of_buttons - kMargin - 24, 72), Kind::kNormal, Role::kToggle,
                        fr.s.speech())) {
      fr.act(Action::Kind::kToggleSpeech);
    }
  }
  // Both languages at once: nobody has chosen yet.
  float y = 120;
  for (const std::string lang : {"en", "fr"}) {
    y += widgets::text(fr.ui, "attract.title." + lang, fr.ui.strings->text(lang, "attract.title"),
                       ImVec2(kMargin, y), kContentWidth, fr.f().heading, Role::kHeading,
                       &fr.ui.theme.primary_text);
    fr.ui.tree.set_last_language(lang);
    y += 12;
    y +=
        widgets::text(fr.ui, "attract.subtitle." + lang, fr.ui.strings->text(lang, "attract.subtitle"),
                      ImVec2(kMargin, y), kContentWidth, fr.f().body, Role::kText, &fr.ui.theme.primary_text);
    fr.ui.tree.set_last_language(lang);
    y += 40;
  }
  const std::string label =
      fr.ui.strings->text("en", "attract.start") + "  /  " + fr.ui.strings->text("fr", "attract.start");
  if (widgets::button(fr.ui, "attract.start", label, ImVec2(kMargin, 560), ImVec2(kContentWidth, 160))) {
    fr.act(Action::Kind::kStart);
  }
}

void language(Frame& fr) {
  display_buttons(fr, kDesignWidth - kMargin + 12);
  // The title in both languages, each recorded (and spoken) in its own.
  float x = kMargin;
  for (const std::string lang : {"en", "fr"}) {
    const std::string title = fr.ui.strings->text(lang, "language.title") + (lang == "en" ? " /" : "");
    widgets::text(fr.ui, "language.title." + lang, title, ImVec2(x, 140), kContentWidth, fr.f().heading,
                  Role::kHeading);
    fr.ui.tree.set_last_language(lang);
    x += fr.f().heading->CalcTextSizeA(fr.f().heading->FontSize, FLT_MAX, 0, (title + " ").c_str()).x;
  }
  x = kMargin;
  for (const std::string lang : {"en", "fr"}) {
    if (widgets::button(fr.ui, "language." + lang, fr.ui.strings->text(lang, "language.name"), ImVec2(x, 280),
                        ImVec2(560, 200))) {
      fr.act(Action::Kind::kChooseLanguage, lang);
    }
    fr.ui.tree.set_last_language(lang);
    x += 560 + 64;
  }
  nav_bar(fr, NavButtons{true, "", ""});
}

void consultations(Frame& fr) {
  title_bar(fr);
  widgets::text(fr.ui, "consultations.title", fr.tr("consultations.title"), ImVec2(kMargin, kTopBar + 24),
                kContentWidth, fr.f().heading, Role::kHeading);
  auto list = fr.s.consultations();
  if (list.empty()) {
    widgets::text(fr.ui, "consultations.none", fr.tr("consultations.none"), ImVec2(kMargin, kTopBar + 110),
                  kContentWidth, fr.f().body);
  }
  const float row_h = 150;
  scroll_list(fr, "##consultations", ImVec2(kMargin, kTopBar + 100),
              ImVec2(kContentWidth, kNavTop - kTopBar - 190), static_cast<int>(list.size()), row_h,
              [&](int i, ImVec2 at) {
                const Consultation* c = list[static_cast<std::size_t>(i)];
                std::string label = c->title.in(fr.s.language());
                if (fr.s.already_took_part(c->id)) label += " — " + fr.tr("consultations.done");
                if (widgets::button(fr.ui, "consultation." + c->id, label, at,
                                    ImVec2(kContentWidth - 136, row_h - 24),
                                    fr.s.already_took_part(c->id) ? Kind::kSelected : Kind::kNormal)) {
                  fr.act(Action::Kind::kOpenConsultation, c->id);
                }
              });
  message_line(fr);
  NavButtons nav{false, "", "nav.finish", Action::Kind::kFinish, "nav.finish"};
  nav_bar(fr, nav);
}

void consultation(Frame& fr) {
  title_bar(fr);
  const Consultation* c = fr.s.consultation();
  if (!c) return;
  const std::string& lang = fr.s.language();
  float y = kTopBar + 24;
  y += widgets::text(fr.ui, "consultation.title", c->title.in(lang), ImVec2(kMargin, y), kContentWidth,
                     fr.f().heading, Role::kHeading) +
       16;
  y += widgets::text(fr.ui, "consultation.summary", c->summary.in(lang), ImVec2(kMargin, y), kContentWidth,
                     fr.f().body) +
       24;
  // However long the text, it scrolls (by drag or buttons) above the navigation bar.
  const float list_w = kContentWidth;
  const float text_w = list_w - 136;
  const float body_h = widgets::text_height(c->body.in(lang), text_w, fr.f().body) + 8;
  scroll_list(fr, "##body", ImVec2(kMargin, y), ImVec2(list_w, kNavTop - y - 24), 1, body_h,
              [&](int, ImVec2 at) {
                widgets::text(fr.ui, "consultation.body", c->body.in(lang), at, text_w, fr.f().body,
                              Role::kText, &fr.ui.theme.muted_text);
              });
  nav_bar(fr, NavButtons{true, "", "consultation.take_part"});
}

void idea(Frame& fr) {
  title_bar(fr);
  step_indicator(fr, "idea.step");
  UiContext& ui = fr.ui;
  const float top = kTopBar + 72;
  widgets::text(ui, "idea.title", fr.tr("idea.title"), ImVec2(kMargin, top), kContentWidth, fr.f().body,
                Role::kHeading);
  // The text so far, in a box, with a caret.
  const ImVec2 box(kMargin, top + 48);
  const ImVec2 box_size(kContentWidth - 240, 100);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(box, ImVec2(box.x + box_size.x, box.y + box_size.y), widgets::color(ui.theme.button),
                    8.0f);
  dl->AddRect(box, ImVec2(box.x + box_size.x, box.y + box_size.y), widgets::color(ui.theme.button_border),
              8.0f, 0, 2.5f);
  const std::string& text = fr.s.idea();
  // Show the end of a long text: the part being typed.
  std::string shown = text + "|";
  ImFont* font = fr.f().body;
  while (widgets::text_height(shown, box_size.x - 24, font) > box_size.y - 16 && shown.size() > 1) {
    std::size_t cut = 1;
    while (cut < shown.size() && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) ++cut;
    shown.erase(0, cut);
  }
  dl->AddText(font, font->FontSize, ImVec2(box.x + 12, box.y + 8), widgets::color(ui.theme.text),
              shown.c_str(), nullptr, box_size.x - 24);
  ui.tree.add(A11yNode{"idea.text", Role::kTextField, fr.tr("idea.title"), text, false, false, false, false,
                       Rect{box.x, box.y, box_size.x, box_size.y}, "", true});
  widgets::text(ui, "idea.count",
                fr.fmt("idea.count", {{"n", std::to_string(fr.s.idea_chars())},
                                      {"max", std::to_string(fr.s.settings().idea_max_chars)}}),
                ImVec2(box.x + box_size.x + 24, box.y + 8), 200, fr.f().small, Role::kStatus,
                &ui.theme.muted_text);
  if (widgets::button(ui, "key.clear", fr.tr("key.clear"), ImVec2(box.x + box_size.x + 24, box.y + 36),
                      ImVec2(192, 64))) {
    fr.act(Action::Kind::kClearIdea);
  }

  // The on-screen keyboard.
  const float key_w = 82, key_h = 64, gap = 8;
  float y = box.y + box_size.y + 12;
  for (const auto& row : keyboard_rows(fr.s.language())) {
    float x = kMargin;
    for (const auto& key : row) {
      const std::string typed = ui.shift ? shifted(key) : key;
      if (widgets::button(ui, "key." + key, typed, ImVec2(x, y), ImVec2(key_w, key_h), Kind::kNormal,
                          Role::kKey)) {
        fr.act(Action::Kind::kTypeText, typed);
        ui.shift = false;
      }
      x += key_w + gap;
    }
    y += key_h + gap;
  }
  // Shift, space and delete beside the letter rows.
  const float side_x = kMargin + 11 * (key_w + gap);
  const float side_w = kDesignWidth - kMargin - side_x;
  const float rows_top = box.y + box_size.y + 12;
  if (widgets::button(ui, "key.shift", fr.tr("key.shift"), ImVec2(side_x, rows_top), ImVec2(side_w, key_h),
                      ui.shift ? Kind::kSelected : Kind::kNormal, Role::kToggle, ui.shift)) {
    ui.shift = !ui.shift;
    ui.changed = true;
  }
  if (widgets::button(ui, "key.backspace", fr.tr("key.backspace"), ImVec2(side_x, rows_top + key_h + gap),
                      ImVec2(side_w, key_h))) {
    fr.act(Action::Kind::kBackspace);
  }
  if (widgets::button(ui, "key.space", fr.tr("key.space"), ImVec2(side_x, rows_top + 2 * (key_h + gap)),
                      ImVec2(side_w, 2 * key_h + gap))) {
    fr.act(Action::Kind::kTypeText, " ");
  }
  message_line(fr);
  nav_bar(fr, NavButtons{true, "nav.skip", "nav.next"});
}

void vote(Frame& fr) {
  title_bar(fr);
  step_indicator(fr, "vote.step");
  const Consultation* c = fr.s.consultation();
  if (!c) return;
  const bool support = c->voting == VotingMethod::kSupport;
  const std::string heading =
      support ? fr.fmt("vote.support_title", {{"max", std::to_string(c->max_supports)},
                                              {"n", std::to_string(fr.s.supports_used())}})
              : fr.tr("vote.opinion_title");
  widgets::text(fr.ui, "vote.title", heading, ImVec2(kMargin, kTopBar + 72), kContentWidth, fr.f().body,
                Role::kHeading);
  const float row_h = support ? 104 : 176;
  const float list_w = kContentWidth;
  scroll_list(
      fr, "##ideas", ImVec2(kMargin, kTopBar + 128), ImVec2(list_w, kNavTop - kTopBar - 228),
      static_cast<int>(c->ideas.size()), row_h, [&](int i, ImVec2 at) {
        const Idea& idea = c->ideas[static_cast<std::size_t>(i)];
        const float text_w = list_w - 136 - (support ? 300 : 0);
        widgets::text(fr.ui, idea.id + ".text", idea.text.in(fr.s.language()), ImVec2(at.x, at.y + 8), text_w,
                      fr.f().body);
        if (support) {
          const bool on = fr.s.supports(idea.id);
          if (widgets::button(fr.ui, idea.id + ".support", fr.tr(on ? "vote.supported" : "vote.support"),
                              ImVec2(at.x + text_w + 16, at.y + 4), ImVec2(280, row_h - 20), Kind::kNormal,
                              Role::kToggle, on)) {
            fr.act(Action::Kind::kToggleSupport, idea.id);
          }
          return;
        }
        const std::pair<VoteChoice, const char*> choices[] = {
            {VoteChoice::kAgree, "agree"}, {VoteChoice::kDisagree, "disagree"}, {VoteChoice::kPass, "pass"}};
        float x = at.x;
        for (const auto& [choice, name] : choices) {
          const bool on = fr.s.opinion(idea.id) == choice;
          if (widgets::button(fr.ui, idea.id + "." + name, fr.tr(std::string("vote.") + name),
                              ImVec2(x, at.y + 84), ImVec2(300, 72), Kind::kNormal, Role::kToggle, on)) {
            fr.ui.actions.push_back(Action{Action::Kind::kSetOpinion, idea.id, "", choice});
          }
          x += 316;
        }
      });
  message_line(fr);
  nav_bar(fr, NavButtons{true, "nav.skip", "nav.next"});
}

void about_you(Frame& fr) {
  title_bar(fr);
  step_indicator(fr, "about.step");
  const Consultation* c = fr.s.consultation();
  if (!c) return;
  UiContext& ui = fr.ui;
  float y = kTopBar + 72;
  y += widgets::text(ui, "about.notice", fr.tr("about.notice"), ImVec2(kMargin, y), kContentWidth - 360,
                     fr.f().small);
  if (widgets::button(ui, "about.consent", fr.tr("about.consent"),
                      ImVec2(kDesignWidth - kMargin - 340, kTopBar + 72), ImVec2(340, 80), Kind::kNormal,
                      Role::kToggle, fr.s.consent())) {
    ui.actions.push_back(Action{Action::Kind::kSetConsent, "", "", VoteChoice::kSupport, !fr.s.consent()});
  }
  y = std::max(y, kTopBar + 160.0f) + 12;
  for (const auto& qid : c->about_you) {
    const Question* q = fr.s.content().question(qid);
    if (!q) continue;
    widgets::text(ui, "about." + qid, q->label.in(fr.s.language()), ImVec2(kMargin, y), kContentWidth,
                  fr.f().body, Role::kHeading);
    y += 44;
    float x = kMargin;
    const float w = std::min(230.0f, (kContentWidth - 12 * static_cast<float>(q->answers.size() - 1)) /
                                         static_cast<float>(q->answers.size()));
    for (const auto& a : q->answers) {
      const bool on = fr.s.answer(qid) == a.id;
      if (widgets::button(ui, "about." + qid + "." + a.id, a.label.in(fr.s.language()), ImVec2(x, y),
                          ImVec2(w, 72), Kind::kNormal, Role::kToggle, on)) {
        fr.act(Action::Kind::kAnswer, qid, a.id);
      }
      x += w + 12;
    }
    y += 88;
  }
  message_line(fr);
  nav_bar(fr, NavButtons{true, "nav.skip", "nav.next"});
}

void review(Frame& fr) {
  title_bar(fr);
  step_indicator(fr, "review.step");
  UiContext& ui = fr.ui;
  float y = kTopBar + 80;
  y += widgets::text(ui, "review.title", fr.tr("review.title"), ImVec2(kMargin, y), kContentWidth,
                     fr.f().heading, Role::kHeading) +
       20;
  const std::string idea = fr.s.idea().empty() ? fr.tr("review.no_idea") : "« " + fr.s.idea() + " »";
  y += widgets::text(ui, "review.idea", fr.tr("review.idea") + " " + idea, ImVec2(kMargin, y), kContentWidth,
                     fr.f().body) +
       16;
  if (!fr.s.idea().empty()) ui.tree.mark_last_resident_text();
  y += widgets::text(ui, "review.votes", fr.fmt("review.votes", {{"n", std::to_string(fr.s.vote_count())}}),
                     ImVec2(kMargin, y), kContentWidth, fr.f().body) +
       16;
  widgets::text(ui, "review.private", fr.tr("review.private"), ImVec2(kMargin, y), kContentWidth,
                fr.f().small, Role::kText, &ui.theme.muted_text);
  message_line(fr);
  nav_bar(fr, NavButtons{true, "", "review.confirm", Action::Kind::kConfirm, "nav.confirm"});
}

void storing(Frame& fr) {
  widgets::text(fr.ui, "storing", fr.tr("storing.text"), ImVec2(kMargin, 340), kContentWidth, fr.f().heading,
                Role::kStatus);
}

void thanks(Frame& fr) {
  title_bar(fr);
  UiContext& ui = fr.ui;
  float y = kTopBar + 60;
  y += widgets::text(ui, "thanks.title", fr.tr("thanks.title"), ImVec2(kMargin, y), kContentWidth,
                     fr.f().heading, Role::kHeading) +
       24;
  y += widgets::text(ui, "thanks.receipt_label", fr.tr("thanks.receipt_label"), ImVec2(kMargin, y),
                     kContentWidth, fr.f().body) +
       12;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(kMargin, y), ImVec2(kMargin + 520, y + 90), widgets::color(ui.theme.button),
                    10.0f);
  dl->AddRect(ImVec2(kMargin, y), ImVec2(kMargin + 520, y + 90), widgets::color(ui.theme.button_border),
              10.0f, 0, 3.0f);
  widgets::text(ui, "thanks.receipt", fr.s.receipt(), ImVec2(kMargin + 40, y + 18), 460, fr.f().heading,
                Role::kStatus);
  y += 110;
  widgets::text(ui, "thanks.receipt_help", fr.tr("thanks.receipt_help"), ImVec2(kMargin, y), kContentWidth,
                fr.f().body, Role::kText, &ui.theme.muted_text);
  if (widgets::button(ui, "nav.another", fr.tr("thanks.another"), ImVec2(kMargin, kNavTop),
                      ImVec2(460, kNavButtonHeight))) {
    fr.act(Action::Kind::kAnotherConsultation);
  }
  if (widgets::button(ui, "nav.finish", fr.tr("nav.finish"), ImVec2(kDesignWidth - kMargin - 340, kNavTop),
                      ImVec2(340, kNavButtonHeight), Kind::kPrimary)) {
    fr.act(Action::Kind::kFinish);
  }
}

void out_of_service(Frame& fr) {
  UiContext& ui = fr.ui;
  float y = 100;
  y += widgets::text(ui, "oos.title", fr.tr("oos.title"), ImVec2(kMargin, y), kContentWidth, fr.f().heading,
                     Role::kHeading) +
       24;
  y += widgets::text(ui, "oos.text", fr.tr("oos.text"), ImVec2(kMargin, y), kContentWidth, fr.f().body) + 24;
  if (!fr.s.idea().empty()) {
    widgets::text(ui, "oos.idea", fr.tr("review.idea") + " « " + fr.s.idea() + " »", ImVec2(kMargin, y),
                  kContentWidth, fr.f().body, Role::kText, &ui.theme.muted_text);
    ui.tree.mark_last_resident_text();
  }
  if (widgets::button(ui, "nav.finish", fr.tr("nav.finish"), ImVec2(kDesignWidth - kMargin - 340, kNavTop),
                      ImVec2(340, kNavButtonHeight), Kind::kPrimary)) {
    fr.act(Action::Kind::kFinish);
  }
}

void draw_screen(Frame& fr);

// The panel help and speech open over a screen, below the title bar; returns its corner.
const ImVec2 kOverlaySize(kContentWidth, kNavTop - kTopBar - 48);
ImVec2 overlay_panel(Frame& fr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 box(kMargin, kTopBar + 24), end(box.x + kOverlaySize.x, box.y + kOverlaySize.y);
  dl->AddRectFilled(box, end, widgets::color(fr.ui.theme.background), 16.0f);
  dl->AddRect(box, end, widgets::color(fr.ui.theme.button_border), 16.0f, 0, 4.0f);
  return box;
}

void help_overlay(Frame& fr) {
  const ImVec2 box = overlay_panel(fr), size = kOverlaySize;
  float y = box.y + 32;
  y += widgets::text(fr.ui, "help.title", fr.tr("help.title"), ImVec2(box.x + 32, y), size.x - 64,
                     fr.f().heading, Role::kHeading) +
       20;
  widgets::text(fr.ui, "help.text", fr.tr(std::string("help.") + screen_name(fr.s.screen())),
                ImVec2(box.x + 32, y), size.x - 64, fr.f().body);
  if (widgets::button(fr.ui, "help.close", fr.tr("help.close"),
                      ImVec2(box.x + size.x - 332, box.y + size.y - 112), ImVec2(300, 80), Kind::kPrimary)) {
    fr.ui.help_open = false;
    fr.ui.changed = true;
  }
}

// Repeat, speed and volume, opened from the "speech" button while speech is on.
void speech_panel(Frame& fr) {
  const ImVec2 box = overlay_panel(fr), size = kOverlaySize;
  float y = box.y + 32;
  y += widgets::text(fr.ui, "speech.title", fr.tr("speech.title"), ImVec2(box.x + 32, y), size.x - 64,
                     fr.f().heading, Role::kHeading) +
       12;
  widgets::text(fr.ui, "speech.status",
                fr.fmt("speech.status", {{"rate", std::to_string(fr.s.speech_rate() + 1)},
                                         {"volume", std::to_string(fr.s.speech_volume() + 1)}}),
                ImVec2(box.x + 32, y), size.x - 64, fr.f().body, Role::kStatus);
  y = box.y + 170;
  const float w = (size.x - 64 - 2 * 24) / 3;
  auto panel_button = [&](const char* id, const char* key, ImVec2 at, Action::Kind kind, bool close) {
    if (widgets::button(fr.ui, id, fr.tr(key), at, ImVec2(w, 88))) {
      fr.act(kind);
      if (close) fr.ui.speech_panel_open = false;
      fr.ui.changed = true;
    }
  };
  const float x0 = box.x + 32, x1 = x0 + w + 24, x2 = x1 + w + 24;
  panel_button("speech.repeat", "speech.repeat", ImVec2(x0, y), Action::Kind::kSpeechRepeat, true);
  panel_button("speech.slower", "speech.slower", ImVec2(x1, y), Action::Kind::kSpeechSlower, false);
  panel_button("speech.faster", "speech.faster", ImVec2(x2, y), Action::Kind::kSpeechFaster, false);
  y += 88 + 24;
  panel_button("speech.off", "speech.off", ImVec2(x0, y), Action::Kind::kToggleSpeech, true);
  panel_button("speech.quieter", "speech.quieter", ImVec2(x1, y), Action::Kind::kSpeechQuieter, false);
  panel_button("speech.louder", "speech.louder", ImVec2(x2, y), Action::Kind::kSpeechLouder, false);
  if (widgets::button(fr.ui, "speech.close", fr.tr("speech.close"),
                      ImVec2(box.x + size.x - 332, box.y + size.y - 112), ImVec2(300, 80), Kind::kPrimary)) {
    fr.ui.speech_panel_open = false;
    fr.ui.changed = true;
  }
  ImGui::SetItemDefaultFocus();
}

void idle_warning(Frame& fr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 box(200, 200), size(880, 400);
  dl->AddRectFilled(box, ImVec2(box.x + size.x, box.y + size.y), widgets::color(fr.ui.theme.warning), 16.0f);
  widgets::text(fr.ui, "idle.text", fr.fmt("idle.text", {{"n", std::to_string(fr.s.seconds_until_reset())}}),
                ImVec2(box.x + 40, box.y + 40), size.x - 80, fr.f().heading, Role::kStatus,
                &fr.ui.theme.warning_text);
  if (widgets::button(fr.ui, "idle.more_time", fr.tr("idle.more_time"), ImVec2(box.x + 140, box.y + 240),
                      ImVec2(size.x - 280, 120), Kind::kPrimary)) {
    fr.act(Action::Kind::kMoreTime);
  }
}

}  // namespace

namespace {
// The hidden gesture: a long press in the configured corner, on the attract or locked screen.
void staff_gesture(UiContext& ui) {
  const ImGuiIO& io = ImGui::GetIO();
  const float size = 150;
  const bool left = ui.staff_corner.find("left") != std::string::npos;
  const bool top = ui.staff_corner.find("top") != std::string::npos;
  const ImVec2 p = io.MousePos;
  const bool in_corner = (left ? p.x < size : p.x > kDesignWidth - size) &&
                         (top ? p.y < size : p.y > kDesignHeight - size * 0.5f);
  if (!ImGui::IsMouseDown(0) || !in_corner) {
    ui.gesture_fired = false;
    ui.gesture_started_ms = 0;
    return;
  }
  if (ui.gesture_fired) return;
  // Timed by the clock, not by frames: a busy machine draws fewer of them.
  if (ui.gesture_started_ms == 0) ui.gesture_started_ms = std::max<std::uint64_t>(1, ui.now_ms);
  ui.changed = true;  // keep drawing while the press lasts, so that its end is seen
  if (ui.now_ms - ui.gesture_started_ms >= static_cast<std::uint64_t>(kStaffGestureSeconds * 1000)) {
    ui.gesture_fired = true;
    ui.staff_actions.push_back(StaffAction{StaffAction::Kind::kGesture, {}});
  }
}
}  // namespace

std::vector<Action> draw_frame(const Session& s, UiContext& ui, const Staff* staff) {
  ui.tree.clear();
  ui.actions.clear();
  ui.activated.clear();
  ui.staff_actions.clear();
  ui.changed = false;
  const bool new_screen = s.screen() != ui.last_screen;
  if (new_screen) {
    ui.list_scroll = 0;
    ui.scroll_requested = true;
    ui.shift = false;
    ui.help_open = false;
    ui.speech_panel_open = false;
    ui.last_screen = s.screen();
  }
  if (!s.speech()) ui.speech_panel_open = false;
  ui.theme = s.high_contrast() ? high_contrast_theme() : default_theme();
  if (s.large_text()) ui.theme.text_scale = large_text_theme().text_scale;
  if (!ImGui::IsMouseDown(0) && !ImGui::IsMouseReleased(0)) ui.drag_moved = false;

  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(kDesignWidth, kDesignHeight));
  ImGui::PushStyleColor(ImGuiCol_WindowBg,
                        ImVec4(ui.theme.background.r, ui.theme.background.g, ui.theme.background.b, 1));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
  ImGui::Begin("kiosk", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  // A new screen starts the keypad focus afresh: the items of the screen before are gone. The
  // first arrow press then lands on the screen's main action (SetItemDefaultFocus in nav_bar).
  if (new_screen) {
    ImGuiWindow* window = ImGui::GetCurrentWindow();
    window->NavLastIds[0] = 0;
    ImGui::FocusWindow(window);
    ImGui::GetCurrentContext()->NavId = 0;  // FocusWindow keeps it when the window had the focus
  }
  ImGui::PushFont(ui.font_set().body);
  Frame fr{s, ui};
  // Keys of their own: Escape is Back (or Finish where there is no way back), F1 is help.
  const ImGuiIO& io = ImGui::GetIO();
  if (ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_Escape], false)) {
    const bool finish = s.screen() == Screen::kThanks || s.screen() == Screen::kOutOfService;
    if (ui.help_open || ui.speech_panel_open)
      ui.help_open = ui.speech_panel_open = false;
    else
      fr.act(finish ? Action::Kind::kFinish : Action::Kind::kBack);
  }
  if (ImGui::IsKeyPressed(kHelpKey, false) && s.screen() != Screen::kAttract) {
    ui.help_open = !ui.help_open;
    ui.speech_panel_open = false;
  }
  if (ImGui::IsKeyPressed(kSpeechKey, false) && ui.speech_available) {
    fr.act(s.speech() ? Action::Kind::kSpeechRepeat : Action::Kind::kToggleSpeech);
  }

  ui.drawn.view = std::string(screen_name(s.screen())) + (s.idle_warning()       ? "+warning"
                                                          : ui.help_open         ? "+help"
                                                          : ui.speech_panel_open ? "+speech"
                                                                                 : "");
  ui.drawn.language = s.language();
  ui.drawn.speech = s.speech();
  ui.drawn.speech_repeats = s.speech_repeats();
  const bool staff_screen = staff && staff->screen() != StaffScreen::kClosed && !staff->transcribing();
  const bool locked = staff && staff->locked() && !staff_screen;
  if (staff && (locked || (s.screen() == Screen::kAttract && !staff_screen))) staff_gesture(ui);
  if (staff_screen) ui.drawn.view = staff_screen_name(staff->screen());
  // While the idle warning is up, it is all there is: one thing to do, "more time".
  if (staff_screen) {
    draw_staff(*staff, ui, s.settings().default_language);
  } else if (locked) {
    draw_locked(ui, s.settings().default_language);
  } else if (s.idle_warning()) {
    idle_warning(fr);
  } else if (ui.help_open) {
    title_bar(fr);
    help_overlay(fr);
  } else if (ui.speech_panel_open) {
    title_bar(fr);
    speech_panel(fr);
  } else {
    draw_screen(fr);
  }
  ImGui::PopFont();
  ImGui::End();
  ImGui::PopStyleVar(2);
  ImGui::PopStyleColor();
  return ui.actions;
}

namespace {
void draw_screen(Frame& fr) {
  switch (fr.s.screen()) {
    case Screen::kAttract: attract(fr); break;
    case Screen::kLanguage: language(fr); break;
    case Screen::kConsultations: consultations(fr); break;
    case Screen::kConsultation: consultation(fr); break;
    case Screen::kIdea: idea(fr); break;
    case Screen::kVote: vote(fr); break;
    case Screen::kAboutYou: about_you(fr); break;
    case Screen::kReview: review(fr); break;
    case Screen::kStoring: storing(fr); break;
    case Screen::kThanks: thanks(fr); break;
    case Screen::kOutOfService: out_of_service(fr); break;
  }
}
}  // namespace

// [SECTION] Keyboard layouts

std::vector<std::vector<std::string>> keyboard_rows(const std::string& language) {
  if (language == "fr") {
    return {{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "’"},
            {"a", "z", "e", "r", "t", "y", "u", "i", "o", "p", "-"},
            {"q", "s", "d", "f", "g", "h", "j", "k", "l", "m", "?"},
            {"w", "x", "c", "v", "b", "n", ",", ".", "!", "«", "»"},
            {"é", "è", "ê", "à", "â", "ç", "ù", "û", "î", "ô", "œ"}};
  }
  return {{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "'"},
          {"q", "w", "e", "r", "t", "y", "u", "i", "o", "p", "-"},
          {"a", "s", "d", "f", "g", "h", "j", "k", "l", ";", "?"},
          {"z", "x", "c", "v", "b", "n", "m", ",", ".", "!", "\""},
          {"é", "è", "ê", "à", "â", "ç", "ù", "û", "î", "ô", "œ"}};
}

std::string shifted(const std::string& key) {
  static const std::pair<const char*, const char*> kAccents[] = {
      {"é", "É"}, {"è", "È"}, {"ê", "Ê"}, {"à", "À"}, {"â", "Â"}, {"ç", "Ç"},
      {"ù", "Ù"}, {"û", "Û"}, {"î", "Î"}, {"ô", "Ô"}, {"œ", "Œ"}};
  if (key.size() == 1 && key[0] >= 'a' && key[0] <= 'z')
    return std::string(1, static_cast<char>(key[0] - 'a' + 'A'));
  for (const auto& [lower, upper] : kAccents) {
    if (key == lower) return upper;
  }
  return key;
}

}  // namespace civic::kiosk
