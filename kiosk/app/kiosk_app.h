// The running kiosk: the window, the screens, a resident's session, staff mode, speech and the
// store, wired into one frame loop. It sleeps until input or a timer; what a frame asks for
// (sealing a submission, running civic-sync for staff, new content) happens between frames.
#pragma once

#include <string>

#include "kiosk/ui/i18n.h"
#include "sync/config/config.h"
#include "sync/common/result.h"

namespace civic::kiosk {

struct KioskRunOptions {
  std::string config_path;          // absolute: civic-sync runs with it for staff operations
  bool fullscreen = true;
  std::string a11y_dump;            // tests: the screen and accessibility tree after every frame
  std::string screenshot_dir;       // tests: a PPM whenever the screen changes
  std::string speech_log;           // tests: one JSON line per utterance, typed text left out
  bool redraw_every_frame = false;  // benchmark peer only: never sleep
};

// Shows "not set up yet" until the kiosk is enrolled, then serves residents and staff until the
// window is closed. An error when the window, the fonts or the store cannot be opened.
[[nodiscard]] Status run_kiosk(const KioskConfig& config, const Catalogues& strings, const KioskRunOptions& options);

}  // namespace civic::kiosk
