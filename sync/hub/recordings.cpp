#include "recordings.h"

#include <cstring>
#include <set>
#include <sstream>

#include "sync/common/adpcm.h"
#include "sync/files/files.h"

namespace civic {

namespace {
constexpr std::size_t kMaxWavBytes = 48000 * 2 * kMaxRecordingSeconds + 4096;
constexpr std::size_t kMaxListBytes = 1024 * 1024;

std::uint32_t u32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}
std::uint16_t u16(const std::string& s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) | (static_cast<unsigned char>(s[at + 1]) << 8));
}
}  // namespace

Result<WavAudio> read_wav(const std::filesystem::path& file) {
  auto bytes = files::read_named_file(file, kMaxWavBytes);
  if (!bytes.ok()) {
    if (bytes.code() == ErrorCode::kOversize)
      return make_error(ErrorCode::kOversize, file.string() + " is longer than " +
                                                  std::to_string(kMaxRecordingSeconds) + " seconds of speech");
    return bytes.error();
  }
  const std::string& s = *bytes;
  auto bad = [&](const std::string& what) {
    return make_error(ErrorCode::kMalformed, file.string() + ": " + what +
                                                 "; save it as WAV, 16-bit PCM, mono (sox IN -b 16 -c 1 OUT.wav)");
  };
  if (s.size() < 12 || s.compare(0, 4, "RIFF") != 0 || s.compare(8, 4, "WAVE") != 0) return bad("not a WAV file");
  WavAudio out;
  bool have_format = false;
  for (std::size_t at = 12; at + 8 <= s.size();) {
    const std::string id = s.substr(at, 4);
    const std::uint32_t size = u32(s, at + 4);
    if (size > s.size() - at - 8) return bad("a chunk runs past the end of the file");
    if (id == "fmt ") {
      if (size < 16) return bad("its format chunk is too short");
      const std::uint16_t format = u16(s, at + 8), channels = u16(s, at + 10), bits = u16(s, at + 22);
      out.sample_rate = u32(s, at + 12);
      if (format != 1 && format != 0xFFFE) return bad("it is compressed");
      if (channels != 1) return bad("it has " + std::to_string(channels) + " channels, not one");
      if (bits != 16) return bad("it has " + std::to_string(bits) + "-bit samples, not 16-bit");
      if (out.sample_rate < 8000 || out.sample_rate > 48000)
        return bad("it has " + std::to_string(out.sample_rate) + " samples a second (8000 to 48000 please)");
      have_format = true;
    } else if (id == "data") {
      if (!have_format) return bad("its samples come before its format");
      out.samples.resize(size / 2);
      std::memcpy(out.samples.data(), s.data() + at + 8, out.samples.size() * 2);  // little-endian, as WAV
    }
    at += 8 + size + (size & 1);
  }
  if (out.samples.empty()) return bad("it holds no samples");
  if (out.samples.size() > std::size_t{kMaxRecordingSeconds} * out.sample_rate)
    return make_error(ErrorCode::kOversize, file.string() + " is longer than " +
                                                std::to_string(kMaxRecordingSeconds) + " seconds of speech");
  return out;
}

Result<std::vector<Recording>> read_recording_list(const std::filesystem::path& list) {
  auto text = files::read_named_file(list, kMaxListBytes);
  if (!text.ok()) return text.error();
  std::vector<Recording> out;
  std::set<std::string> texts;
  std::size_t total = 0;  // compressed bytes so far: a long list stops at the bundle's limit
  std::istringstream in(*text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::string where = list.string() + ":" + std::to_string(number) + ": ";
    const auto tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 == line.size())
      return make_error(ErrorCode::kMalformed, where + "write the text, a tab, then the WAV file that says it");
    const std::string said = line.substr(0, tab);
    std::filesystem::path file = line.substr(tab + 1);
    if (file.is_relative()) file = list.parent_path() / file;
    if (!texts.insert(said).second)
      return make_error(ErrorCode::kMalformed, where + "this text has a recording already, on an earlier line");
    auto wav = read_wav(file);
    if (!wav.ok()) return make_error(wav.code(), where + wav.message());
    Recording r;
    r.text = said;
    r.sample_rate = wav->sample_rate;
    r.samples = static_cast<std::uint32_t>(wav->samples.size());
    r.adpcm = adpcm_encode(wav->samples.data(), wav->samples.size());
    total += r.adpcm.size();
    if (total > kMaxRecordingBytes) {
      return make_error(ErrorCode::kOversize, where + "the recordings so far take more than " +
                                                  std::to_string(kMaxRecordingBytes / 1024) +
                                                  " KiB, all a content bundle holds: record at 16000 samples a "
                                                  "second, or fewer texts");
    }
    out.push_back(std::move(r));
  }
  if (out.empty()) return make_error(ErrorCode::kMalformed, list.string() + " lists no recordings");
  return out;
}

}  // namespace civic
