// Staff mode's screens: PIN pad, menu, health, town-hall event, paper cards, drives, operations,
// and the out-of-service screen residents see while the kiosk is locked. Counts only: nothing a
// resident wrote is ever shown here.
#include <imgui.h>

#include "sync/common/human.h"
#include "widgets.h"

namespace civic::kiosk {

namespace {

using widgets::Kind;
using K = StaffAction::Kind;

constexpr float kMargin = 48;

struct StaffFrame {
  const Staff& staff;
  UiContext& ui;
  const std::string& language;
  const std::string& tr(const std::string& key) const { return ui.strings->text(language, key); }
  std::string fmt(const std::string& key, const std::map<std::string, std::string>& args) const {
    return ui.strings->format(language, key, args);
  }
  void act(K kind, std::string value = {}) {
    ui.frame.staff_actions.push_back(StaffAction{kind, std::move(value)});
  }
  const FontSet& f() const { return ui.font_set(); }
  float text(const std::string& id, const std::string& s, float x, float y, ImFont* font,
             Role role = Role::kText, float width = kDesignWidth - 2 * kMargin) {
    return widgets::text(ui, id, s, ImVec2(x, y), width, font, role);
  }
  bool button(const std::string& id, const std::string& key, float x, float y, float w, float h,
              Kind kind = Kind::kNormal) {
    return widgets::button(ui, id, tr(key), ImVec2(x, y), ImVec2(w, h), kind);
  }
};

void header(StaffFrame& fr, const std::string& title_key) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(0, 0), ImVec2(kDesignWidth, 96), widgets::color(fr.ui.theme.warning));
  widgets::text(fr.ui, "staff.banner", fr.tr("staff.banner") + " — " + fr.tr(title_key), ImVec2(kMargin, 28),
                kDesignWidth - 2 * kMargin, fr.ui.fonts.normal.heading, Role::kHeading,
                &fr.ui.theme.warning_text);
}

void message(StaffFrame& fr, float y) {
  if (fr.staff.message().empty()) return;
  fr.text("staff.message", fr.fmt(fr.staff.message(), {{"n", fr.staff.message_arg()}}), kMargin, y,
          fr.f().body, Role::kStatus);
}

// Screens with the number pad keep text in the columns beside it: instructions on the left,
// messages (a wrong PIN, a lock-out, a refused number) on the right. Nothing covers the pad.
constexpr float kPadLeft = 420, kPadTop = 230, kPadKeyWidth = 140, kPadKeyHeight = 90, kPadGap = 14;
constexpr float kPadRight = kPadLeft + 3 * kPadKeyWidth + 2 * kPadGap;
void beside_pad(StaffFrame& fr, const std::string& id, const std::string& text, bool left, Role role) {
  const float x = left ? kMargin : kPadRight + 32;
  const float width = left ? kPadLeft - kMargin - 32 : kDesignWidth - kMargin - x;
  fr.text(id, text, x, kPadTop - 100, fr.f().body, role, width);
}
void pad_message(StaffFrame& fr) {
  if (fr.staff.message().empty()) return;
  beside_pad(fr, "staff.message", fr.fmt(fr.staff.message(), {{"n", fr.staff.message_arg()}}), false,
             Role::kStatus);
}

void back_button(StaffFrame& fr, bool enabled = true) {
  if (enabled && fr.button("staff.back", "staff.back", kMargin, 800 - 112 + 16, 260, 80)) fr.act(K::kCancel);
}

// A number pad: digits, delete and confirm, with `shown` above it.
void number_pad(StaffFrame& fr, const std::string& shown, const std::string& confirm_key) {
  const float x0 = kPadLeft, y0 = kPadTop, w = kPadKeyWidth, h = kPadKeyHeight, gap = kPadGap;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(x0, y0 - 100), ImVec2(x0 + 3 * w + 2 * gap, y0 - 20),
                    widgets::color(fr.ui.theme.button), 8);
  dl->AddRect(ImVec2(x0, y0 - 100), ImVec2(x0 + 3 * w + 2 * gap, y0 - 20),
              widgets::color(fr.ui.theme.button_border), 8, 0, 2.5f);
  fr.text("staff.entry", shown, x0 + 20, y0 - 82, fr.f().heading, Role::kTextField, 3 * w);
  const char* keys[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};
  for (int i = 0; i < 9; ++i) {
    const int row = i / 3, column = i % 3;
    const float x = x0 + static_cast<float>(column) * (w + gap), y = y0 + static_cast<float>(row) * (h + gap);
    if (widgets::button(fr.ui, std::string("staff.digit.") + keys[i], keys[i], ImVec2(x, y), ImVec2(w, h),
                        Kind::kNormal, Role::kKey)) {
      fr.act(K::kDigit, keys[i]);
    }
  }
  const float y = y0 + 3 * (h + gap);
  if (fr.button("staff.delete", "staff.delete", x0, y, w, h)) fr.act(K::kDeleteDigit);
  if (widgets::button(fr.ui, "staff.digit.0", "0", ImVec2(x0 + w + gap, y), ImVec2(w, h), Kind::kNormal,
                      Role::kKey)) {
    fr.act(K::kDigit, "0");
  }
  if (fr.button("staff.confirm", confirm_key, x0 + 2 * (w + gap), y, w, h, Kind::kPrimary))
    fr.act(K::kConfirm);
}

// A number to enter (headcount, card number): title, what it is for, the pad.
void number_screen(StaffFrame& fr, const char* title_key, const char* help_key, const char* confirm_key) {
  header(fr, title_key);
  beside_pad(fr, help_key, fr.tr(help_key), true, Role::kText);
  number_pad(fr, fr.staff.number(), confirm_key);
  pad_message(fr);
  back_button(fr);
}

void pin(StaffFrame& fr, bool leaving) {
  header(fr, leaving ? "staff.exit_title" : "staff.pin_title");
  number_pad(fr, std::string(fr.staff.digits_entered(), '*'), "staff.ok");
  pad_message(fr);
  if (fr.button("staff.cancel", leaving ? "staff.back" : "staff.cancel", kMargin, 800 - 112 + 16, 260, 80)) {
    fr.act(K::kCancel);
  }
}

void menu(StaffFrame& fr) {
  header(fr, "staff.menu_title");
  const auto& e = fr.staff.event();
  fr.text("staff.event_status", e ? fr.fmt("staff.event_open", {{"n", e->name}}) : fr.tr("staff.no_event"),
          kMargin, 120, fr.f().body, Role::kStatus);
  struct Item {
    const char* id;
    const char* key;
    K kind;
    const char* value;
  };
  const Item items[] = {{"staff.health", "staff.health", K::kShow, "health"},
                        {"staff.sync", "staff.sync_now", K::kSyncNow, ""},
                        {"staff.export", "staff.export", K::kShow, "drives-export"},
                        {"staff.import", "staff.import", K::kShow, "drives-import"},
                        {"staff.event", "staff.event", K::kShow, "event"},
                        {"staff.paper", "staff.paper", K::kShow, "paper"},
                        {"staff.lock", "staff.lock", K::kLock, ""},
                        {"staff.exit", "staff.exit", K::kExit, ""}};
  const float w = (kDesignWidth - 2 * kMargin - 24) / 2, h = 96;
  for (int i = 0; i < 8; ++i) {
    const int row = i / 2, column = i % 2;
    const float x = kMargin + static_cast<float>(column) * (w + 24), y = 180 + static_cast<float>(row) * (h + 24);
    if (fr.button(items[i].id, items[i].key, x, y, w, h)) fr.act(items[i].kind, items[i].value);
  }
}

void health(StaffFrame& fr) {
  header(fr, "staff.health");
  const HealthInfo& h = fr.staff.health();
  const auto age = [](std::optional<std::uint64_t> at) {
    if (!at) return std::string("-");
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f h", static_cast<double>(now - std::min(now, *at)) / 3600.0);
    return std::string(buf);
  };
  const std::pair<const char*, std::string> rows[] = {
      {"staff.h_kiosk", h.kiosk_id},
      {"staff.h_key", h.key_fingerprint},
      {"staff.h_hub", h.hub_url.empty() ? "-" : h.hub_url},
      {"staff.h_pending", std::to_string(h.unsent) + " (" + std::to_string(h.unacknowledged_batches) + ")"},
      {"staff.h_oldest", age(h.oldest_unsent_at)},
      {"staff.h_last_sync",
       format_utc(h.last_sync_at) + " — " + (h.last_sync_result.empty() ? "-" : h.last_sync_result)},
      {"staff.h_last_success", format_utc(h.last_success_at)},
      {"staff.h_content",
       h.content_version ? std::to_string(h.content_version) + " (" + format_utc(h.content_expires_at) + ")"
                         : "-"},
      {"staff.h_disk", std::to_string(h.free_disk_bytes / (1024 * 1024)) + " MiB"},
      {"staff.h_integrity", h.integrity},
      {"staff.h_speech", h.speech.empty() ? "-" : h.speech},
      {"staff.h_log", h.hub_log.empty() ? "-" : h.hub_log},
  };
  float y = 120;
  for (const auto& [key, value] : rows) {
    // A long line (a refusal's reason) wraps and pushes the rows below it down.
    const float height = fr.text(std::string(key), fr.tr(key) + ": " + value, kMargin, y, fr.f().body, Role::kText);
    y += std::max(42.0F, height + 12);
  }
  back_button(fr);
}

// Letters for the event's name and place, from the kiosk's keyboard layout.
void text_keyboard(StaffFrame& fr, float y) {
  const float key_w = 82, key_h = 56, gap = 8;
  for (const auto& row : fr.ui.strings->keyboard(fr.language).rows) {
    float x = kMargin;
    for (const auto& key : row) {
      if (widgets::button(fr.ui, "staff.key." + key, key, ImVec2(x, y), ImVec2(key_w, key_h), Kind::kNormal,
                          Role::kKey)) {
        fr.act(K::kTypeText, key);
      }
      x += key_w + gap;
    }
    y += key_h + gap;
  }
  const float side_x = kMargin + 11 * (key_w + gap), side_w = kDesignWidth - kMargin - side_x;
  const float top = y - 5 * (key_h + gap);
  if (fr.button("staff.key.space", "key.space", side_x, top, side_w, key_h)) fr.act(K::kTypeText, " ");
  if (fr.button("staff.key.backspace", "key.backspace", side_x, top + key_h + gap, side_w, key_h))
    fr.act(K::kBackspace);
}

void event(StaffFrame& fr) {
  header(fr, "staff.event");
  const auto& e = fr.staff.event();
  if (e) {
    float y = 130;
    y += fr.text("staff.event_name", fr.fmt("staff.event_open", {{"n", e->name}}), kMargin, y, fr.f().heading,
                 Role::kHeading) +
         16;
    y += fr.text("staff.event_place", e->place + " — " + e->date + " — " + e->id, kMargin, y, fr.f().body) +
         16;
    fr.text("staff.event_counts",
            fr.fmt("staff.event_counts", {{"town", std::to_string(e->town_hall_records)},
                                          {"paper", std::to_string(e->paper_records)}}),
            kMargin, y, fr.f().body, Role::kStatus);
    if (fr.button("staff.close_event", "staff.close_event", kDesignWidth - kMargin - 400, 800 - 112 + 16, 400,
                  80, Kind::kPrimary)) {
      fr.act(K::kCloseEvent);
    }
    back_button(fr);
    return;
  }
  float y = 120;
  if (const auto& closed = fr.staff.last_closed()) {
    const std::uint64_t took_part = closed->town_hall_records + closed->paper_records;
    std::string summary =
        fr.fmt("staff.event_closed", {{"name", closed->name}, {"n", std::to_string(took_part)}});
    if (closed->headcount > 0) {
      summary +=
          " " + fr.fmt("staff.event_share", {{"n", std::to_string(took_part)},
                                             {"total", std::to_string(closed->headcount)},
                                             {"pct", std::to_string(100 * took_part / closed->headcount)}});
    }
    y += fr.text("staff.event_summary", summary, kMargin, y, fr.f().body, Role::kStatus) + 12;
  }
  for (int i = 0; i < 2; ++i) {
    const std::string id = i == 0 ? "staff.event_name_field" : "staff.event_place_field";
    const std::string label = fr.tr(i == 0 ? "staff.event_name" : "staff.event_place") + ": " +
                              fr.staff.field(i) + (fr.staff.field_index() == i ? "|" : "");
    if (widgets::button(fr.ui, id, label, ImVec2(kMargin, y), ImVec2(kDesignWidth - 2 * kMargin - 320, 64),
                        Kind::kNormal, Role::kTextField, fr.staff.field_index() == i) &&
        fr.staff.field_index() != i) {
      fr.act(K::kNextField);
    }
    y += 76;
  }
  if (fr.button("staff.start_event", "staff.start_event", kDesignWidth - kMargin - 300, 120, 300, 140,
                Kind::kPrimary)) {
    fr.act(K::kStartEvent);
  }
  message(fr, y);
  text_keyboard(fr, y + 44);
  back_button(fr);
}

void drives(StaffFrame& fr) {
  header(fr, fr.staff.exporting() ? "staff.export" : "staff.import");
  float y = 130;
  if (fr.staff.drives().empty()) {
    fr.text("staff.no_drive", fr.tr("staff.no_drive"), kMargin, y, fr.f().body, Role::kStatus);
  }
  for (const auto& d : fr.staff.drives()) {
    if (widgets::button(fr.ui, "staff.drive." + d, d, ImVec2(kMargin, y),
                        ImVec2(kDesignWidth - 2 * kMargin, 88))) {
      fr.act(K::kChooseDrive, d);
    }
    y += 104;
  }
  back_button(fr);
}

void operation(StaffFrame& fr) {
  header(fr, fr.staff.operation_title());
  float y = 140;
  const auto exit = fr.staff.operation_exit();
  const std::string state = fr.staff.operation_running() ? fr.tr("staff.running")
                            : exit == 0
                                ? fr.tr("staff.done")
                                : fr.fmt("staff.failed_exit", {{"n", std::to_string(exit.value_or(-1))}});
  y += fr.text("staff.operation_state", state, kMargin, y, fr.f().heading, Role::kStatus) + 24;
  fr.text("staff.operation_line", fr.staff.operation_line(), kMargin, y, fr.f().body, Role::kStatus);
  back_button(fr, !fr.staff.operation_running());
  // A running operation can be stopped (a drive that hangs, a network that never answers).
  if (fr.staff.operation_running() && fr.button("staff.stop", "staff.stop", kMargin, 800 - 112 + 16, 260, 80))
    fr.act(K::kCancel);
}

}  // namespace

void draw_staff(const Staff& staff, UiContext& ui, const std::string& language) {
  StaffFrame fr{staff, ui, language};
  switch (staff.screen()) {
    case StaffScreen::kClosed: break;
    case StaffScreen::kPin: pin(fr, false); break;
    case StaffScreen::kExitPin: pin(fr, true); break;
    case StaffScreen::kMenu: menu(fr); break;
    case StaffScreen::kHealth: health(fr); break;
    case StaffScreen::kEvent: event(fr); break;
    case StaffScreen::kHeadcount:
      number_screen(fr, "staff.headcount", "staff.headcount_help", "staff.close_event");
      break;
    case StaffScreen::kPaperCard:
      number_screen(fr, "staff.paper", "staff.paper_help", "staff.transcribe");
      break;
    case StaffScreen::kDrives: drives(fr); break;
    case StaffScreen::kOperation: operation(fr); break;
  }
}

namespace {
// A title and a line of text in the kiosk's language, then in the next language it offers, from
// `y`; returns the y below them.
float bilingual_notice(UiContext& ui, const std::string& language, const std::string& id,
                       const char* title_key, const char* text_key, float y) {
  std::vector<std::string> languages{language};
  for (const auto& other : ui.strings->offered()) {
    if (other != language && languages.size() < 2) languages.push_back(other);
  }
  for (const std::string& lang : languages) {
    y += widgets::text(ui, id + ".title." + lang, ui.strings->text(lang, title_key), ImVec2(kMargin, y),
                       kDesignWidth - 2 * kMargin, ui.font_set().heading, Role::kHeading) +
         16;
    ui.frame.tree.set_last_language(lang);
    y += widgets::text(ui, id + ".text." + lang, ui.strings->text(lang, text_key), ImVec2(kMargin, y),
                       kDesignWidth - 2 * kMargin, ui.font_set().body) +
         40;
    ui.frame.tree.set_last_language(lang);
  }
  return y;
}
}  // namespace

void draw_locked(UiContext& ui, const std::string& language) {
  bilingual_notice(ui, language, "locked", "staff.locked_title", "staff.locked_text", 260);
}

void draw_not_set_up(UiContext& ui, const std::string& language, const std::string& detail) {
  ui.frame.tree.clear();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(kDesignWidth, kDesignHeight));
  ImGui::PushStyleColor(ImGuiCol_WindowBg,
                        ImVec4(ui.theme.background.r, ui.theme.background.g, ui.theme.background.b, 1));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::Begin("not-set-up", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoScrollWithMouse);
  const float y = bilingual_notice(ui, language, "setup", "setup.title", "staff.locked_text", 200);
  widgets::text(ui, "setup.detail", detail, ImVec2(kMargin, y + 40), kDesignWidth - 2 * kMargin,
                ui.font_set().small, Role::kStatus, &ui.theme.muted_text);
  ImGui::End();
  ImGui::PopStyleVar();
  ImGui::PopStyleColor();
}

}  // namespace civic::kiosk
