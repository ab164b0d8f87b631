// The kiosk's voice: espeak-ng synthesis on a thread of its own, so the frame loop never waits.
// A new utterance interrupts the one being spoken. Audio goes to a sink: the sound card in the
// kiosk (kiosk/platform), a buffer in tests. No SDL, no ImGui here.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "sync/common/result.h"
#include "utterance.h"

namespace civic::kiosk {

// Receives synthesised audio: 16-bit signed mono samples at the rate given to begin(). Called on
// the speech thread.
class AudioSink {
 public:
  virtual ~AudioSink() = default;
  // Called once, on the thread that opens the Speaker, before any write.
  [[nodiscard]] virtual Status begin(int sample_rate) = 0;
  // The first call for an utterance is the moment speech starts (the benchmark's end point).
  virtual void write(std::uint64_t utterance, const std::int16_t* samples, std::size_t count) = 0;
  // Drop what has been handed over but not played yet: a new utterance interrupts.
  virtual void interrupt() = 0;
};

class Speaker {
 public:
  // Language tag -> espeak-ng voice (each language's catalogue says which). A language whose
  // voice is empty has no synthetic voice: its parts are not synthesised (never read in another
  // language's voice). Default: a tag is its own voice name ("en", "fr").
  using Voices = std::map<std::string, std::string>;
  // Loads espeak-ng (voices from its default data directory, or `data_dir`), checks that every
  // named voice exists, and starts the speech thread. Only one Speaker may exist at a time:
  // espeak-ng is one engine per process.
  [[nodiscard]] static Result<std::unique_ptr<Speaker>> open(AudioSink& sink, Voices voices = {{"en", "en"}, {"fr", "fr"}},
                                                             const std::string& data_dir = {});
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  // Queues an utterance in place of anything not yet spoken and interrupts the current one.
  // Returns its number (as passed to AudioSink::write). Never blocks on synthesis.
  std::uint64_t say(Utterance utterance);
  // Stops speaking and drops what is queued.
  void stop();
  // The recordings to play from now on (new content); null: none.
  void set_recordings(std::shared_ptr<const Recordings> recordings);
  // Waits until everything queued has been synthesised (tests and tools); false on time-out.
  bool wait_idle(int timeout_ms);
  int sample_rate() const;

  struct Impl;

 private:
  explicit Speaker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Words per minute, and the gain in dB (0 at the loudest), for the resident's steps.
int speech_words_per_minute(int rate_step);
double speech_gain_db(int volume_step);

}  // namespace civic::kiosk
