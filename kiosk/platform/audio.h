// The sound card, as the speaker's audio sink (SDL2 audio, queued). Audio plays on SDL's thread;
// write and interrupt may be called from the speech thread.
#pragma once

#include <SDL.h>

#include "kiosk/speech/speaker.h"

namespace civic::kiosk {

class SdlAudioSink : public AudioSink {
 public:
  ~SdlAudioSink() override;
  Status begin(int sample_rate) override;  // opens the default output device
  void write(std::uint64_t utterance, const std::int16_t* samples, std::size_t count) override;
  void interrupt() override;

 private:
  SDL_AudioDeviceID device_ = 0;
};

}  // namespace civic::kiosk
