#include "audio.h"

#include <string>

namespace civic::kiosk {

SdlAudioSink::~SdlAudioSink() {
  if (device_ != 0) {
    SDL_CloseAudioDevice(device_);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
  }
}

Status SdlAudioSink::begin(int sample_rate) {
  if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
    return make_error(ErrorCode::kUnavailable, std::string("no audio system for speech: ") + SDL_GetError() +
                                                   "; check the kiosk's sound card and speaker");
  }
  SDL_AudioSpec want{};
  want.freq = sample_rate;
  want.format = AUDIO_S16SYS;
  want.channels = 1;
  want.samples = 512;  // about 23 ms at 22 kHz: speech starts soon after it is queued
  SDL_AudioSpec have{};
  device_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, 0);
  if (device_ == 0) {
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    return make_error(ErrorCode::kUnavailable, std::string("cannot open the sound card for speech: ") +
                                                   SDL_GetError() +
                                                   "; check the kiosk's sound card and speaker");
  }
  SDL_PauseAudioDevice(device_, 0);
  return {};
}

void SdlAudioSink::write(std::uint64_t, const std::int16_t* samples, std::size_t count) {
  SDL_QueueAudio(device_, samples, static_cast<Uint32>(count * sizeof(std::int16_t)));
}

void SdlAudioSink::interrupt() {
  SDL_ClearQueuedAudio(device_);
}

}  // namespace civic::kiosk
