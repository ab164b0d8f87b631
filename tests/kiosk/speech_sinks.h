// Audio sinks for tests and benchmarks: keep what the speaker produced, per utterance, with the
// time the first samples of each arrived.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kiosk/speech/speaker.h"

namespace civic::test {

class RecordingSink : public kiosk::AudioSink {
 public:
  using Clock = std::chrono::steady_clock;
  struct Event {
    bool interrupt = false;
    std::uint64_t utterance = 0;
    std::size_t samples = 0;
  };

  Status begin(int sample_rate) override {
    rate = sample_rate;
    return {};
  }
  void write(std::uint64_t utterance, const std::int16_t* samples, std::size_t count) override {
    std::lock_guard lock(mutex_);
    if (!first_.count(utterance)) first_[utterance] = Clock::now();
    auto& audio = audio_[utterance];
    audio.insert(audio.end(), samples, samples + count);
    events_.push_back({false, utterance, count});
  }
  void interrupt() override {
    std::lock_guard lock(mutex_);
    events_.push_back({true, 0, 0});
  }

  std::vector<std::int16_t> audio(std::uint64_t utterance) {
    std::lock_guard lock(mutex_);
    return audio_[utterance];
  }
  std::vector<Event> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  // When the first samples of `utterance` were handed over; nullopt if none were.
  std::optional<Clock::time_point> first_audio(std::uint64_t utterance) {
    std::lock_guard lock(mutex_);
    auto it = first_.find(utterance);
    if (it == first_.end()) return std::nullopt;
    return it->second;
  }

  int rate = 0;

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, std::vector<std::int16_t>> audio_;
  std::map<std::uint64_t, Clock::time_point> first_;
  std::vector<Event> events_;
};

// Writes 16-bit mono PCM as a WAV file (for sox).
inline void write_wav(const std::string& path, const std::vector<std::int16_t>& samples, int rate) {
  std::ofstream f(path, std::ios::binary);
  auto u32 = [&](std::uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](std::uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
  const auto bytes = static_cast<std::uint32_t>(samples.size() * 2);
  f.write("RIFF", 4);
  u32(36 + bytes);
  f.write("WAVEfmt ", 8);
  u32(16);
  u16(1);
  u16(1);
  u32(static_cast<std::uint32_t>(rate));
  u32(static_cast<std::uint32_t>(rate) * 2);
  u16(2);
  u16(16);
  f.write("data", 4);
  u32(bytes);
  f.write(reinterpret_cast<const char*>(samples.data()), bytes);
}

}  // namespace civic::test
