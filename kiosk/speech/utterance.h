// What the kiosk says: plain data shared by the screens (which decide what to say) and the
// speaker (which says it).
#pragma once

#include <cstdint>
#include <map>
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

// Recorded human speech (from the content bundle): a clip per text a language shows, as IMA ADPCM
// (sync/common/adpcm.h). Where a clip exists for a part's exact text, it is played rather than
// synthesised; a language without a synthetic voice is spoken from clips alone.
struct RecordedClip {
  std::uint32_t sample_rate = 16000;
  std::uint32_t samples = 0;
  std::vector<std::uint8_t> adpcm;
};
using Recordings = std::map<std::string, std::map<std::string, RecordedClip>>;  // language -> text -> clip

struct Utterance {
  std::vector<SpeechPart> parts;
  int rate_step = 2;    // 0 (slowest) .. 4 (fastest)
  int volume_step = 2;  // 0 (quietest) .. 4 (loudest)
};

}  // namespace civic::kiosk
