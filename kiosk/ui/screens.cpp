// The kiosk's screens. Each reads the session and pushes actions; nothing here changes state.
#include <imgui.h>
#include <imgui_internal.h>  // SetNextWindowScroll: the scroll applies in the same frame

#include <algorithm>
#include <cmath>

#include "sync/common/human.h"
#include "review.h"
#include "widgets.h"

namespace civic::kiosk {

using widgets::Kind;

namespace {

// [SECTION] Layout constants (design pixels)

constexpr float kMargin = 48;
constexpr float kTopBar = 96;
constexpr float kNavBar = 112;
constexpr float kNavButtonHeight = 80;
// Messages (errors, limits) have a band of their own above the navigation bar, which no control
// uses: a message never covers what the resident needs to correct it.
constexpr float kMessageHeight = 56;
constexpr float kMessageGap = 8;
constexpr float kListButtonsWidth = 120;  // the Up and Down buttons beside a scrolling list
constexpr float kTopBarButtonY = 12;      // the top bar's buttons (languages, display, help, speech)
constexpr float kMainButtonWidth = 340;   // a screen's main action (Next, Send, Finish, consent)
// Overlays (help, speech, "leave without sending?"): a padded box, its buttons at the bottom.
constexpr float kOverlayPadding = 32;
constexpr float kOverlayButtonWidth = 300;
constexpr float kOverlayButtonHeight = 80;

struct Frame {
  const Session& s;
  UiContext& ui;
  // The canvas: the design size, or more room on a display of another aspect.
  float W() const { return ui.canvas.width; }
  float H() const { return ui.canvas.height; }
  float nav_top() const { return H() - kNavBar + 16; }
  float content_w() const { return W() - 2 * kMargin; }
  // Where content must end: above the message band.
  float content_bottom() const { return nav_top() - kMessageHeight - 2 * kMessageGap; }
  const std::string& tr(const std::string& key) const { return ui.strings->text(s.language(), key); }
  std::string fmt(const std::string& key, const std::map<std::string, std::string>& args) const {
    return ui.strings->format(s.language(), key, args);
  }
  void act(Action::Kind k, std::string value = {}, std::string value2 = {}) {
    ui.frame.actions.push_back(Action{k, std::move(value), std::move(value2)});
  }
  const FontSet& f() const { return ui.font_set(); }
  // Consultation text in the language on screen; where it has not been translated, the text in the
  // language's fallback (or any), visibly marked with that language's name.
  std::string in(const LocalText& t) const { return local_text(*ui.strings, t, s.language()); }
};

// [SECTION] Chrome: title bar, language switch, step indicator, navigation, messages

// Up to this many languages, the screens before a choice label their controls in every language
// and the title bar has a button per other language; beyond it (a kiosk may offer eight), the
// controls are labelled in the first two offered, each language names itself on the language
// screen and the start button, and the title bar has one "Language" button.
constexpr std::size_t kLanguagesSideBySide = 2;

// A label in the languages the kiosk offers first, for screens shown before anyone has chosen one.
std::string in_every_language(const Frame& fr, const std::string& key, const char* separator) {
  std::string out;
  const auto& languages = fr.s.settings().languages;
  for (std::size_t i = 0; i < languages.size() && i < kLanguagesSideBySide; ++i) {
    if (!out.empty()) out += separator;
    out += fr.ui.strings->text(languages[i], key);
  }
  return out;
}

// Before a language is chosen (attract and language screens), labels are in every language.
bool before_language_chosen(const Frame& fr) {
  return fr.s.screen() == Screen::kAttract || fr.s.screen() == Screen::kLanguage;
}

// Speech, help, high contrast and larger text, from `right` leftwards; returns the x where they
// end. With speech off, "speech" turns it on; with speech on, it opens repeat, speed and volume.
// Where speech cannot run (no sound card), a note says so in the speech button's place.
float display_buttons(Frame& fr, float right, bool with_speech = true) {
  const bool bilingual = before_language_chosen(fr);
  const float height = bilingual ? 96 : 72;
  auto label = [&](const char* key) { return bilingual ? in_every_language(fr, key, "\n") : fr.tr(key); };
  struct Item {
    const char* id;
    const char* key;
    float width;
    bool on;
    Action::Kind kind;
  };
  const Item items[] = {
      {"display.large_text", "display.large_text", bilingual ? 240.0f : 200.0f, fr.s.large_text(),
       Action::Kind::kToggleLargeText},
      {"display.contrast", "display.contrast", bilingual ? 240.0f : 190.0f, fr.s.high_contrast(),
       Action::Kind::kToggleHighContrast},
  };
  float x = right;
  for (const auto& item : items) {
    x -= item.width + 12;
    if (widgets::button(fr.ui, item.id, label(item.key), ImVec2(x, kTopBarButtonY),
                        ImVec2(item.width, height), Kind::kNormal, Role::kToggle, item.on)) {
      fr.act(item.kind);
    }
  }
  const float help_w = bilingual ? 140 : 120;
  x -= help_w + 12;
  if (widgets::button(fr.ui, "help", label("help.button"), ImVec2(x, kTopBarButtonY), ImVec2(help_w, height),
                      Kind::kNormal, Role::kToggle, fr.ui.kept.help_open)) {
    fr.ui.kept.help_open = !fr.ui.kept.help_open;
    fr.ui.kept.speech_panel_open = false;
    fr.ui.frame.changed = true;
  }
  if (!with_speech) return x;
  x -= 160 + 12;
  if (!fr.ui.speech_available) {
    widgets::text(fr.ui, "speech.unavailable", label("speech.unavailable"), ImVec2(x, 16), 160, fr.f().small,
                  Role::kStatus, bilingual ? nullptr : &fr.ui.theme.primary_text);
    return x;
  }
  if (widgets::button(fr.ui, "speech", label("speech.button"), ImVec2(x, kTopBarButtonY), ImVec2(160, height),
                      Kind::kNormal, Role::kToggle, fr.s.speech())) {
    if (fr.s.speech()) {
      fr.ui.kept.speech_panel_open = !fr.ui.kept.speech_panel_open;
      fr.ui.kept.help_open = false;
      fr.ui.frame.changed = true;
    } else {
      fr.act(Action::Kind::kToggleSpeech);
    }
  }
  return x;
}

void title_bar(Frame& fr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(0, 0), ImVec2(fr.W(), kTopBar), widgets::color(fr.ui.theme.primary));
  // The bar keeps its normal size with large text, so that its buttons fit.
  widgets::text(fr.ui, "app.title", fr.tr("app.title"), ImVec2(kMargin, 24), 280, fr.ui.fonts.normal.heading,
                Role::kHeading, &fr.ui.theme.primary_text);
  // The other languages are always one tap away, each labelled (and spoken) in its own language;
  // with many, one button opens the language screen.
  float x = fr.W() - kMargin;
  const auto& languages = fr.s.settings().languages;
  if (languages.size() > kLanguagesSideBySide + 1) {
    x -= 200;
    if (widgets::button(fr.ui, "lang.choose", fr.tr("language.change"), ImVec2(x, kTopBarButtonY),
                        ImVec2(200, 72))) {
      fr.act(Action::Kind::kShowLanguages);
    }
  }
  for (auto it = languages.rbegin(); languages.size() <= kLanguagesSideBySide + 1 && it != languages.rend(); ++it) {
    const std::string& lang = *it;
    if (lang == fr.s.language()) continue;
    const std::string label = fr.ui.strings->text(lang, "language.name");
    x -= 170;
    if (widgets::button(fr.ui, "lang." + lang, label, ImVec2(x, kTopBarButtonY), ImVec2(170, 72))) {
      fr.act(Action::Kind::kChooseLanguage, lang);
    }
    fr.ui.frame.tree.set_last_language(lang);
  }
  display_buttons(fr, x);
}

// The steps as bars: done ones filled, the current one filled, taller and outlined, the ones to
// come hollow. Shape tells them apart as well as colour (in high contrast, all are one colour).
void step_indicator(Frame& fr, const std::string& step_key) {
  auto [n, total] = fr.s.step();
  if (total == 0) return;
  widgets::text(fr.ui, "step",
                fr.fmt("step.of", {{"n", std::to_string(n)}, {"total", std::to_string(total)}}) + " — " +
                    fr.tr(step_key),
                ImVec2(kMargin, kTopBar + 10), fr.content_w(), fr.ui.fonts.normal.small, Role::kStatus,
                &fr.ui.theme.muted_text);  // like the title bar, one size: it must fit above the bars
  const float w = fr.content_w() / static_cast<float>(total);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float y = kTopBar + 54;
  for (int i = 0; i < total; ++i) {
    const float x0 = kMargin + w * static_cast<float>(i) + 4, x1 = kMargin + w * static_cast<float>(i + 1) - 4;
    if (i + 1 < n) {
      dl->AddRectFilled(ImVec2(x0, y), ImVec2(x1, y + 8), widgets::color(fr.ui.theme.primary), 4.0f);
    } else if (i + 1 == n) {
      dl->AddRectFilled(ImVec2(x0, y - 6), ImVec2(x1, y + 14), widgets::color(fr.ui.theme.primary), 4.0f);
      dl->AddRect(ImVec2(x0 - 3, y - 9), ImVec2(x1 + 3, y + 17), widgets::color(fr.ui.theme.text), 6.0f, 0, 3.0f);
    } else {
      dl->AddRect(ImVec2(x0, y), ImVec2(x1, y + 8), widgets::color(fr.ui.theme.button_border), 4.0f, 0, 2.0f);
    }
  }
}

void message_line(Frame& fr) {
  if (!fr.s.message()) return;
  const auto& m = *fr.s.message();
  const std::string text = fr.fmt(m.key, m.args);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float y = fr.nav_top() - kMessageHeight - kMessageGap;
  dl->AddRectFilled(ImVec2(kMargin, y), ImVec2(fr.W() - kMargin, y + kMessageHeight),
                    widgets::color(fr.ui.theme.warning), 8.0f);
  // Larger text may need two lines: the small font keeps it inside the band.
  ImFont* font = widgets::text_height(text, fr.content_w() - 32, fr.f().body) <= kMessageHeight - 8 ? fr.f().body
                                                                                                     : fr.f().small;
  widgets::text(fr.ui, "message", text, ImVec2(kMargin + 16, y + 6), fr.content_w() - 32, font, Role::kStatus,
                &fr.ui.theme.warning_text);
}

struct NavButtons {
  bool back = true;
  std::string skip_key;  // empty: no skip button
  std::string next_key;  // empty: no next button
  Action::Kind next = Action::Kind::kNext;
  std::string next_id = "nav.next";
};

void nav_bar(Frame& fr, const NavButtons& nav) {
  const std::string back = before_language_chosen(fr) ? in_every_language(fr, "nav.back", " / ") : fr.tr("nav.back");
  if (nav.back && widgets::button(fr.ui, "nav.back", back, ImVec2(kMargin, fr.nav_top()),
                                  ImVec2(before_language_chosen(fr) ? 300 : 220, kNavButtonHeight))) {
    fr.act(Action::Kind::kBack);
  }
  float x = fr.W() - kMargin;
  if (!nav.next_key.empty()) {
    x -= kMainButtonWidth;
    if (widgets::button(fr.ui, nav.next_id, fr.tr(nav.next_key), ImVec2(x, fr.nav_top()),
                        ImVec2(kMainButtonWidth, kNavButtonHeight), Kind::kPrimary)) {
      fr.act(nav.next);
    }
    widgets::main_action(fr.ui);
  }
  if (!nav.skip_key.empty()) {
    x -= 300 + 24;
    if (widgets::button(fr.ui, "nav.skip", fr.tr(nav.skip_key), ImVec2(x, fr.nav_top()),
                        ImVec2(300, kNavButtonHeight))) {
      fr.act(Action::Kind::kSkip);
    }
  }
}

// [SECTION] Scrolling list: drag to scroll, explicit buttons, only visible rows built

// Row offsets for `rows` rows of the heights `height(i)` gives, kept in ui.kept.rows while `key` (what
// the heights depend on: content, language, text size, width) stays the same. A list of 10,000
// ideas is measured once, not every frame.
template <class HeightFn>
const std::vector<float>& row_tops(UiContext& ui, const std::string& key, int rows, HeightFn&& height) {
  if (ui.kept.rows.key != key || ui.kept.rows.tops.size() != static_cast<std::size_t>(rows) + 1) {
    ui.kept.rows.key = key;
    ui.kept.rows.tops.assign(1, 0.0f);
    for (int i = 0; i < rows; ++i) ui.kept.rows.tops.push_back(ui.kept.rows.tops.back() + height(i));
  }
  return ui.kept.rows.tops;
}

// A list of rows of any height (`tops`: where each starts, then the end). Each row's text and
// controls are drawn by `row` at the row's position in the list's own scrolled space, so they
// move together. Rows out of view are not built, except one on each side so that the keypad can
// move to them (ImGui then scrolls to the focus).
template <class RowFn>
void scroll_list(Frame& fr, const char* id, ImVec2 pos, ImVec2 size, const std::vector<float>& tops, RowFn&& row) {
  UiContext& ui = fr.ui;
  const int rows = static_cast<int>(tops.size()) - 1;
  const float content = tops.back();
  // ImGui owns the scroll position (its keypad navigation scrolls to the focused row); we set it
  // only when our buttons, a drag or a new screen change it, and read it back every frame.
  if (ui.kept.scroll_requested) {
    ui.kept.list_scroll = std::clamp(ui.kept.list_scroll, 0.0f, std::max(0.0f, content - size.y));
    ImGui::SetNextWindowScroll(ImVec2(-1.0f, ui.kept.list_scroll));
    ui.kept.scroll_requested = false;
  }
  ImGui::SetCursorPos(pos);
  // NavFlattened: the arrow keys move between the rows and the rest of the screen as one.
  ImGui::BeginChild(id, ImVec2(size.x - kListButtonsWidth - 16, size.y), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                        ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NavFlattened);
  ui.kept.list_scroll = ImGui::GetScrollY();
  ImGuiIO& io = ImGui::GetIO();
  // A press that starts on the list drags it, even when the finger then leaves the list; once a
  // press has moved, it is a drag, not a tap.
  if (ImGui::IsMouseClicked(0) && ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem)) {
    ui.kept.list_pressed = true;
  }
  if (!ImGui::IsMouseDown(0)) ui.kept.list_pressed = false;
  if (ui.kept.list_pressed && ImGui::IsMouseDragging(0, 12.0f)) {
    ui.kept.drag_moved = true;
    ui.kept.list_scroll -= io.MouseDelta.y;
    ui.kept.scroll_requested = true;
    ui.frame.changed = true;
  }
  if (rows > 0) {
    const float top = ui.kept.list_scroll, bottom = ui.kept.list_scroll + size.y;
    int first = static_cast<int>(std::upper_bound(tops.begin(), tops.end(), top) - tops.begin()) - 1;
    first = std::clamp(first - 1, 0, rows - 1);
    for (int i = first; i < rows; ++i) {
      row(i, ImVec2(0, tops[static_cast<std::size_t>(i)]));
      if (tops[static_cast<std::size_t>(i)] > bottom) break;  // one row past the end, for the keypad
    }
  }
  ImGui::SetCursorPos(ImVec2(0, content));                       // the child's content extent
  if (ImGui::GetScrollY() != ui.kept.list_scroll) ui.frame.changed = true;  // ImGui scrolled to follow the focus
  ImGui::EndChild();
  const float bx = pos.x + size.x - kListButtonsWidth;
  const bool can_up = ui.kept.list_scroll > 0.5f;
  const bool can_down = ui.kept.list_scroll < content - size.y - 0.5f;
  const float button_h = std::min(100.0f, size.y / 2 - 8);
  if (can_up && widgets::button(ui, "list.up", fr.tr("list.up"), ImVec2(bx, pos.y),
                                ImVec2(kListButtonsWidth, button_h))) {
    ui.kept.list_scroll = std::max(0.0f, ui.kept.list_scroll - size.y * 0.8f);
    ui.kept.scroll_requested = true;
    ui.frame.changed = true;
  }
  if (can_down && widgets::button(ui, "list.down", fr.tr("list.down"), ImVec2(bx, pos.y + size.y - button_h),
                                  ImVec2(kListButtonsWidth, button_h))) {
    ui.kept.list_scroll = std::min(content - size.y, ui.kept.list_scroll + size.y * 0.8f);
    ui.kept.scroll_requested = true;
    ui.frame.changed = true;
  }
}

// A cache key for row heights: what they depend on.
std::string rows_key(const Frame& fr, const std::string& what, float width) {
  return what + "|" + fr.s.language() + "|" + std::to_string(fr.ui.theme.text_scale) + "|" +
         std::to_string(static_cast<int>(width)) + "|" + std::to_string(fr.s.content_revision());
}
// [SECTION] Screens

void attract(Frame& fr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(0, 0), ImVec2(fr.W(), fr.H()), widgets::color(fr.ui.theme.primary));
  const float left_of_buttons = display_buttons(fr, fr.W() - kMargin + 12, false);
  // Speech is one obvious control away, before anything else (and the keypad's F2 key). Where it
  // cannot run, the same place says so.
  const float speech_w = left_of_buttons - kMargin - 24;
  if (fr.ui.speech_available) {
    const std::string speech_key = fr.s.speech() ? "speech.is_on" : "speech.turn_on";
    if (widgets::button(fr.ui, "attract.speech", in_every_language(fr, speech_key, "  /  "),
                        ImVec2(kMargin, kTopBarButtonY), ImVec2(speech_w, 96), Kind::kNormal, Role::kToggle,
                        fr.s.speech())) {
      fr.act(Action::Kind::kToggleSpeech);
    }
  } else {
    widgets::text(fr.ui, "speech.unavailable", in_every_language(fr, "speech.unavailable", " / "),
                  ImVec2(kMargin, 24), speech_w, fr.f().small, Role::kStatus, &fr.ui.theme.primary_text);
  }
  // Every language at once: nobody has chosen yet. On a tall display the text sits lower.
  float y = 132 + std::max(0.0f, (fr.H() - kDesignHeight) / 3);
  const auto& languages = fr.s.settings().languages;
  if (languages.size() > kLanguagesSideBySide) {
    // Many languages: each one's title, two to a row; the start button names itself in each.
    const float col_w = (fr.content_w() - 32) / 2;
    for (std::size_t i = 0; i < languages.size(); i += 2) {
      float row_h = 0;
      for (std::size_t j = i; j < i + 2 && j < languages.size(); ++j) {
        const std::string& lang = languages[j];
        row_h = std::max(row_h, widgets::text(fr.ui, "attract.title." + lang, fr.ui.strings->text(lang, "attract.title"),
                                              ImVec2(kMargin + static_cast<float>(j - i) * (col_w + 32), y), col_w,
                                              fr.f().body, Role::kHeading, &fr.ui.theme.primary_text));
        fr.ui.frame.tree.set_last_language(lang);
      }
      y += row_h + 14;
    }
    std::string start;
    for (const auto& lang : languages) start += (start.empty() ? "" : "  ·  ") + fr.ui.strings->text(lang, "attract.start_short");
    const float start_y = std::max(y + 8, fr.H() - 200);
    if (widgets::button(fr.ui, "attract.start", start, ImVec2(kMargin, start_y),
                        ImVec2(fr.content_w(), std::min(170.0f, fr.H() - start_y - 16)))) {
      fr.act(Action::Kind::kStart);
    }
    widgets::main_action(fr.ui);
    return;
  }
  for (const auto& lang : languages) {
    y += widgets::text(fr.ui, "attract.title." + lang, fr.ui.strings->text(lang, "attract.title"),
                       ImVec2(kMargin, y), fr.content_w(), fr.f().heading, Role::kHeading,
                       &fr.ui.theme.primary_text);
    fr.ui.frame.tree.set_last_language(lang);
    y += 12;
    y +=
        widgets::text(fr.ui, "attract.subtitle." + lang, fr.ui.strings->text(lang, "attract.subtitle"),
                      ImVec2(kMargin, y), fr.content_w(), fr.f().body, Role::kText, &fr.ui.theme.primary_text);
    fr.ui.frame.tree.set_last_language(lang);
    y += 32;
  }
  const float start_y = std::max(y + 8, fr.H() - 240);
  if (widgets::button(fr.ui, "attract.start", in_every_language(fr, "attract.start", "  /  "),
                      ImVec2(kMargin, start_y), ImVec2(fr.content_w(), std::min(160.0f, fr.H() - start_y - 16)))) {
    fr.act(Action::Kind::kStart);
  }
  widgets::main_action(fr.ui);
}

void language(Frame& fr) {
  display_buttons(fr, fr.W() - kMargin + 12);
  const auto& languages = fr.s.settings().languages;
  // The title in every language, each recorded (and spoken) in its own; with many, smaller.
  const bool many = languages.size() > kLanguagesSideBySide;
  ImFont* title_font = many ? fr.f().body : fr.f().heading;
  float x = kMargin, y = many ? 124 : 140;
  for (std::size_t i = 0; i < languages.size(); ++i) {
    const std::string& lang = languages[i];
    const std::string title = fr.ui.strings->text(lang, "language.title") + (i + 1 < languages.size() ? " /" : "");
    const float w = title_font->CalcTextSizeA(title_font->FontSize, FLT_MAX, 0, (title + " ").c_str()).x;
    if (x > kMargin && x + w > fr.W() - kMargin) x = kMargin, y += title_font->FontSize * 1.3f;
    widgets::text(fr.ui, "language.title." + lang, title, ImVec2(x, y), fr.W() - kMargin - x, title_font,
                  Role::kHeading);
    fr.ui.frame.tree.set_last_language(lang);
    x += w;
  }
  // One button per language, in its own words: one row, or two (four to a row) with many.
  y += many ? title_font->FontSize * 1.3f + 24 : 140;
  const std::size_t per_row = many ? (languages.size() + 1) / 2 : languages.size();
  const std::size_t row_count = (languages.size() + per_row - 1) / per_row;  // whole rows
  const auto rows = static_cast<float>(row_count);
  const float gap = many ? 24 : 64;
  const float w = (fr.content_w() - gap * static_cast<float>(per_row - 1)) / static_cast<float>(per_row);
  const float h = std::min(200.0f, (fr.nav_top() - 24 - y - gap * (rows - 1)) / rows);
  for (std::size_t i = 0; i < languages.size(); ++i) {
    const std::string& lang = languages[i];
    const std::size_t row = i / per_row, column = i % per_row;
    const ImVec2 at(kMargin + static_cast<float>(column) * (w + gap), y + static_cast<float>(row) * (h + gap));
    if (widgets::button(fr.ui, "language." + lang, fr.ui.strings->text(lang, "language.name"), at, ImVec2(w, h))) {
      fr.act(Action::Kind::kChooseLanguage, lang);
    }
    if (i == 0) widgets::main_action(fr.ui);
    fr.ui.frame.tree.set_last_language(lang);
  }
  nav_bar(fr, NavButtons{true, "", ""});
}

void consultations(Frame& fr) {
  title_bar(fr);
  widgets::text(fr.ui, "consultations.title", fr.tr("consultations.title"), ImVec2(kMargin, kTopBar + 24),
                fr.content_w(), fr.f().heading, Role::kHeading);
  auto list = fr.s.consultations();
  if (list.empty()) {
    widgets::text(fr.ui, "consultations.none", fr.tr("consultations.none"), ImVec2(kMargin, kTopBar + 110),
                  fr.content_w(), fr.f().body);
  }
  const float row_h = 108;  // four consultations fit without scrolling
  const float top = kTopBar + 100;
  const auto& tops =
      row_tops(fr.ui, rows_key(fr, "consultations", 0), static_cast<int>(list.size()), [&](int) { return row_h; });
  scroll_list(fr, "##consultations", ImVec2(kMargin, top), ImVec2(fr.content_w(), fr.content_bottom() - top), tops,
              [&](int i, ImVec2 at) {
                const Consultation* c = list[static_cast<std::size_t>(i)];
                std::string label = fr.in(c->title);
                if (fr.s.already_took_part(c->id)) label += " — " + fr.tr("consultations.done");
                if (widgets::button(fr.ui, "consultation." + c->id, label, at,
                                    ImVec2(fr.content_w() - kListButtonsWidth - 16, row_h - 24),
                                    fr.s.already_took_part(c->id) ? Kind::kSelected : Kind::kNormal)) {
                  fr.act(Action::Kind::kOpenConsultation, c->id);
                }
                if (i == 0) widgets::main_action(fr.ui);
              });
  message_line(fr);
  // Back to the languages; Finish ends the visit (asking first if something was not sent).
  NavButtons nav{true, "", "nav.finish", Action::Kind::kFinish, "nav.finish"};
  nav_bar(fr, nav);
}

void consultation(Frame& fr) {
  title_bar(fr);
  const Consultation* c = fr.s.consultation();
  if (!c) return;
  float y = kTopBar + 24;
  y += widgets::text(fr.ui, "consultation.title", fr.in(c->title), ImVec2(kMargin, y), fr.content_w(),
                     fr.f().heading, Role::kHeading) +
       16;
  y += widgets::text(fr.ui, "consultation.summary", fr.in(c->summary), ImVec2(kMargin, y), fr.content_w(),
                     fr.f().body) +
       24;
  // However long the text, it scrolls (by drag or buttons) above the navigation bar.
  const float list_w = fr.content_w();
  const float text_w = list_w - kListButtonsWidth - 16;
  const auto& tops = row_tops(fr.ui, rows_key(fr, "body:" + c->id, text_w), 1, [&](int) {
    return widgets::text_height(fr.in(c->body), text_w, fr.f().body) + 8;
  });
  scroll_list(fr, "##body", ImVec2(kMargin, y), ImVec2(list_w, fr.nav_top() - y - 24), tops, [&](int, ImVec2 at) {
    widgets::text(fr.ui, "consultation.body", fr.in(c->body), at, text_w, fr.f().body, Role::kText,
                  &fr.ui.theme.muted_text);
  });
  nav_bar(fr, NavButtons{true, "", "consultation.take_part"});
}

void idea(Frame& fr) {
  title_bar(fr);
  step_indicator(fr, "idea.step");
  UiContext& ui = fr.ui;
  const float top = kTopBar + 72;
  const float title_h = widgets::text(ui, "idea.title", fr.tr("idea.title"), ImVec2(kMargin, top), fr.content_w(),
                                      fr.f().body, Role::kHeading);
  // The keyboard sits on the message band; the text box takes the room between it and the title.
  const float key_w = 82, key_h = 64, gap = 6;
  const KeyboardLayout& layout = ui.strings->keyboard(fr.s.language());
  const auto& rows = layout.rows;
  const float rows_top = fr.content_bottom() - static_cast<float>(rows.size()) * (key_h + gap);
  // The text so far, in a box, with a caret.
  const ImVec2 box(kMargin, top + title_h + 6);
  const ImVec2 box_size(fr.content_w() - 240, std::max(48.0f, rows_top - 8 - box.y));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(box, ImVec2(box.x + box_size.x, box.y + box_size.y), widgets::color(ui.theme.button),
                    8.0f);
  dl->AddRect(box, ImVec2(box.x + box_size.x, box.y + box_size.y), widgets::color(ui.theme.button_border),
              8.0f, 0, 2.5f);
  const std::string& text = fr.s.idea();
  // Show the end of a long text: the part being typed.
  std::string shown = text + "|";
  ImFont* font = fr.f().body;
  while (widgets::text_height(shown, box_size.x - 24, font) > box_size.y - 8 && shown.size() > 1) {
    std::size_t cut = 1;
    while (cut < shown.size() && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) ++cut;
    shown.erase(0, cut);
  }
  dl->AddText(font, font->FontSize, ImVec2(box.x + 12, box.y + 4), widgets::color(ui.theme.text),
              shown.c_str(), nullptr, box_size.x - 24);
  ui.frame.tree.add(A11yNode{.id = "idea.text",
                             .role = Role::kTextField,
                             .label = fr.tr("idea.title"),
                             .value = text,
                             .rect = Rect{box.x, box.y, box_size.x, box_size.y},
                             .resident_text = true});
  widgets::text(ui, "idea.count",
                fr.fmt("idea.count", {{"n", std::to_string(fr.s.idea_chars())},
                                      {"max", std::to_string(fr.s.settings().idea_max_chars)}}),
                ImVec2(box.x + box_size.x + 24, box.y), 200, fr.f().small, Role::kStatus, &ui.theme.muted_text);

  // The on-screen keyboard.
  float y = rows_top;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    float x = kMargin;
    for (std::size_t k = 0; k < rows[r].size(); ++k) {
      const std::string& key = rows[r][k];
      const std::string& typed = ui.kept.shift ? layout.shift_rows[r][k] : key;
      if (widgets::button(ui, "key." + key, typed, ImVec2(x, y), ImVec2(key_w, key_h), Kind::kNormal,
                          Role::kKey)) {
        fr.act(Action::Kind::kTypeText, typed);
        ui.kept.shift = false;
      }
      x += key_w + gap;
    }
    y += key_h + gap;
  }
  // Shift, space and delete beside the letter rows.
  const float side_x = kMargin + 11 * (key_w + gap) + 8;
  const float side_w = fr.W() - kMargin - side_x;
  if (widgets::button(ui, "key.shift", fr.tr("key.shift"), ImVec2(side_x, rows_top), ImVec2(side_w, key_h),
                      ui.kept.shift ? Kind::kSelected : Kind::kNormal, Role::kToggle, ui.kept.shift)) {
    ui.kept.shift = !ui.kept.shift;
    ui.frame.changed = true;
  }
  if (widgets::button(ui, "key.backspace", fr.tr("key.backspace"), ImVec2(side_x, rows_top + key_h + gap),
                      ImVec2(side_w, key_h))) {
    fr.act(Action::Kind::kBackspace);
  }
  if (widgets::button(ui, "key.space", fr.tr("key.space"), ImVec2(side_x, rows_top + 2 * (key_h + gap)),
                      ImVec2(side_w, 2 * key_h + gap))) {
    fr.act(Action::Kind::kTypeText, " ");
  }
  if (widgets::button(ui, "key.clear", fr.tr("key.clear"), ImVec2(side_x, rows_top + 4 * (key_h + gap)),
                      ImVec2(side_w, key_h))) {
    fr.act(Action::Kind::kClearIdea);
  }
  message_line(fr);
  nav_bar(fr, NavButtons{true, "nav.skip", "nav.next"});
}

// Budget: one row per project (its text, its cost, a Choose toggle) under a bar that shows the
// money spent, spoken as "X of Y spent" whenever it changes. A project that would not fit is
// refused with a message when tapped, so no ballot over budget reaches the review.
void budget_vote(Frame& fr, const Consultation& c) {
  const bool approval = c.budget_ballot == BudgetBallot::kApproval;
  const std::string total = format_money(c.budget_total, c.currency, fr.s.thousands_separator());
  const std::string heading =
      approval ? fr.fmt("vote.approval_title", {{"max", std::to_string(c.max_projects)},
                                                {"n", std::to_string(fr.s.projects_selected())}})
               : fr.fmt("vote.budget_title", {{"total", total}});
  float y = kTopBar + 72;
  y += widgets::text(fr.ui, "vote.title", heading, ImVec2(kMargin, y), fr.content_w(), fr.f().body, Role::kHeading);
  const std::uint64_t spent = fr.s.budget_spent();
  const std::string status =
      fr.fmt("vote.budget_spent", {{"spent", format_money(spent, c.currency, fr.s.thousands_separator())},
                                   {"total", total},
                                   {"left", format_money(c.budget_total - std::min(spent, c.budget_total), c.currency, fr.s.thousands_separator())}});
  y += 4 + widgets::text(fr.ui, "vote.budget", status, ImVec2(kMargin, y + 4), fr.content_w(), fr.f().small,
                         Role::kStatus);
  // The bar: its outline in the text colour, its fill in the colour of chosen options.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float bar_h = 24, bar_w = fr.content_w();
  const float fill = c.budget_total ? static_cast<float>(static_cast<double>(std::min(spent, c.budget_total)) /
                                                         static_cast<double>(c.budget_total))
                                    : 0.0f;
  dl->AddRectFilled(ImVec2(kMargin, y + 6), ImVec2(kMargin + bar_w * fill, y + 6 + bar_h),
                    widgets::color(fr.ui.theme.selected), 6.0f);
  dl->AddRect(ImVec2(kMargin, y + 6), ImVec2(kMargin + bar_w, y + 6 + bar_h), widgets::color(fr.ui.theme.text), 6.0f,
              0, 2.0f);
  y += bar_h + 18;
  const float inner_w = fr.content_w() - kListButtonsWidth - 16;
  const float choose_w = 280;
  const float text_w = inner_w - choose_w - 16;
  const auto& tops = row_tops(fr.ui, rows_key(fr, "budget:" + c.id, text_w), static_cast<int>(c.ideas.size()),
                              [&](int i) {
                                const Idea& idea = c.ideas[static_cast<std::size_t>(i)];
                                const float h = widgets::text_height(fr.in(idea.text), text_w, fr.f().body) +
                                                widgets::text_height("0", text_w, fr.f().small);
                                return std::max(h + 32, 110.0f);
                              });
  scroll_list(fr, "##projects", ImVec2(kMargin, y), ImVec2(fr.content_w(), fr.content_bottom() - y), tops,
              [&](int i, ImVec2 at) {
                const Idea& idea = c.ideas[static_cast<std::size_t>(i)];
                const std::string& text = fr.in(idea.text);
                const float row_h = tops[static_cast<std::size_t>(i) + 1] - tops[static_cast<std::size_t>(i)];
                const float h = widgets::text(fr.ui, idea.id + ".text", text, ImVec2(at.x, at.y + 8), text_w, fr.f().body);
                const std::string cost = fr.fmt("vote.cost", {{"cost", format_money(idea.cost, c.currency, fr.s.thousands_separator())}});
                widgets::text(fr.ui, idea.id + ".cost", cost, ImVec2(at.x, at.y + 10 + h), text_w, fr.f().small);
                const bool on = fr.s.selected(idea.id);
                if (widgets::button(fr.ui, idea.id + ".project", fr.tr(on ? "vote.project_chosen" : "vote.choose_project"),
                                    ImVec2(at.x + text_w + 16, at.y + 4), ImVec2(choose_w, row_h - 16), Kind::kNormal,
                                    Role::kToggle, on, text + ", " + cost)) {
                  fr.act(Action::Kind::kToggleProject, idea.id);
                }
              });
}

// Pairwise: two ideas side by side, each a large button that chooses it, and "I can't decide"
// below. Each new pair is a new view, so speech reads it from the start.
void pairwise_vote(Frame& fr, const Consultation& c) {
  const auto& pair = fr.s.current_pair();
  float y = kTopBar + 72;
  if (!pair) {
    widgets::text(fr.ui, "vote.title", fr.tr("vote.pairs_done"), ImVec2(kMargin, y), fr.content_w(), fr.f().body,
                  Role::kHeading);
    return;
  }
  const std::string heading =
      fr.fmt("vote.pairwise_title", {{"n", std::to_string(fr.s.comparisons().size() + 1)},
                                     {"max", std::to_string(c.max_comparisons)}});
  y += widgets::text(fr.ui, "vote.title", heading, ImVec2(kMargin, y), fr.content_w(), fr.f().body, Role::kHeading) + 16;
  const float gap = 32;
  const float w = (fr.content_w() - gap) / 2;
  const float undecided_h = kNavButtonHeight;
  const float h = std::max(160.0f, fr.content_bottom() - y - undecided_h - 24 - 48);
  const Idea* left = c.idea(pair->first);
  const Idea* right = c.idea(pair->second);
  if (!left || !right) return;
  if (widgets::button(fr.ui, "pair.left", fr.in(left->text), ImVec2(kMargin, y), ImVec2(w, h))) {
    fr.act(Action::Kind::kChoosePair, "left");
  }
  if (widgets::button(fr.ui, "pair.right", fr.in(right->text), ImVec2(kMargin + w + gap, y), ImVec2(w, h))) {
    fr.act(Action::Kind::kChoosePair, "right");
  }
  y += h + 24;
  if (widgets::button(fr.ui, "pair.cannot_decide", fr.tr("vote.cannot_decide"),
                      ImVec2(kMargin + (fr.content_w() - kMainButtonWidth) / 2, y), ImVec2(kMainButtonWidth, undecided_h))) {
    fr.act(Action::Kind::kChoosePair, "cannot-decide");
  }
  if (!fr.s.comparisons().empty()) {
    widgets::text(fr.ui, "vote.pairs_count", fr.fmt("vote.pairs_count", {{"n", std::to_string(fr.s.comparisons().size())}}),
                  ImVec2(kMargin, y + undecided_h + 8), fr.content_w(), fr.f().small, Role::kStatus);
  }
}

// Each idea is one row: its text and the controls that vote for it, drawn at the row's place in
// the list, so that they scroll, wrap and get hit together. Each control names its idea (speech).
// Opinion: the first statements only, and "show me more" as the last row while more remain.
void vote(Frame& fr) {
  title_bar(fr);
  step_indicator(fr, "vote.step");
  const Consultation* c = fr.s.consultation();
  if (!c) return;
  if (c->voting == VotingMethod::kBudget || c->voting == VotingMethod::kPairwise) {
    c->voting == VotingMethod::kBudget ? budget_vote(fr, *c) : pairwise_vote(fr, *c);
    message_line(fr);
    nav_bar(fr, NavButtons{true, "nav.skip", "nav.next"});
    return;
  }
  const bool support = c->voting == VotingMethod::kSupport;
  const std::size_t shown = support ? c->ideas.size() : fr.s.opinions_shown();
  const bool more = shown < c->ideas.size();
  const std::string heading =
      support ? fr.fmt("vote.support_title", {{"max", std::to_string(c->max_supports)},
                                              {"n", std::to_string(fr.s.supports_used())}})
              : fr.fmt("vote.opinion_more_title", {{"min", std::to_string(std::min<std::size_t>(
                                                                static_cast<std::size_t>(c->min_votes), c->ideas.size()))},
                                                       {"n", std::to_string(fr.s.opinions_given())}});
  const float title_h = widgets::text(fr.ui, "vote.title", heading, ImVec2(kMargin, kTopBar + 72), fr.content_w(),
                                      fr.f().body, Role::kHeading);
  const float list_w = fr.content_w();
  const float inner_w = list_w - kListButtonsWidth - 16;
  const float support_w = 280, choice_h = 72, choice_gap = 16;
  // Support: text left, the button right. Opinion: text above its three buttons.
  const float text_w = support ? inner_w - support_w - 16 : inner_w;
  const auto& tops = row_tops(fr.ui, rows_key(fr, "vote:" + c->id + ":" + std::to_string(shown), text_w),
                              static_cast<int>(shown + (more ? 1 : 0)), [&](int i) {
                                if (static_cast<std::size_t>(i) == shown) return kNavButtonHeight + 24;  // show more
                                const float h = widgets::text_height(
                                    fr.in(c->ideas[static_cast<std::size_t>(i)].text), text_w, fr.f().body);
                                return support ? std::max(h + 24, 96.0f) : h + 12 + choice_h + 28;
                              });
  const float list_top = kTopBar + 72 + title_h + 12;
  scroll_list(fr, "##ideas", ImVec2(kMargin, list_top), ImVec2(list_w, fr.content_bottom() - list_top), tops,
              [&](int i, ImVec2 at) {
                if (static_cast<std::size_t>(i) == shown) {
                  if (widgets::button(fr.ui, "vote.show_more", fr.tr("vote.show_more"), ImVec2(at.x, at.y + 8),
                                      ImVec2(std::min(inner_w, 2 * kMainButtonWidth), kNavButtonHeight))) {
                    fr.act(Action::Kind::kShowMore);
                  }
                  return;
                }
                const Idea& idea = c->ideas[static_cast<std::size_t>(i)];
                const std::string& text = fr.in(idea.text);
                const float row_h = tops[static_cast<std::size_t>(i) + 1] - tops[static_cast<std::size_t>(i)];
                widgets::text(fr.ui, idea.id + ".text", text, ImVec2(at.x, at.y + 8), text_w, fr.f().body);
                if (support) {
                  const bool on = fr.s.supports(idea.id);
                  if (widgets::button(fr.ui, idea.id + ".support", fr.tr(on ? "vote.supported" : "vote.support"),
                                      ImVec2(at.x + text_w + 16, at.y + 4), ImVec2(support_w, row_h - 16),
                                      Kind::kNormal, Role::kToggle, on, text)) {
                    fr.act(Action::Kind::kToggleSupport, idea.id);
                  }
                  return;
                }
                const std::pair<VoteChoice, const char*> choices[] = {
                    {VoteChoice::kAgree, "agree"}, {VoteChoice::kDisagree, "disagree"}, {VoteChoice::kPass, "pass"}};
                const float w = std::min(300.0f, (inner_w - 2 * choice_gap) / 3);
                float x = at.x;
                for (const auto& [choice, name] : choices) {
                  const bool on = fr.s.opinion(idea.id) == choice;
                  if (widgets::button(fr.ui, idea.id + "." + name, fr.tr(std::string("vote.") + name),
                                      ImVec2(x, at.y + row_h - choice_h - 16), ImVec2(w, choice_h), Kind::kNormal,
                                      Role::kToggle, on, text)) {
                    Action a{Action::Kind::kSetOpinion, idea.id, ""};
                    a.choice = choice;
                    fr.ui.frame.actions.push_back(std::move(a));
                  }
                  x += w + choice_gap;
                }
              });
  message_line(fr);
  nav_bar(fr, NavButtons{true, "nav.skip", "nav.next"});
}

// The consent switch, then one row per question (its label above its answers), scrolling when
// they do not fit (larger text, many questions).
void about_you(Frame& fr) {
  title_bar(fr);
  step_indicator(fr, "about.step");
  const Consultation* c = fr.s.consultation();
  if (!c) return;
  UiContext& ui = fr.ui;
  float y = kTopBar + 72;
  y += widgets::text(ui, "about.notice", fr.tr("about.notice"), ImVec2(kMargin, y), fr.content_w() - 360,
                     fr.f().small);
  if (widgets::button(ui, "about.consent", fr.tr("about.consent"),
                      ImVec2(fr.W() - kMargin - kMainButtonWidth, kTopBar + 72),
                      ImVec2(kMainButtonWidth, kNavButtonHeight), Kind::kNormal, Role::kToggle,
                      fr.s.consent())) {
    ui.frame.actions.push_back(Action{.kind = Action::Kind::kSetConsent, .flag = !fr.s.consent()});
  }
  y = std::max(y, kTopBar + 160.0f) + 8;
  std::vector<const Question*> questions;
  for (const auto& qid : c->about_you) {
    if (const Question* q = fr.s.content().question(qid)) questions.push_back(q);
  }
  const float inner_w = fr.content_w() - kListButtonsWidth - 16;
  const float answer_h = 72;
  const auto& tops = row_tops(ui, rows_key(fr, "about:" + c->id, inner_w), static_cast<int>(questions.size()),
                              [&](int i) {
                                return widgets::text_height(fr.in(questions[static_cast<std::size_t>(i)]->label),
                                                            inner_w, fr.f().body) +
                                       4 + answer_h + 16;
                              });
  scroll_list(fr, "##questions", ImVec2(kMargin, y), ImVec2(fr.content_w(), fr.content_bottom() - y), tops,
              [&](int i, ImVec2 at) {
                const Question* q = questions[static_cast<std::size_t>(i)];
                const std::string& label = fr.in(q->label);
                const float label_h = widgets::text(ui, "about." + q->id, label, at, inner_w, fr.f().body,
                                                    Role::kHeading);
                float x = at.x;
                const float n = static_cast<float>(q->answers.size());
                const float w = std::min(230.0f, (inner_w - 12 * (n - 1)) / n);
                for (const auto& a : q->answers) {
                  const bool on = fr.s.answer(q->id) == a.id;
                  if (widgets::button(ui, "about." + q->id + "." + a.id, fr.in(a.label),
                                      ImVec2(x, at.y + label_h + 4), ImVec2(w, answer_h), Kind::kNormal,
                                      Role::kToggle, on, label)) {
                    fr.act(Action::Kind::kAnswer, q->id, a.id);
                  }
                  x += w + 12;
                }
              });
  message_line(fr);
  nav_bar(fr, NavButtons{true, "nav.skip", "nav.next"});
}

// Everything that will be sealed, by name: the idea in full, each vote with its idea, each answer
// with its question; each section with a way back to change it. It scrolls when it is long.
void review(Frame& fr) {
  title_bar(fr);
  step_indicator(fr, "review.step");
  UiContext& ui = fr.ui;
  float y = kTopBar + 72;
  y += widgets::text(ui, "review.title", fr.tr("review.title"), ImVec2(kMargin, y), fr.content_w(), fr.f().heading,
                     Role::kHeading) +
       8;
  y += widgets::text(ui, "review.private", fr.tr("review.private"), ImVec2(kMargin, y), fr.content_w(),
                     fr.f().small, Role::kText, &ui.theme.muted_text) +
       8;
  // One list row per heading (with its Change button) and per line.
  struct Row {
    const ReviewSection* section;
    const ReviewLine* line;  // nullptr: the section's heading
  };
  const auto sections = review_sections(fr.s, *ui.strings);
  std::vector<Row> rows;
  for (const auto& s : sections) {
    rows.push_back({&s, nullptr});
    for (const auto& l : s.lines) rows.push_back({&s, &l});
  }
  const float inner_w = fr.content_w() - kListButtonsWidth - 16;
  const float change_w = 260, change_h = 64, indent = 32;
  // Not cached: what the review lists changes with every choice, and it is short.
  std::vector<float> tops{0};
  for (const auto& r : rows) {
    const float h = r.line ? widgets::text_height(r.line->text, inner_w - indent, fr.f().body) + 12
                           : std::max(change_h, widgets::text_height(r.section->heading, inner_w - change_w - 16,
                                                                      fr.f().body)) +
                                 12;
    tops.push_back(tops.back() + h);
  }
  scroll_list(fr, "##review", ImVec2(kMargin, y), ImVec2(fr.content_w(), fr.content_bottom() - y), tops,
              [&](int i, ImVec2 at) {
                const Row& r = rows[static_cast<std::size_t>(i)];
                if (r.line) {
                  widgets::text(ui, r.line->id, r.line->text, ImVec2(at.x + indent, at.y + 4), inner_w - indent,
                                fr.f().body);
                  if (r.line->resident_text) ui.frame.tree.mark_last_resident_text();
                  return;
                }
                widgets::text(ui, "review.heading." + r.section->step, r.section->heading, ImVec2(at.x, at.y + 14),
                              inner_w - change_w - 16, fr.f().body, Role::kHeading);
                if (widgets::button(ui, "review.change." + r.section->step, fr.tr("review.change"),
                                    ImVec2(at.x + inner_w - change_w, at.y), ImVec2(change_w, change_h),
                                    Kind::kNormal, Role::kButton, false, r.section->heading)) {
                  fr.act(Action::Kind::kChangeStep, r.section->step);
                }
              });
  message_line(fr);
  nav_bar(fr, NavButtons{true, "", "review.confirm", Action::Kind::kConfirm, "nav.confirm"});
}

void storing(Frame& fr) {
  widgets::text(fr.ui, "storing", fr.tr("storing.text"), ImVec2(kMargin, 340), fr.content_w(), fr.f().heading,
                Role::kStatus);
}

void thanks(Frame& fr) {
  title_bar(fr);
  UiContext& ui = fr.ui;
  float y = kTopBar + 60;
  y += widgets::text(ui, "thanks.title", fr.tr("thanks.title"), ImVec2(kMargin, y), fr.content_w(),
                     fr.f().heading, Role::kHeading) +
       24;
  y += widgets::text(ui, "thanks.receipt_label", fr.tr("thanks.receipt_label"), ImVec2(kMargin, y),
                     fr.content_w(), fr.f().body) +
       12;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(kMargin, y), ImVec2(kMargin + 520, y + 90), widgets::color(ui.theme.button),
                    10.0f);
  dl->AddRect(ImVec2(kMargin, y), ImVec2(kMargin + 520, y + 90), widgets::color(ui.theme.button_border),
              10.0f, 0, 3.0f);
  widgets::text(ui, "thanks.receipt", fr.s.receipt(), ImVec2(kMargin + 40, y + 18), 460, fr.f().heading,
                Role::kStatus);
  y += 110;
  widgets::text(ui, "thanks.receipt_help", fr.tr("thanks.receipt_help"), ImVec2(kMargin, y), fr.content_w(),
                fr.f().body, Role::kText, &ui.theme.muted_text);
  if (widgets::button(ui, "nav.another", fr.tr("thanks.another"), ImVec2(kMargin, fr.nav_top()),
                      ImVec2(460, kNavButtonHeight))) {
    fr.act(Action::Kind::kAnotherConsultation);
  }
  if (widgets::button(ui, "nav.finish", fr.tr("nav.finish"),
                      ImVec2(fr.W() - kMargin - kMainButtonWidth, fr.nav_top()),
                      ImVec2(kMainButtonWidth, kNavButtonHeight), Kind::kPrimary)) {
    fr.act(Action::Kind::kFinish);
  }
  widgets::main_action(ui);
}

void out_of_service(Frame& fr) {
  UiContext& ui = fr.ui;
  float y = 100;
  y += widgets::text(ui, "oos.title", fr.tr("oos.title"), ImVec2(kMargin, y), fr.content_w(), fr.f().heading,
                     Role::kHeading) +
       24;
  y += widgets::text(ui, "oos.text", fr.tr("oos.text"), ImVec2(kMargin, y), fr.content_w(), fr.f().body) + 24;
  if (!fr.s.idea().empty()) {
    widgets::text(ui, "oos.idea", fr.tr("review.idea_heading") + " — « " + fr.s.idea() + " »", ImVec2(kMargin, y),
                  fr.content_w(), fr.f().body, Role::kText, &ui.theme.muted_text);
    ui.frame.tree.mark_last_resident_text();
  }
  if (widgets::button(ui, "nav.finish", fr.tr("nav.finish"),
                      ImVec2(fr.W() - kMargin - kMainButtonWidth, fr.nav_top()),
                      ImVec2(kMainButtonWidth, kNavButtonHeight), Kind::kPrimary)) {
    fr.act(Action::Kind::kFinish);
  }
}

void draw_screen(Frame& fr);

// The panel help and speech open over a screen, below the title bar; returns its corner.
ImVec2 overlay_size(const Frame& fr) { return ImVec2(fr.content_w(), fr.nav_top() - kTopBar - 48); }
ImVec2 overlay_panel(Frame& fr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 box(kMargin, kTopBar + 24), end(box.x + overlay_size(fr).x, box.y + overlay_size(fr).y);
  dl->AddRectFilled(box, end, widgets::color(fr.ui.theme.background), 16.0f);
  dl->AddRect(box, end, widgets::color(fr.ui.theme.button_border), 16.0f, 0, 4.0f);
  return box;
}

void help_overlay(Frame& fr) {
  const ImVec2 box = overlay_panel(fr), size = overlay_size(fr);
  float y = box.y + 32;
  y += widgets::text(fr.ui, "help.title", fr.tr("help.title"), ImVec2(box.x + kOverlayPadding, y),
                     size.x - 2 * kOverlayPadding, fr.f().heading, Role::kHeading) +
       20;
  widgets::text(fr.ui, "help.text", fr.tr(std::string("help.") + screen_name(fr.s.screen())),
                ImVec2(box.x + kOverlayPadding, y), size.x - 2 * kOverlayPadding, fr.f().body);
  if (widgets::button(fr.ui, "help.close", fr.tr("help.close"),
                      ImVec2(box.x + size.x - kOverlayPadding - kOverlayButtonWidth,
                             box.y + size.y - kOverlayPadding - kOverlayButtonHeight),
                      ImVec2(kOverlayButtonWidth, kOverlayButtonHeight), Kind::kPrimary)) {
    fr.ui.kept.help_open = false;
    fr.ui.frame.changed = true;
  }
}

// Repeat, speed and volume, opened from the "speech" button while speech is on.
void speech_panel(Frame& fr) {
  const ImVec2 box = overlay_panel(fr), size = overlay_size(fr);
  float y = box.y + 32;
  y += widgets::text(fr.ui, "speech.title", fr.tr("speech.title"), ImVec2(box.x + kOverlayPadding, y),
                     size.x - 2 * kOverlayPadding, fr.f().heading, Role::kHeading) +
       12;
  widgets::text(fr.ui, "speech.status",
                fr.fmt("speech.status", {{"rate", std::to_string(fr.s.speech_rate() + 1)},
                                         {"volume", std::to_string(fr.s.speech_volume() + 1)}}),
                ImVec2(box.x + kOverlayPadding, y), size.x - 2 * kOverlayPadding, fr.f().body, Role::kStatus);
  y = box.y + 170;
  const float w = (size.x - 2 * kOverlayPadding - 2 * 24) / 3;
  auto panel_button = [&](const char* id, const char* key, ImVec2 at, Action::Kind kind, bool close) {
    if (widgets::button(fr.ui, id, fr.tr(key), at, ImVec2(w, 88))) {
      fr.act(kind);
      if (close) fr.ui.kept.speech_panel_open = false;
      fr.ui.frame.changed = true;
    }
  };
  const float x0 = box.x + kOverlayPadding, x1 = x0 + w + 24, x2 = x1 + w + 24;
  panel_button("speech.repeat", "speech.repeat", ImVec2(x0, y), Action::Kind::kSpeechRepeat, true);
  panel_button("speech.slower", "speech.slower", ImVec2(x1, y), Action::Kind::kSpeechSlower, false);
  panel_button("speech.faster", "speech.faster", ImVec2(x2, y), Action::Kind::kSpeechFaster, false);
  y += 88 + 24;
  panel_button("speech.off", "speech.off", ImVec2(x0, y), Action::Kind::kToggleSpeech, true);
  panel_button("speech.quieter", "speech.quieter", ImVec2(x1, y), Action::Kind::kSpeechQuieter, false);
  panel_button("speech.louder", "speech.louder", ImVec2(x2, y), Action::Kind::kSpeechLouder, false);
  // Private listening: on headphones, the screen can be hidden; on the loudspeaker, typed letters
  // are spoken only when the resident asks.
  y += 88 + 24;
  const bool private_audio = fr.s.headphones();
  const bool on = private_audio ? fr.s.privacy() : fr.s.speak_letters();
  if (widgets::button(fr.ui, private_audio ? "speech.privacy" : "speech.letters",
                      fr.tr(private_audio ? "speech.privacy" : "speech.letters"), ImVec2(x0, y),
                      ImVec2(2 * w + 24, 88), Kind::kNormal, Role::kToggle, on)) {
    fr.act(private_audio ? Action::Kind::kTogglePrivacy : Action::Kind::kToggleSpeakLetters);
    fr.ui.frame.changed = true;
  }
  if (widgets::button(fr.ui, "speech.close", fr.tr("speech.close"),
                      ImVec2(box.x + size.x - kOverlayPadding - kOverlayButtonWidth,
                             box.y + size.y - kOverlayPadding - kOverlayButtonHeight),
                      ImVec2(kOverlayButtonWidth, kOverlayButtonHeight), Kind::kPrimary)) {
    fr.ui.kept.speech_panel_open = false;
    fr.ui.frame.changed = true;
  }
  ImGui::SetItemDefaultFocus();
}

// Leaving would delete an idea or votes not sent yet: ask, with staying as the main action.
void discard_question(Frame& fr) {
  const ImVec2 box = overlay_panel(fr), size = overlay_size(fr);
  float y = box.y + 32;
  y += widgets::text(fr.ui, "discard.title", fr.tr("discard.title"), ImVec2(box.x + kOverlayPadding, y),
                     size.x - 2 * kOverlayPadding, fr.f().heading, Role::kHeading) +
       20;
  widgets::text(
      fr.ui, "discard.text",
      fr.fmt("discard.text", {{"n", std::to_string(fr.s.vote_count())},
                              {"idea", fr.tr(fr.s.idea().empty() ? "discard.no_idea" : "discard.an_idea")}}),
      ImVec2(box.x + kOverlayPadding, y), size.x - 2 * kOverlayPadding, fr.f().body);
  const float bottom = box.y + size.y - kOverlayPadding - kOverlayButtonHeight,
              w = (size.x - 2 * kOverlayPadding - 24) / 2;
  if (widgets::button(fr.ui, "discard.leave", fr.tr("discard.leave"), ImVec2(box.x + kOverlayPadding, bottom),
                      ImVec2(w, kOverlayButtonHeight), Kind::kWarning)) {
    fr.act(Action::Kind::kConfirmDiscard);
  }
  if (widgets::button(fr.ui, "discard.stay", fr.tr("discard.stay"),
                      ImVec2(box.x + kOverlayPadding + w + 24, bottom), ImVec2(w, kOverlayButtonHeight),
                      Kind::kPrimary)) {
    fr.act(Action::Kind::kCancelDiscard);
  }
  widgets::main_action(fr.ui);
}

void idle_warning(Frame& fr) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 size(880, 400), box((fr.W() - size.x) / 2, (fr.H() - size.y) / 2);
  dl->AddRectFilled(box, ImVec2(box.x + size.x, box.y + size.y), widgets::color(fr.ui.theme.warning), 16.0f);
  widgets::text(fr.ui, "idle.text", fr.fmt("idle.text", {{"n", std::to_string(fr.s.seconds_until_reset())}}),
                ImVec2(box.x + 40, box.y + 40), size.x - 80, fr.f().heading, Role::kStatus,
                &fr.ui.theme.warning_text);
  if (widgets::button(fr.ui, "idle.more_time", fr.tr("idle.more_time"), ImVec2(box.x + 140, box.y + 240),
                      ImVec2(size.x - 280, 120), Kind::kPrimary)) {
    fr.act(Action::Kind::kMoreTime);
  }
  widgets::main_action(fr.ui);
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
  const bool in_corner = (left ? p.x < size : p.x > ui.canvas.width - size) &&
                         (top ? p.y < size : p.y > ui.canvas.height - size * 0.5f);
  if (!ImGui::IsMouseDown(0) || !in_corner) {
    ui.kept.gesture_fired = false;
    ui.kept.gesture_started_ms = 0;
    return;
  }
  if (ui.kept.gesture_fired) return;
  // Timed by the clock, not by frames: a busy machine draws fewer of them.
  if (ui.kept.gesture_started_ms == 0) ui.kept.gesture_started_ms = std::max<std::uint64_t>(1, ui.now_ms);
  ui.frame.changed = true;  // keep drawing while the press lasts, so that its end is seen
  if (ui.now_ms - ui.kept.gesture_started_ms >= static_cast<std::uint64_t>(kStaffGestureSeconds * 1000)) {
    ui.kept.gesture_fired = true;
    ui.frame.staff_actions.push_back(StaffAction{StaffAction::Kind::kGesture, {}});
  }
}
}  // namespace

std::vector<Action> draw_frame(const Session& s, UiContext& ui, const Staff* staff) {
  ui.frame.tree.clear();
  ui.frame.actions.clear();
  ui.frame.activated.clear();
  ui.frame.staff_actions.clear();
  ui.frame.changed = false;
  const ImGuiIO& io = ImGui::GetIO();
  ui.canvas.width = io.DisplaySize.x;
  ui.canvas.height = io.DisplaySize.y;
  // A question over the screen (delete what was not sent?) counts as a screen of its own: for the
  // tap guard and the keypad focus.
  const int shown = static_cast<int>(s.screen()) * 2 + (s.confirming_discard() ? 1 : 0);
  const bool new_screen = shown != ui.kept.last_shown;
  if (new_screen) {
    if (s.screen() != ui.kept.last_screen) {
      ui.kept.list_scroll = 0;
      ui.kept.scroll_requested = true;
      ui.kept.shift = false;
    }
    ui.kept.help_open = false;
    ui.kept.speech_panel_open = false;
    ui.kept.last_screen = s.screen();
    // The first screen the kiosk shows has no screen before it to guard against.
    ui.kept.screen_shown_ms = ui.kept.last_shown < 0 ? 0 : ui.now_ms;
    ui.kept.last_shown = shown;
    ui.kept.focus_main_action = true;
  }
  ui.frame.tap_guard = ui.now_ms < ui.kept.screen_shown_ms + kTapGuardMs;
  if (!s.speech()) ui.kept.speech_panel_open = false;
  ui.theme = s.high_contrast() ? high_contrast_theme() : default_theme();
  if (s.large_text()) ui.theme.text_scale = large_text_theme().text_scale;
  if (!ImGui::IsMouseDown(0) && !ImGui::IsMouseReleased(0)) ui.kept.drag_moved = false;

  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(ui.canvas.width, ui.canvas.height));
  ImGui::PushStyleColor(ImGuiCol_WindowBg,
                        ImVec4(ui.theme.background.r, ui.theme.background.g, ui.theme.background.b, 1));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
  ImGui::Begin("kiosk", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  // A new screen starts the keypad focus afresh: the items of the screen before are gone. The
  // screen's main action then takes it (widgets::main_action).
  if (new_screen) {
    ImGuiWindow* window = ImGui::GetCurrentWindow();
    window->NavLastIds[0] = 0;
    ImGui::FocusWindow(window);
    ImGui::GetCurrentContext()->NavId = 0;  // FocusWindow keeps it when the window had the focus
  }
  ImGui::PushFont(ui.font_set().body);
  Frame fr{s, ui};
  // Keys of their own: Escape is Back (or Finish where there is no way back), F1 is help.
  if (ImGui::IsKeyPressed(io.KeyMap[ImGuiKey_Escape], false)) {
    const bool finish = s.screen() == Screen::kThanks || s.screen() == Screen::kOutOfService;
    if (ui.kept.help_open || ui.kept.speech_panel_open)
      ui.kept.help_open = ui.kept.speech_panel_open = false;
    else
      fr.act(finish ? Action::Kind::kFinish : Action::Kind::kBack);
  }
  if (ImGui::IsKeyPressed(kHelpKey, false) && s.screen() != Screen::kAttract) {
    ui.kept.help_open = !ui.kept.help_open;
    ui.kept.speech_panel_open = false;
  }
  if (ImGui::IsKeyPressed(kSpeechKey, false) && ui.speech_available) {
    fr.act(s.speech() ? Action::Kind::kSpeechRepeat : Action::Kind::kToggleSpeech);
  }
  if (s.speech()) {
    if (ImGui::IsKeyPressed(kWhereKey, false)) fr.act(Action::Kind::kWhereAmI);
    if (ImGui::IsKeyPressed(kVolumeUpKey, false)) fr.act(Action::Kind::kSpeechLouder);
    if (ImGui::IsKeyPressed(kVolumeDownKey, false)) fr.act(Action::Kind::kSpeechQuieter);
  }

  ui.frame.drawn.view = std::string(screen_name(s.screen())) + (s.idle_warning()         ? "+warning"
                                                          : s.confirming_discard() ? "+discard"
                                                          : ui.kept.help_open           ? "+help"
                                                          : ui.kept.speech_panel_open   ? "+speech"
                                                                                   : "");
  // Each pair of a pairwise consultation is a view of its own: speech reads the new pair.
  if (s.screen() == Screen::kVote && s.consultation() && s.consultation()->voting == VotingMethod::kPairwise) {
    ui.frame.drawn.view += ":pair" + std::to_string(s.comparisons().size());
  }
  ui.frame.drawn.language = s.language();
  ui.frame.drawn.speech = s.speech();
  ui.frame.drawn.speech_repeats = s.speech_repeats();
  ui.frame.drawn.where_requests = s.where_requests();
  const bool staff_screen = staff && staff->screen() != StaffScreen::kClosed && !staff->transcribing();
  const bool locked = staff && staff->locked() && !staff_screen;
  if (staff && (locked || (s.screen() == Screen::kAttract && !staff_screen))) staff_gesture(ui);
  if (staff_screen) ui.frame.drawn.view = staff_screen_name(staff->screen());
  // While the idle warning is up, it is all there is: one thing to do, "more time".
  if (staff_screen) {
    draw_staff(*staff, ui, s.settings().default_language);
  } else if (locked) {
    draw_locked(ui, s.settings().default_language);
  } else if (s.idle_warning()) {
    idle_warning(fr);
  } else if (s.confirming_discard()) {
    title_bar(fr);
    discard_question(fr);
  } else if (ui.kept.help_open) {
    title_bar(fr);
    help_overlay(fr);
  } else if (ui.kept.speech_panel_open) {
    title_bar(fr);
    speech_panel(fr);
  } else {
    draw_screen(fr);
  }
  // Privacy: on headphones, the screen below the title bar is dark while speech runs (the
  // controls still work by touch and keypad, and speech still reads them).
  if (s.screen_hidden() && !staff_screen && !locked) {
    ImDrawList* dl = ImGui::GetForegroundDrawList();
    dl->AddRectFilled(ImVec2(0, kTopBar), ImVec2(fr.W(), fr.H()), IM_COL32(0, 0, 0, 255));
    const std::string note = fr.tr("speech.privacy_note");
    ImFont* font = fr.f().body;
    dl->AddText(font, font->FontSize, ImVec2(kMargin, kTopBar + 48), IM_COL32(255, 255, 255, 255), note.c_str(),
                nullptr, fr.content_w());
    ui.frame.tree.add(A11yNode{.id = "privacy.note",
                               .role = Role::kStatus,
                               .label = note,
                               .rect = Rect{kMargin, kTopBar + 48, fr.content_w(), widgets::text_height(note, fr.content_w(), font)}});
  }
  ImGui::PopFont();
  ImGui::End();
  ImGui::PopStyleVar(2);
  ImGui::PopStyleColor();
  return ui.frame.actions;
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

Canvas canvas_for(int width, int height) {
  Canvas c;
  if (width <= 0 || height <= 0) return c;
  const float w = static_cast<float>(width), h = static_cast<float>(height);
  c.scale = std::min(w / kDesignWidth, h / kDesignHeight);
  // Whole design pixels: ImGui rounds clip rectangles to them.
  c.width = std::floor(w / c.scale);
  c.height = std::floor(h / c.scale);
  return c;
}

}  // namespace civic::kiosk
