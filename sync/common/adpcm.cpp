#include "adpcm.h"

#include <algorithm>

namespace civic {

namespace {
constexpr int kIndexTable[16] = {-1, -1, -1, -1, 2, 4, 6, 8, -1, -1, -1, -1, 2, 4, 6, 8};
constexpr int kStepTable[89] = {
    7,     8,     9,     10,    11,    12,    13,    14,    16,    17,    19,    21,    23,    25,    28,
    31,    34,    37,    41,    45,    50,    55,    60,    66,    73,    80,    88,    97,    107,   118,
    130,   143,   157,   173,   190,   209,   230,   253,   279,   307,   337,   371,   408,   449,   494,
    544,   598,   658,   724,   796,   876,   963,   1060,  1166,  1282,  1411,  1552,  1707,  1878,  2066,
    2272,  2499,  2749,  3024,  3327,  3660,  4026,  4428,  4871,  5358,  5894,  6484,  7132,  7845,  8630,
    9493,  10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767};

// The decoder's step: the new predicted value and step index after the nibble `delta`.
void step(int delta, int& predicted, int& index) {
  const int size = kStepTable[index];
  int diff = size >> 3;
  if (delta & 4) diff += size;
  if (delta & 2) diff += size >> 1;
  if (delta & 1) diff += size >> 2;
  predicted = std::clamp(delta & 8 ? predicted - diff : predicted + diff, -32768, 32767);
  index = std::clamp(index + kIndexTable[delta], 0, 88);
}
}  // namespace

std::vector<std::uint8_t> adpcm_encode(const std::int16_t* samples, std::size_t count) {
  std::vector<std::uint8_t> out((count + 1) / 2, 0);
  int predicted = 0, index = 0;
  for (std::size_t i = 0; i < count; ++i) {
    int diff = samples[i] - predicted;
    int delta = 0;
    if (diff < 0) {
      delta = 8;
      diff = -diff;
    }
    // The nibble whose reconstruction is nearest from below, bit by bit.
    int size = kStepTable[index];
    if (diff >= size) delta |= 4, diff -= size;
    size >>= 1;
    if (diff >= size) delta |= 2, diff -= size;
    size >>= 1;
    if (diff >= size) delta |= 1;
    step(delta, predicted, index);
    out[i / 2] |= static_cast<std::uint8_t>(i % 2 == 0 ? delta << 4 : delta);
  }
  return out;
}

std::vector<std::int16_t> adpcm_decode(const std::uint8_t* data, std::size_t bytes, std::size_t count) {
  count = std::min(count, bytes * 2);
  std::vector<std::int16_t> out(count);
  int predicted = 0, index = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const int delta = i % 2 == 0 ? data[i / 2] >> 4 : data[i / 2] & 0x0F;
    step(delta, predicted, index);
    out[i] = static_cast<std::int16_t>(predicted);
  }
  return out;
}

}  // namespace civic
