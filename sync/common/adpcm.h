// IMA ADPCM: 16-bit speech at 4 bits a sample, for recorded speech in content bundles. The
// variant of Python's audioop (lin2adpcm / adpcm2lin with no state): the predictor and step index
// start at 0, and each byte holds two samples, the first in its high four bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace civic {

std::vector<std::uint8_t> adpcm_encode(const std::int16_t* samples, std::size_t count);
// Decodes `count` samples (at most 2 per byte of `data`).
std::vector<std::int16_t> adpcm_decode(const std::uint8_t* data, std::size_t bytes, std::size_t count);

}  // namespace civic
