// Our input adapter's core: touch, mouse and keys become one queue of events in design pixels,
// applied to Dear ImGui one frame at a time. ImGui 1.86 reads input as a state per frame, so a
// tap whose press and release both arrive between two frames would be lost; the queue applies at
// most one button change per frame and asks for another frame while events remain.
#pragma once

#include <deque>
#include <string>

struct ImGuiIO;

namespace civic::kiosk {

struct InputEvent {
  enum class Type { kPointerMove, kPointerDown, kPointerUp, kKeyDown, kKeyUp, kText };
  Type type = Type::kPointerMove;
  float x = 0, y = 0;  // design pixels
  int key = 0;         // index into io.KeysDown (see kiosk/platform for the mapping)
  std::string text;    // UTF-8, for kText
};

class InputQueue {
 public:
  void push(InputEvent e) { events_.push_back(std::move(e)); }
  void tap(float x, float y);  // move, press, release
  // Feeds queued events into `io` for the next frame. Returns true while events remain.
  bool apply(ImGuiIO& io);
  bool empty() const { return events_.empty(); }

 private:
  std::deque<InputEvent> events_;
};

}  // namespace civic::kiosk
