#include "speaker.h"

#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "sync/common/adpcm.h"

namespace civic::kiosk {

namespace {
std::atomic<bool> g_open{false};
constexpr int kEspeakVolume = 185;  // of 0..200: the loudest step; quieter steps are our gain
constexpr std::size_t kClipChunk = 1024;  // samples of a recording handed over at a time

// SSML that asks espeak-ng to name each character.
std::string spelled(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '<')
      escaped += "&lt;";
    else if (c == '>')
      escaped += "&gt;";
    else if (c == '&')
      escaped += "&amp;";
    else
      escaped += c;
  }
  return "<speak><say-as interpret-as=\"characters\">" + escaped + "</say-as></speak>";
}
}  // namespace

int speech_words_per_minute(int rate_step) {
  static constexpr int kRates[] = {110, 140, 175, 215, 260};
  return kRates[std::clamp(rate_step, 0, 4)];
}

double speech_gain_db(int volume_step) {
  // EN 301 549 8.2.1: at least 18 dB from the quietest to the loudest, and a step at least 12 dB
  // above the quietest. The loudest is espeak-ng's own loud level (no clipping of ours).
  static constexpr double kGainsDb[] = {-20, -13, -7, -3, 0};
  return kGainsDb[std::clamp(volume_step, 0, 4)];
}

struct Speaker::Impl {
  AudioSink& sink;
  Voices voices;
  int rate = 0;
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable idle;
  std::optional<std::pair<std::uint64_t, Utterance>> next;  // guarded by mutex
  bool busy = false;                                        // guarded by mutex
  bool quit = false;                                        // guarded by mutex
  std::shared_ptr<const Recordings> recordings;             // guarded by mutex
  std::uint64_t last_id = 0;                                // guarded by mutex
  // The utterance that should be sounding; others abort. Changed, and audio handed to the sink,
  // under audio_mutex: once say() has interrupted the sink, no chunk of the old utterance follows.
  std::mutex audio_mutex;
  std::atomic<std::uint64_t> wanted{0};
  std::uint64_t speaking = 0;  // speech thread only
  float gain = 1.0f;           // speech thread only: the utterance's volume step
  std::thread thread;

  explicit Impl(AudioSink& s) : sink(s) {}

  // espeak-ng calls this with audio as it synthesises (synchronous mode, on our thread).
  static int on_audio(short* wav, int count, espeak_EVENT* events) {
    auto* self = static_cast<Impl*>(events->user_data);
    std::lock_guard audio(self->audio_mutex);
    if (self->wanted.load() != self->speaking) return 1;  // interrupted: abandon this synthesis
    if (wav && count > 0) {
      // The volume step, applied to the samples (espeak-ng's own volume is not linear in dB).
      for (int i = 0; i < count; ++i)
        wav[i] = static_cast<short>(std::clamp(static_cast<float>(wav[i]) * self->gain, -32768.0f, 32767.0f));
      self->sink.write(self->speaking, wav, static_cast<std::size_t>(count));
    }
    return 0;
  }

  // Queues `utterance` (or nothing) in place of what was queued, makes it the one that may sound
  // and silences everything before it. Returns its number.
  std::uint64_t switch_to(std::optional<Utterance> utterance) {
    std::lock_guard audio(audio_mutex);
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex);
      next.reset();
      if (utterance) {
        id = ++last_id;
        next.emplace(id, std::move(*utterance));
      }
      wanted = id;
    }
    sink.interrupt();
    wake.notify_all();
    return id;
  }

  // Plays the clip of `part` (every letter's, when it is spelled); false when one is missing.
  bool play_recorded(const Recordings& clips, const SpeechPart& part, std::uint64_t id) {
    const auto language = clips.find(part.language);
    if (language == clips.end()) return false;
    std::vector<const RecordedClip*> found;
    if (part.spell) {
      for (std::size_t i = 0; i < part.text.size();) {
        std::size_t n = 1;
        while (i + n < part.text.size() && (static_cast<unsigned char>(part.text[i + n]) & 0xC0) == 0x80) ++n;
        const auto clip = language->second.find(part.text.substr(i, n));
        if (clip == language->second.end()) return false;
        found.push_back(&clip->second);
        i += n;
      }
    } else {
      const auto clip = language->second.find(part.text);
      if (clip == language->second.end()) return false;
      found.push_back(&clip->second);
    }
    for (const RecordedClip* clip : found) play(*clip, id);
    return true;
  }

  // Decodes, converts to the sink's rate (linear interpolation), applies the volume step and hands
  // the audio over in pieces, stopping as soon as another utterance is wanted.
  void play(const RecordedClip& clip, std::uint64_t id) {
    const auto pcm = adpcm_decode(clip.adpcm.data(), clip.adpcm.size(), clip.samples);
    if (pcm.empty() || clip.sample_rate == 0) return;
    const double ratio = static_cast<double>(clip.sample_rate) / rate;
    const auto out_count = static_cast<std::size_t>(static_cast<double>(pcm.size()) / ratio);
    std::vector<std::int16_t> chunk;
    for (std::size_t start = 0; start < out_count; start += kClipChunk) {
      chunk.clear();
      for (std::size_t i = start; i < std::min(out_count, start + kClipChunk); ++i) {
        const double at = static_cast<double>(i) * ratio;
        const auto left = static_cast<std::size_t>(at);
        const std::size_t right = std::min(left + 1, pcm.size() - 1);
        const double value = pcm[left] + (at - static_cast<double>(left)) * (pcm[right] - pcm[left]);
        chunk.push_back(static_cast<std::int16_t>(std::clamp(value * gain, -32768.0, 32767.0)));
      }
      std::lock_guard audio(audio_mutex);
      if (wanted.load() != id) return;
      sink.write(id, chunk.data(), chunk.size());
    }
  }

  void run() {
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return quit || next.has_value(); });
      if (quit) return;
      auto [id, utterance] = std::move(*next);
      next.reset();
      busy = true;
      const std::shared_ptr<const Recordings> clips = recordings;
      lock.unlock();
      speaking = id;
      espeak_SetParameter(espeakRATE, speech_words_per_minute(utterance.rate_step), 0);
      espeak_SetParameter(espeakVOLUME, kEspeakVolume, 0);
      gain = static_cast<float>(std::pow(10.0, speech_gain_db(utterance.volume_step) / 20));
      for (const auto& part : utterance.parts) {
        if (wanted.load() != id) break;
        if (part.text.empty()) continue;
        // A human recording of this very text (or, spelled, of each letter), where there is one.
        if (clips && play_recorded(*clips, part, id)) continue;
        // A language without a synthetic voice is not read in another's.
        const auto voice = voices.find(part.language);
        if (voice == voices.end() || voice->second.empty()) continue;
        espeak_SetVoiceByName(voice->second.c_str());
        const std::string text = part.spell ? spelled(part.text) : part.text;
        const unsigned flags = espeakCHARS_UTF8 | (part.spell ? espeakSSML : 0);
        espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0, flags, nullptr, this);
      }
      lock.lock();
      busy = false;
      if (!next) idle.notify_all();
    }
  }
};

Result<std::unique_ptr<Speaker>> Speaker::open(AudioSink& sink, Voices voices, const std::string& data_dir) {
  if (g_open.exchange(true)) {
    return make_error(ErrorCode::kInvalidArgument, "speech is already open in this process");
  }
  // Synchronous mode: espeak-ng hands us the audio (we play it), 60 ms at a time so that speech
  // starts soon after it is asked for. DONT_EXIT: a missing voice is an error, not an exit().
  const int rate =
      espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 60, data_dir.empty() ? nullptr : data_dir.c_str(),
                        espeakINITIALIZE_DONT_EXIT);
  if (rate <= 0) {
    g_open = false;
    return make_error(ErrorCode::kNotFound,
                      "espeak-ng could not load its voice data; install Debian's espeak-ng-data package");
  }
  for (const auto& [language, voice] : voices) {
    if (!voice.empty() && espeak_SetVoiceByName(voice.c_str()) != EE_OK) {
      espeak_Terminate();
      g_open = false;
      return make_error(ErrorCode::kNotFound, "espeak-ng has no '" + voice + "' voice (for the language " + language +
                                                  "); install Debian's espeak-ng-data package, or correct @voice "
                                                  "in that language's catalogue");
    }
  }
  if (auto s = sink.begin(rate); !s.ok()) {
    espeak_Terminate();
    g_open = false;
    return s.error();
  }
  espeak_SetSynthCallback(&Impl::on_audio);
  auto impl = std::make_unique<Impl>(sink);
  impl->voices = std::move(voices);
  impl->rate = rate;
  impl->thread = std::thread([p = impl.get()] { p->run(); });
  return std::unique_ptr<Speaker>(new Speaker(std::move(impl)));
}

Speaker::Speaker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Speaker::~Speaker() {
  impl_->switch_to(std::nullopt);
  {
    std::lock_guard lock(impl_->mutex);
    impl_->quit = true;
  }
  impl_->wake.notify_all();
  impl_->thread.join();
  espeak_Terminate();
  g_open = false;
}

std::uint64_t Speaker::say(Utterance utterance) {
  return impl_->switch_to(std::move(utterance));
}

void Speaker::stop() {
  impl_->switch_to(std::nullopt);
}

void Speaker::set_recordings(std::shared_ptr<const Recordings> recordings) {
  std::lock_guard lock(impl_->mutex);
  impl_->recordings = std::move(recordings);
}

bool Speaker::wait_idle(int timeout_ms) {
  std::unique_lock lock(impl_->mutex);
  return impl_->idle.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [&] { return !impl_->busy && !impl_->next.has_value(); });
}

int Speaker::sample_rate() const {
  return impl_->rate;
}

}  // namespace civic::kiosk
