// What the kiosk says: plain data shared by the screens (which decide what to say) and the
// speaker (which says it).
#pragma once

#include <string>
#include <vector>

namespace civic::kiosk {

// One piece of speech in one language ("en", "fr"). An utterance is a list of them, so a screen
// that shows both languages is read in both voices.
struct SpeechPart {
  std::string text;
  std::string language;
  // Words the resident typed (their idea, or a letter of it). Spoken, never logged.
  bool resident_text = false;
  // Say it letter by letter ("A" as the letter's name, not the word "a").
  bool spell = false;
};

struct Utterance {
  std::vector<SpeechPart> parts;
  int rate_step = 2;    // 0 (slowest) .. 4 (fastest)
  int volume_step = 2;  // 0 (quietest) .. 4 (loudest)
};

}  // namespace civic::kiosk
