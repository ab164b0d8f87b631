// Recorded speech for a content file: a community records each text as a WAV file and lists
// them, one per line, "text<TAB>file.wav" (the file relative to the list). Read here, bounded,
// and compressed for the content bundle (`civic-hub content add-recordings`).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sync/common/result.h"
#include "sync/consultation/consultation.h"

namespace civic {

// A WAV file of 16-bit PCM, mono, 8000 to 48000 samples a second, at most a minute: its samples.
struct WavAudio {
  std::uint32_t sample_rate = 0;
  std::vector<std::int16_t> samples;
};
[[nodiscard]] Result<WavAudio> read_wav(const std::filesystem::path& file);

// Every line of the list as a compressed recording; an error names the line and what to do.
[[nodiscard]] Result<std::vector<Recording>> read_recording_list(const std::filesystem::path& list);

}  // namespace civic
