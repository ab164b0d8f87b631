// The kiosk's screens: a function of the session's state that draws with Dear ImGui and returns
// the resident's actions. Every widget records itself in the accessibility tree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "a11y.h"
#include "i18n.h"
#include "kiosk/session/session.h"
#include "kiosk/staff/staff.h"
#include "theme.h"

struct ImFont;

namespace civic::kiosk {

// The design resolution: layout, touch-target checks and tests use these pixels. A display of
// another size or aspect is scaled evenly (never stretched) so that the smaller of its two sides
// fits; the other side gets more room (the canvas), which the screens lay out into: a portrait
// kiosk shows more ideas, not taller letters.
inline constexpr float kDesignWidth = 1280.0f;
inline constexpr float kDesignHeight = 800.0f;
struct Canvas {
  float width = kDesignWidth, height = kDesignHeight;  // in design pixels; at least the design size
  float scale = 1.0f;                                  // display pixels per design pixel
};
// The canvas for a display of `width` x `height` pixels.
Canvas canvas_for(int width, int height);

// After a screen changes, taps are ignored for this long: a quick second tap meant for the
// control before (Send, then Finish in the same place) must not act on the new screen.
inline constexpr std::uint64_t kTapGuardMs = 350;

struct FontSet {
  ImFont* body = nullptr;
  ImFont* heading = nullptr;
  ImFont* small = nullptr;
};

// Adds Noto Sans (Latin, French punctuation) merged with Noto Sans Canadian Aboriginal, rasterised
// by FreeType, at the sizes the screens use, and builds the atlas. Larger text's sizes double the
// atlas (memory, and start-up time): the kiosk adds them when a resident first asks for larger
// text (add_large_text_fonts, then the renderer uploads the atlas again); tests load both at once.
// Fails with a message naming the missing font file.
struct Fonts {
  FontSet normal;
  FontSet large;  // null until added
  std::string font_dir;
};
inline constexpr const char* kFontDir = "/usr/share/fonts/truetype/noto";  // Debian's fonts-noto-core
[[nodiscard]] Result<Fonts> load_fonts(const std::string& font_dir = kFontDir,
                                       bool with_large_text = true);
[[nodiscard]] Status add_large_text_fonts(Fonts& fonts);

// What the last frame showed, for the announcer: the session may have moved on since (the
// frame's actions are applied after it is drawn), but speech must match the tree.
struct DrawnView {
  std::string view;      // screen and overlay, e.g. "idea", "idea+help", "vote+warning"
  std::string language;  // the language on screen
  bool speech = false;
  std::uint64_t speech_repeats = 0;
  std::uint64_t where_requests = 0;
};

// What the screens are drawn with: what the caller gives them, what they keep between frames,
// and what each frame produces for the caller.
struct UiContext {
  // Given by the caller (before each frame where it says so).
  const Catalogues* strings = nullptr;
  Theme theme = default_theme();
  Fonts fonts;
  Canvas canvas;                             // from the display, each frame (tests: the design size)
  std::uint64_t now_ms = 0;                  // monotonic time of this frame
  bool speech_available = true;              // false: no sound card or speech turned off in the config
  std::string staff_corner = "bottom-left";  // where the hidden long press opens staff mode

  // Kept by the screens from one frame to the next (scroll position, keyboard shift, overlays).
  struct Kept {
    bool shift = false;
    float list_scroll = 0;
    // Row offsets of the current list (variable heights), kept while nothing they depend on changes.
    struct RowCache {
      std::string key;
      std::vector<float> tops;  // rows + 1 entries: where each row starts, then the content's end
    } rows;
    bool scroll_requested = true;       // list_scroll was set by us and must be applied
    std::uint64_t screen_shown_ms = 0;  // when the current screen first appeared (the tap guard)
    bool focus_main_action = false;     // a new screen: the keypad focus goes to its main action
    Screen last_screen = Screen::kAttract;
    int last_shown = -1;             // the screen and any question over it, last frame
    bool list_pressed = false;       // the current press started on the scrolling list
    bool drag_moved = false;         // this press became a drag: it must not also tap a button
    bool help_open = false;          // the help overlay for the current screen
    bool speech_panel_open = false;  // repeat, speed and volume, while speech is on
    bool gesture_fired = false;              // this press already opened the PIN pad
    std::uint64_t gesture_started_ms = 0;    // when the current press in the corner began (0: none)
  } kept;

  // Produced by each frame, read by the caller after it.
  struct Frame {
    A11yTree tree;
    std::vector<Action> actions;
    std::vector<StaffAction> staff_actions;  // staff mode's actions this frame
    std::vector<std::string> activated;      // ids of the widgets tapped or activated this frame
    bool tap_guard = false;                  // taps were being ignored this frame
    bool changed = false;  // the screens' own state changed this frame (scroll, shift): draw again
    DrawnView drawn;
  } frame;

  // Larger text's fonts, once they are loaded (the frame that asks for them draws at normal size).
  const FontSet& font_set() const { return theme.text_scale > 1.0f && fonts.large.body ? fonts.large : fonts.normal; }
};

// Draws one frame for the session's current screen (or staff mode's, when it is open) and returns
// what the resident did; staff actions go to ui.staff_actions.
std::vector<Action> draw_frame(const Session& session, UiContext& ui, const Staff* staff = nullptr);

// Staff mode's screens (staff_screens.cpp); `language` is the kiosk's default language.
void draw_staff(const Staff& staff, UiContext& ui, const std::string& language);
// The out-of-service screen residents see while staff have locked the kiosk.
void draw_locked(UiContext& ui, const std::string& language);
// A whole frame for a kiosk that is not set up (no key, or not enrolled): says so in both
// languages, with `detail` for the staff who set it up.
void draw_not_set_up(UiContext& ui, const std::string& language, const std::string& detail);
// Seconds a press must last in the staff corner to open staff mode.
inline constexpr float kStaffGestureSeconds = 3.0f;

// Keys with a meaning of their own, as io.KeysDown indices (the platform uses SDL scancodes; the
// keypad's help key arrives as F1). Arrows move the focus, Space or Enter activates, Escape is Back.
inline constexpr int kHelpKey = 58;    // SDL_SCANCODE_F1
inline constexpr int kSpeechKey = 59;  // SDL_SCANCODE_F2: turns speech on, then repeats
inline constexpr int kWhereKey = 60;   // SDL_SCANCODE_F3: "where am I?"
// Keypads' volume keys (SDL_SCANCODE_VOLUMEUP, VOLUMEDOWN): speech louder, quieter.
inline constexpr int kVolumeUpKey = 128;
inline constexpr int kVolumeDownKey = 129;


}  // namespace civic::kiosk
