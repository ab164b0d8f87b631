// Touch widgets drawn at absolute positions in design pixels. Each records an accessibility node
// and returns whether it was tapped.
#pragma once

#include <imgui.h>

#include <string>

#include "ui.h"

namespace civic::kiosk::widgets {

enum class Kind { kNormal, kPrimary, kSelected, kWarning };

// The minimum touch target (EN 301 549 / WCAG 2.5.8 ask for 44 px; we use more).
inline constexpr float kMinTarget = 64.0f;

ImU32 color(const Rgb& c, float alpha = 1.0f);

// A large button with a wrapped label. Tapping a button after dragging a list does nothing.
// `context` names what the button acts on (spoken with it). While ui.frame.tap_guard is set, taps are
// ignored (keypad activation still works).
bool button(UiContext& ui, const std::string& id, const std::string& label, ImVec2 pos, ImVec2 size,
            Kind kind = Kind::kNormal, Role role = Role::kButton, bool selected = false,
            const std::string& context = {});

// Makes the button just drawn the keypad focus when a new screen starts (its main action).
void main_action(UiContext& ui);

// Text wrapped to `width`, at `pos`; returns the height used. Recorded as one text node.
float text(UiContext& ui, const std::string& id, const std::string& s, ImVec2 pos, float width, ImFont* font,
           Role role = Role::kText, const Rgb* colour = nullptr);

// The vertical space `s` takes when wrapped to `width` in `font`.
float text_height(const std::string& s, float width, ImFont* font);

}  // namespace civic::kiosk::widgets
