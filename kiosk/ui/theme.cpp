#include "theme.h"

#include <algorithm>
#include <cmath>

namespace civic::kiosk {

namespace {
constexpr Rgb hex(unsigned v) {
  return {static_cast<float>((v >> 16) & 0xff) / 255.0f, static_cast<float>((v >> 8) & 0xff) / 255.0f,
          static_cast<float>(v & 0xff) / 255.0f};
}

double channel(float c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); }
double luminance(const Rgb& c) { return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b); }
}  // namespace

double contrast_ratio(const Rgb& a, const Rgb& b) {
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

Theme default_theme() {
  Theme t;
  t.name = "default";
  t.background = hex(0xF7F5F0);
  t.text = hex(0x1B1B1B);
  t.muted_text = hex(0x4A4A4A);
  t.button = hex(0xFFFFFF);
  t.button_text = hex(0x1B1B1B);
  t.button_border = hex(0x5C5C5C);
  t.button_pressed = hex(0xE3E0D8);
  t.primary = hex(0x0B5394);
  t.primary_text = hex(0xFFFFFF);
  t.selected = hex(0x1E6B32);
  t.selected_text = hex(0xFFFFFF);
  t.warning = hex(0x8A3B00);
  t.warning_text = hex(0xFFFFFF);
  t.focus = hex(0xB35900);
  return t;
}

Theme high_contrast_theme() {
  Theme t;
  t.name = "high-contrast";
  t.background = hex(0x000000);
  t.text = hex(0xFFFFFF);
  t.muted_text = hex(0xE0E0E0);
  t.button = hex(0x000000);
  t.button_text = hex(0xFFFF00);
  t.button_border = hex(0xFFFF00);
  t.button_pressed = hex(0x333300);
  t.primary = hex(0xFFFF00);
  t.primary_text = hex(0x000000);
  t.selected = hex(0x00FFFF);
  t.selected_text = hex(0x000000);
  t.warning = hex(0xFFFFFF);
  t.warning_text = hex(0x000000);
  t.focus = hex(0x00FFFF);
  return t;
}

Theme large_text_theme() {
  Theme t = default_theme();
  t.name = "large-text";
  t.text_scale = 1.35f;
  return t;
}

}  // namespace civic::kiosk
