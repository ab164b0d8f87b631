// The sound card, as the speaker's audio sink (SDL2 audio, queued). Audio plays on SDL's thread;
// write and interrupt may be called from the speech thread.
#pragma once

#include <SDL.h>

#include <mutex>
#include <string>
#include <vector>

#include "kiosk/speech/speaker.h"

namespace civic::kiosk {

class SdlAudioSink : public AudioSink {
 public:
  ~SdlAudioSink() override;
  Status begin(int sample_rate) override;  // opens the default output device
  void write(std::uint64_t utterance, const std::int16_t* samples, std::size_t count) override;
  void interrupt() override;

  // Headphones: the name of output device `index` (as SDL numbers them), the outputs there are,
  // and a switch of output ("" for the system's default), dropping what was queued on the old one.
  // A named output that cannot be opened is an error, with the default output open again.
  std::string device_name(int index) const;
  std::vector<std::string> output_devices() const;
  [[nodiscard]] Status use_device(const std::string& name);
  SDL_AudioDeviceID device() const;

 private:
  mutable std::mutex mutex_;  // write and interrupt come from the speech thread
  SDL_AudioDeviceID device_ = 0;
  int rate_ = 0;
};

}  // namespace civic::kiosk
