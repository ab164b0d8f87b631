#include "input.h"

#include <imgui.h>

namespace civic::kiosk {

void InputQueue::tap(float x, float y) {
  push({InputEvent::Type::kPointerMove, x, y, 0, {}});
  push({InputEvent::Type::kPointerDown, x, y, 0, {}});
  push({InputEvent::Type::kPointerUp, x, y, 0, {}});
}

bool InputQueue::apply(ImGuiIO& io) {
  bool button_changed = false, key_changed = false, moved = false;
  while (!events_.empty()) {
    const InputEvent& e = events_.front();
    const bool is_button = e.type == InputEvent::Type::kPointerDown || e.type == InputEvent::Type::kPointerUp;
    const bool is_key = e.type == InputEvent::Type::kKeyDown || e.type == InputEvent::Type::kKeyUp;
    if ((is_button && button_changed) || (is_key && key_changed)) break;  // next frame
    // A press or release after the pointer moved: let ImGui see the move first, or a drag
    // would end before it was seen.
    if (is_button && moved && io.MouseDown[0] == (e.type == InputEvent::Type::kPointerUp)) break;
    // A move after a press in this frame would make the press land elsewhere: wait a frame.
    if (e.type == InputEvent::Type::kPointerMove && button_changed) break;
    switch (e.type) {
      case InputEvent::Type::kPointerMove:
        io.MousePos = ImVec2(e.x, e.y);
        moved = true;
        break;
      case InputEvent::Type::kPointerDown:
        io.MousePos = ImVec2(e.x, e.y);
        io.MouseDown[0] = true;
        button_changed = true;
        break;
      case InputEvent::Type::kPointerUp:
        io.MousePos = ImVec2(e.x, e.y);
        io.MouseDown[0] = false;
        button_changed = true;
        break;
      case InputEvent::Type::kKeyDown:
      case InputEvent::Type::kKeyUp:
        if (e.key >= 0 && e.key < static_cast<int>(IM_ARRAYSIZE(io.KeysDown))) {
          io.KeysDown[e.key] = e.type == InputEvent::Type::kKeyDown;
        }
        key_changed = true;
        break;
      case InputEvent::Type::kText: io.AddInputCharactersUTF8(e.text.c_str()); break;
    }
    events_.pop_front();
  }
  return !events_.empty();
}

}  // namespace civic::kiosk
