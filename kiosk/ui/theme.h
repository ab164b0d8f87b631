// Colours and sizes. Contrast is computed from these values by tests (WCAG 2.2 relative
// luminance): text at least 4.5:1 in the default theme, 7:1 in high contrast; control
// boundaries at least 3:1.
#pragma once

#include <string>

namespace civic::kiosk {

struct Rgb {
  float r = 0, g = 0, b = 0;  // 0..1, sRGB
};

struct Theme {
  std::string name;
  Rgb background, text, muted_text;
  Rgb button, button_text, button_border, button_pressed;
  Rgb primary, primary_text;      // the main action on each screen
  Rgb selected, selected_text;    // chosen options
  Rgb warning, warning_text;
  Rgb focus;                      // keypad focus ring
  float text_scale = 1.0f;        // large-text mode > 1
};

Theme default_theme();
Theme high_contrast_theme();
Theme large_text_theme();

// WCAG 2.x contrast ratio between two sRGB colours, 1..21.
double contrast_ratio(const Rgb& a, const Rgb& b);

}  // namespace civic::kiosk
