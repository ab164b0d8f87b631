#include <imgui.h>
#include <imgui_freetype.h>

#include <filesystem>

#include "ui.h"

namespace civic::kiosk {

namespace {
// Latin-1, Latin Extended-A (œ), general punctuation (’ “ ” « » — … and U+202F narrow no-break
// space), the euro sign.
const ImWchar kLatinRanges[] = {0x0020, 0x00FF, 0x0100, 0x017F, 0x2000, 0x206F, 0x20AC, 0x20AC, 0};
const ImWchar kSyllabicsRanges[] = {0x1400, 0x167F, 0};

ImFont* add(ImGuiIO& io, const std::string& latin, const std::string& syllabics, float size) {
  ImFontConfig config;
  config.OversampleH = 1;
  config.PixelSnapH = true;
  ImFont* font = io.Fonts->AddFontFromFileTTF(latin.c_str(), size, &config, kLatinRanges);
  ImFontConfig merge;
  merge.MergeMode = true;
  merge.OversampleH = 1;
  io.Fonts->AddFontFromFileTTF(syllabics.c_str(), size, &merge, kSyllabicsRanges);
  return font;
}

// The three sizes of one text size: body, heading (bold), small.
FontSet add_set(ImGuiIO& io, const std::string& font_dir, float body, float heading, float small) {
  const std::string latin = font_dir + "/NotoSans-Regular.ttf";
  const std::string bold = font_dir + "/NotoSans-Bold.ttf";
  const std::string syllabics = font_dir + "/NotoSansCanadianAboriginal-Regular.ttf";
  return FontSet{add(io, latin, syllabics, body), add(io, bold, syllabics, heading), add(io, latin, syllabics, small)};
}
}  // namespace

Result<Fonts> load_fonts(const std::string& font_dir, bool with_large_text) {
  for (const char* name : {"NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansCanadianAboriginal-Regular.ttf"}) {
    const std::string f = font_dir + "/" + name;
    if (!std::filesystem::exists(f)) {
      return make_error(ErrorCode::kNotFound, "font " + f + " is missing; install Debian's fonts-noto-core");
    }
  }
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->FontBuilderIO = ImGuiFreeType::GetBuilderForFreeType();
  io.Fonts->FontBuilderFlags = ImGuiFreeTypeBuilderFlags_LightHinting;
  Fonts fonts;
  fonts.font_dir = font_dir;
  fonts.normal = add_set(io, font_dir, 28.0f, 42.0f, 22.0f);
  if (with_large_text) fonts.large = add_set(io, font_dir, 38.0f, 54.0f, 30.0f);
  if (!io.Fonts->Build()) return make_error(ErrorCode::kInternal, "the font atlas could not be built");
  return fonts;
}

Status add_large_text_fonts(Fonts& fonts) {
  if (fonts.large.body) return {};
  ImGuiIO& io = ImGui::GetIO();
  fonts.large = add_set(io, fonts.font_dir, 38.0f, 54.0f, 30.0f);
  if (!io.Fonts->Build()) return make_error(ErrorCode::kInternal, "the font atlas could not be built");
  return {};
}

}  // namespace civic::kiosk
