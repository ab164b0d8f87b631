#include "window.h"

#include <algorithm>

#include <SDL_opengl.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "kiosk/ui/ui.h"
#include "sync/files/files.h"

namespace civic::kiosk {

namespace {
// io.KeysDown indices: SDL scancodes, which all fit in ImGui's 512 entries.
void map_keys(ImGuiIO& io) {
  io.KeyMap[ImGuiKey_Tab] = SDL_SCANCODE_TAB;
  io.KeyMap[ImGuiKey_LeftArrow] = SDL_SCANCODE_LEFT;
  io.KeyMap[ImGuiKey_RightArrow] = SDL_SCANCODE_RIGHT;
  io.KeyMap[ImGuiKey_UpArrow] = SDL_SCANCODE_UP;
  io.KeyMap[ImGuiKey_DownArrow] = SDL_SCANCODE_DOWN;
  io.KeyMap[ImGuiKey_PageUp] = SDL_SCANCODE_PAGEUP;
  io.KeyMap[ImGuiKey_PageDown] = SDL_SCANCODE_PAGEDOWN;
  io.KeyMap[ImGuiKey_Home] = SDL_SCANCODE_HOME;
  io.KeyMap[ImGuiKey_End] = SDL_SCANCODE_END;
  io.KeyMap[ImGuiKey_Backspace] = SDL_SCANCODE_BACKSPACE;
  io.KeyMap[ImGuiKey_Space] = SDL_SCANCODE_SPACE;
  io.KeyMap[ImGuiKey_Enter] = SDL_SCANCODE_RETURN;
  io.KeyMap[ImGuiKey_Escape] = SDL_SCANCODE_ESCAPE;
  io.KeyMap[ImGuiKey_KeyPadEnter] = SDL_SCANCODE_KP_ENTER;
}
}  // namespace

Result<std::unique_ptr<Window>> Window::open(const WindowOptions& o) {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
    return make_error(ErrorCode::kUnavailable,
                      std::string("cannot start the display: ") + SDL_GetError() +
                          " (is a graphical session running? DISPLAY or WAYLAND_DISPLAY set?)");
  }
  SDL_SetHint(SDL_HINT_TOUCH_MOUSE_EVENTS, "0");  // we handle fingers ourselves: no doubled taps
  SDL_SetHint(SDL_HINT_MOUSE_TOUCH_EVENTS, "0");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  std::unique_ptr<Window> w(new Window());
  Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_SHOWN;
  if (o.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
  w->window_ = SDL_CreateWindow("civic-kiosk", SDL_WINDOWPOS_CENTERED_DISPLAY(o.display),
                                SDL_WINDOWPOS_CENTERED_DISPLAY(o.display), o.width, o.height, flags);
  if (!w->window_)
    return make_error(ErrorCode::kUnavailable, std::string("cannot open the window: ") + SDL_GetError());
  w->gl_ = SDL_GL_CreateContext(w->window_);
  if (!w->gl_)
    return make_error(ErrorCode::kUnavailable, std::string("no OpenGL 3 context: ") + SDL_GetError());
  SDL_GL_MakeCurrent(w->window_, w->gl_);
  SDL_GL_SetSwapInterval(1);
  SDL_ShowCursor(SDL_DISABLE);
  SDL_StartTextInput();
  ImGuiIO& io = ImGui::GetIO();
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  map_keys(io);
  if (!ImGui_ImplOpenGL3_Init("#version 130")) {
    return make_error(ErrorCode::kUnavailable, "the OpenGL renderer could not start");
  }
  SDL_GetWindowSize(w->window_, &w->width_, &w->height_);
  return w;
}

Window::~Window() {
  if (gl_) ImGui_ImplOpenGL3_Shutdown();
  if (gl_) SDL_GL_DeleteContext(gl_);
  if (window_) SDL_DestroyWindow(window_);
  SDL_Quit();
}

Canvas Window::canvas() const { return canvas_for(width_, height_); }

void Window::to_design(float wx, float wy, float& dx, float& dy) const {
  const float scale = canvas().scale;
  dx = wx / scale;
  dy = wy / scale;
}

bool Window::wait_and_translate(int timeout_ms, InputQueue& input) {
  SDL_Event e;
  if (!SDL_WaitEventTimeout(&e, timeout_ms)) return true;  // time-out: nothing happened
  do {
    float x = 0, y = 0;
    switch (e.type) {
      case SDL_QUIT: return false;
      case SDL_WINDOWEVENT:
        if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) SDL_GetWindowSize(window_, &width_, &height_);
        input.push({InputEvent::Type::kPointerMove, -1, -1, 0, {}});  // any window change: redraw
        break;
      case SDL_MOUSEMOTION:
        if (e.motion.which == SDL_TOUCH_MOUSEID) break;
        to_design(static_cast<float>(e.motion.x), static_cast<float>(e.motion.y), x, y);
        input.push({InputEvent::Type::kPointerMove, x, y, 0, {}});
        break;
      case SDL_MOUSEBUTTONDOWN:
      case SDL_MOUSEBUTTONUP:
        if (e.button.which == SDL_TOUCH_MOUSEID || e.button.button != SDL_BUTTON_LEFT) break;
        to_design(static_cast<float>(e.button.x), static_cast<float>(e.button.y), x, y);
        input.push({InputEvent::Type::kPointerMove, x, y, 0, {}});
        input.push(
            {e.type == SDL_MOUSEBUTTONDOWN ? InputEvent::Type::kPointerDown : InputEvent::Type::kPointerUp,
             x,
             y,
             0,
             {}});
        break;
      case SDL_FINGERDOWN:
      case SDL_FINGERUP:
      case SDL_FINGERMOTION: {
        // Finger coordinates are 0..1 of the touch device, mapped to the whole window.
        x = e.tfinger.x * canvas().width;
        y = e.tfinger.y * canvas().height;
        input.push({InputEvent::Type::kPointerMove, x, y, 0, {}});
        if (e.type == SDL_FINGERDOWN) input.push({InputEvent::Type::kPointerDown, x, y, 0, {}});
        if (e.type == SDL_FINGERUP) input.push({InputEvent::Type::kPointerUp, x, y, 0, {}});
        break;
      }
      case SDL_KEYDOWN:
      case SDL_KEYUP: {
        // Enter on a keypad activates like Space (ImGui 1.86 activates with Space).
        SDL_Scancode code = e.key.keysym.scancode;
        if (code == SDL_SCANCODE_RETURN || code == SDL_SCANCODE_KP_ENTER) code = SDL_SCANCODE_SPACE;
        if (code == SDL_SCANCODE_HELP) code = SDL_SCANCODE_F1;  // a keypad's Help key is help
        input.push({e.type == SDL_KEYDOWN ? InputEvent::Type::kKeyDown : InputEvent::Type::kKeyUp,
                    0,
                    0,
                    static_cast<int>(code),
                    {}});
        break;
      }
      case SDL_TEXTINPUT: input.push({InputEvent::Type::kText, 0, 0, 0, e.text.text}); break;
      case SDL_AUDIODEVICEADDED:
      case SDL_AUDIODEVICEREMOVED:
        if (e.adevice.iscapture == 0) {
          audio_changes_.push_back({e.type == SDL_AUDIODEVICEADDED, e.adevice.which});
          input.push({InputEvent::Type::kPointerMove, -1, -1, 0, {}});  // a frame: speech may change
        }
        break;
      default: break;
    }
  } while (SDL_PollEvent(&e));
  return true;
}

std::vector<Window::AudioDeviceChange> Window::take_audio_changes() {
  return std::exchange(audio_changes_, {});
}

void Window::upload_fonts() {
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  ImGui::GetIO().Fonts->ClearTexData();
}

void Window::begin_frame() {
  ImGui_ImplOpenGL3_NewFrame();  // the first one uploads the font atlas
  ImGui::GetIO().Fonts->ClearTexData();
  ImGuiIO& io = ImGui::GetIO();
  // Real time between frames (the kiosk sleeps when idle: cap what one frame can see elapse).
  const Uint64 now = SDL_GetPerformanceCounter();
  if (last_frame_ != 0) {
    const double seconds =
        static_cast<double>(now - last_frame_) / static_cast<double>(SDL_GetPerformanceFrequency());
    io.DeltaTime = static_cast<float>(std::clamp(seconds, 0.001, 0.1));
  }
  last_frame_ = now;
  int dw = 0, dh = 0;
  SDL_GL_GetDrawableSize(window_, &dw, &dh);
  // One scale for both axes: the screens lay out into the canvas, never stretched.
  const Canvas c = canvas();
  io.DisplaySize = ImVec2(c.width, c.height);
  io.DisplayFramebufferScale = ImVec2(static_cast<float>(dw) / c.width, static_cast<float>(dh) / c.height);
}

Status Window::end_frame(const std::string& screenshot_path) {
  ImGuiIO& io = ImGui::GetIO();
  glViewport(0, 0, static_cast<int>(io.DisplaySize.x * io.DisplayFramebufferScale.x),
             static_cast<int>(io.DisplaySize.y * io.DisplayFramebufferScale.y));
  glClearColor(0, 0, 0, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  Status saved;
  if (!screenshot_path.empty()) saved = save_back_buffer(screenshot_path);
  SDL_GL_SwapWindow(window_);
  return saved;
}

Status Window::save_back_buffer(const std::string& path) const {
  int w = 0, h = 0;
  SDL_GL_GetDrawableSize(window_, &w, &h);
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  // A binary PPM, rows from the top (OpenGL reads them from the bottom).
  std::string ppm = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  const std::size_t row_bytes = static_cast<std::size_t>(w) * 3;
  ppm.reserve(ppm.size() + pixels.size());
  for (int row = h - 1; row >= 0; --row) {
    const auto* start = reinterpret_cast<const char*>(pixels.data()) + static_cast<std::size_t>(row) * row_bytes;
    ppm.append(start, row_bytes);
  }
  return files::write_file(path, ppm, {.durable = false});
}

}  // namespace civic::kiosk
