#include "widgets.h"

#include <imgui_internal.h>  // SetFocusID: a new screen's keypad focus

#include <algorithm>

namespace civic::kiosk::widgets {

ImU32 color(const Rgb& c, float alpha) { return ImGui::GetColorU32(ImVec4(c.r, c.g, c.b, alpha)); }

namespace {
Rect rect_of(ImVec2 min, ImVec2 size) { return Rect{min.x, min.y, size.x, size.y}; }

// A position in the current window's content (as SetCursorPos takes it) on the screen: the window's
// corner, less how far it is scrolled. Buttons get this from ImGui's item layout; text and shapes
// that are drawn directly must use the same, or they stay put while a list scrolls.
ImVec2 screen_position(ImVec2 pos) {
  const ImVec2 origin = ImGui::GetWindowPos();
  return ImVec2(origin.x + pos.x - ImGui::GetScrollX(), origin.y + pos.y - ImGui::GetScrollY());
}

// Records a node with its visible part only (inside a scrolled list, rows can be cut off; ImGui
// does not let the hidden part be tapped either). Nothing is recorded for a node out of view.
void record(UiContext& ui, A11yNode node) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 cmin = dl->GetClipRectMin(), cmax = dl->GetClipRectMax();
  const float x0 = std::max(node.rect.x, cmin.x), y0 = std::max(node.rect.y, cmin.y);
  const float x1 = std::min(node.rect.x + node.rect.w, cmax.x), y1 = std::min(node.rect.y + node.rect.h, cmax.y);
  if (x1 <= x0 || y1 <= y0) return;
  node.clipped = x0 != node.rect.x || y0 != node.rect.y || x1 != node.rect.x + node.rect.w ||
                 y1 != node.rect.y + node.rect.h;
  node.rect = Rect{x0, y0, x1 - x0, y1 - y0};
  ui.frame.tree.add(std::move(node));
}
}  // namespace

float text_height(const std::string& s, float width, ImFont* font) {
  return font->CalcTextSizeA(font->FontSize, FLT_MAX, width, s.c_str()).y;
}

float text(UiContext& ui, const std::string& id, const std::string& s, ImVec2 pos, float width, ImFont* font,
           Role role, const Rgb* colour) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // Where a button at `pos` would be: inside a scrolled list, text moves with the rows' controls.
  const ImVec2 at = screen_position(pos);
  dl->AddText(font, font->FontSize, at, color(colour ? *colour : ui.theme.text), s.c_str(), nullptr, width);
  const float h = text_height(s, width, font);
  record(ui, A11yNode{.id = id, .role = role, .label = s, .rect = rect_of(at, ImVec2(width, h))});
  return h;
}

bool button(UiContext& ui, const std::string& id, const std::string& label, ImVec2 pos, ImVec2 size, Kind kind,
            Role role, bool selected, const std::string& context) {
  const Theme& t = ui.theme;
  Rgb fill = t.button, ink = t.button_text;
  if (kind == Kind::kPrimary) fill = t.primary, ink = t.primary_text;
  if (kind == Kind::kWarning) fill = t.warning, ink = t.warning_text;
  if (kind == Kind::kSelected || selected) fill = t.selected, ink = t.selected_text;

  ImGui::SetCursorPos(pos);
  ImGui::PushID(id.c_str());
  const bool pressed = ImGui::InvisibleButton("##b", size);
  const bool held = ImGui::IsItemActive();
  ImGui::PopID();
  const ImVec2 min = ImGui::GetItemRectMin();
  const ImVec2 max = ImGui::GetItemRectMax();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(min, max, color(held ? t.button_pressed : fill), 12.0f);
  if (kind == Kind::kNormal && !selected) dl->AddRect(min, max, color(t.button_border), 12.0f, 0, 2.5f);
  if (ImGui::IsItemFocused() && ImGui::GetIO().NavVisible) {
    dl->AddRect(ImVec2(min.x - 5, min.y - 5), ImVec2(max.x + 5, max.y + 5), color(t.focus), 14.0f, 0, 5.0f);
  }
  // A chosen toggle shows a drawn check mark as well as its colour: colour alone must not carry
  // meaning (and Noto Sans has no check-mark glyph).
  const bool check = selected && role == Role::kToggle;
  // The label in the body font of the text size chosen; where it does not fit (a fixed-size
  // button in the title bar, a long word in another language), a smaller font that does.
  ImFont* font = nullptr;
  float mark = 0, wrap = 0;
  ImVec2 text_size;
  for (ImFont* candidate : {ui.font_set().body, ui.fonts.normal.body, ui.fonts.normal.small}) {
    font = candidate;
    mark = check ? font->FontSize * 0.9f : 0.0f;
    wrap = size.x - 24 - mark;
    text_size = font->CalcTextSizeA(font->FontSize, FLT_MAX, wrap, label.c_str());
    if (text_size.x <= wrap + 1 && text_size.y <= size.y - 4) break;
  }
  const float left = min.x + (size.x - text_size.x - mark) / 2;
  const float top = min.y + (size.y - text_size.y) / 2;
  if (check) {
    const float h = font->FontSize * 0.5f, cy = min.y + size.y / 2;
    const ImVec2 pts[3] = {ImVec2(left, cy), ImVec2(left + h * 0.55f, cy + h * 0.5f), ImVec2(left + h * 1.3f, cy - h * 0.6f)};
    dl->AddPolyline(pts, 3, color(ink), 0, 4.0f);
  }
  dl->AddText(font, font->FontSize, ImVec2(left + mark, top), color(held ? t.button_text : ink), label.c_str(),
              nullptr, wrap);
  // Focused means the keypad focus, shown with its ring; a tap also gives ImGui's focus, unseen.
  const bool focused = ImGui::IsItemFocused() && ImGui::GetIO().NavVisible;
  record(ui, A11yNode{.id = id,
                      .role = role,
                      .label = label,
                      .selected = selected,
                      .focused = focused,
                      .rect = rect_of(min, size),
                      .context = context,
                      .overflows = text_size.x > wrap + 1 || text_size.y > size.y - 4});
  // A press by the keypad (Enter, Space) is never guarded; a tap right after the screen changed is.
  const bool by_pointer = ImGui::IsMouseReleased(0) || ImGui::IsMouseClicked(0);
  const bool tapped = pressed && !ui.kept.drag_moved && !(ui.frame.tap_guard && by_pointer);
  if (tapped) ui.frame.activated.push_back(id);
  return tapped;
}

void main_action(UiContext& ui) {
  if (!ui.kept.focus_main_action) return;
  ui.kept.focus_main_action = false;
  ImGui::SetFocusID(ImGui::GetItemID(), ImGui::GetCurrentWindow());
  ImGui::SetItemDefaultFocus();
}

}  // namespace civic::kiosk::widgets
