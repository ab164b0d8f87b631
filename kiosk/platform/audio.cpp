#include "audio.h"

#include <string>

namespace civic::kiosk {

namespace {
SDL_AudioDeviceID open_output(const char* name, int rate) {
  SDL_AudioSpec want{};
  want.freq = rate;
  want.format = AUDIO_S16SYS;
  want.channels = 1;
  want.samples = 512;  // about 23 ms at 22 kHz: speech starts soon after it is queued
  SDL_AudioSpec have{};
  const SDL_AudioDeviceID device = SDL_OpenAudioDevice(name, 0, &want, &have, 0);
  if (device != 0) SDL_PauseAudioDevice(device, 0);
  return device;
}
}  // namespace

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
  std::lock_guard lock(mutex_);
  rate_ = sample_rate;
  device_ = open_output(nullptr, sample_rate);
  if (device_ == 0) {
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
    return make_error(ErrorCode::kUnavailable, std::string("cannot open the sound card for speech: ") +
                                                   SDL_GetError() +
                                                   "; check the kiosk's sound card and speaker");
  }
  return {};
}

void SdlAudioSink::write(std::uint64_t, const std::int16_t* samples, std::size_t count) {
  std::lock_guard lock(mutex_);
  if (device_ != 0) SDL_QueueAudio(device_, samples, static_cast<Uint32>(count * sizeof(std::int16_t)));
}

void SdlAudioSink::interrupt() {
  std::lock_guard lock(mutex_);
  if (device_ != 0) SDL_ClearQueuedAudio(device_);
}

std::string SdlAudioSink::device_name(int index) const {
  const char* name = SDL_GetAudioDeviceName(index, 0);
  return name ? name : "";
}

std::vector<std::string> SdlAudioSink::output_devices() const {
  std::vector<std::string> out;
  for (int i = 0, n = SDL_GetNumAudioDevices(0); i < n; ++i) out.push_back(device_name(i));
  return out;
}

Status SdlAudioSink::use_device(const std::string& name) {
  std::lock_guard lock(mutex_);
  if (device_ != 0) SDL_CloseAudioDevice(device_);
  device_ = open_output(name.empty() ? nullptr : name.c_str(), rate_);
  if (device_ != 0) return {};
  const std::string why = SDL_GetError();
  if (name.empty()) return make_error(ErrorCode::kUnavailable, "cannot open the sound card for speech: " + why);
  // Not the headphones: the loudspeaker again, and an error, so that speech is never called
  // private while it plays out loud.
  device_ = open_output(nullptr, rate_);
  return make_error(ErrorCode::kUnavailable, "cannot open " + name + " for speech (" + why +
                                                 "); speech stays on the loudspeaker");
}

SDL_AudioDeviceID SdlAudioSink::device() const {
  std::lock_guard lock(mutex_);
  return device_;
}

}  // namespace civic::kiosk
