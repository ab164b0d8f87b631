// The SDL2 window, OpenGL context and Dear ImGui renderer, and the translation of SDL input
// (mouse, touch, keys, text) into our input queue in design pixels. Nothing else touches SDL.
#pragma once

#include <SDL.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/ui/input.h"
#include "kiosk/ui/ui.h"
#include "sync/common/result.h"

namespace civic::kiosk {

struct WindowOptions {
  int width = 1280;
  int height = 800;
  int display = 0;
  bool fullscreen = true;
};

class Window {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Window>> open(const WindowOptions& options);
  ~Window();

  // Waits up to `timeout_ms` (-1: forever) for events and queues them. Returns false when the
  // kiosk should quit (SIGTERM from systemd, window closed).
  bool wait_and_translate(int timeout_ms, InputQueue& input);
  // Sound outputs plugged in (`which`: SDL's device index) or unplugged (`which`: the opened
  // device's id) since the last call.
  struct AudioDeviceChange {
    bool added = false;
    std::uint32_t which = 0;
  };
  std::vector<AudioDeviceChange> take_audio_changes();
  void begin_frame();  // renderer's new frame; sets ImGui's display size to the canvas
  // After fonts were added to the atlas: uploads it again. The atlas's pixels are freed once they
  // are on the GPU (16 MiB of RGBA that would otherwise stay in the kiosk's memory).
  void upload_fonts();
  // The canvas the screens lay out into, for the window's present size.
  Canvas canvas() const;
  // The window's size in pixels (for the kiosk's health report).
  int pixel_width() const { return width_; }
  int pixel_height() const { return height_; }
  // Renders ImGui's draw data and swaps; with a path, first saves the frame there as a binary
  // PPM (for tests and bug reports).
  [[nodiscard]] Status end_frame(const std::string& screenshot_path = {});

 private:
  Window() = default;
  void to_design(float wx, float wy, float& dx, float& dy) const;
  Status save_back_buffer(const std::string& path) const;

  SDL_Window* window_ = nullptr;
  SDL_GLContext gl_ = nullptr;
  int width_ = 0, height_ = 0;
  Uint64 last_frame_ = 0;
  std::vector<AudioDeviceChange> audio_changes_;
};

}  // namespace civic::kiosk
