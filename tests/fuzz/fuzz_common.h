// Shared by the fuzz targets: fixed keys, so valid inputs from the seed corpus verify.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "sync/protocol/protocol.h"

namespace civic::fuzz {

inline FixedBytes<32> seed_from(std::uint8_t first) {
  FixedBytes<32> s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(first + i);
  return s;
}
inline const SigningKeyPair& kiosk_key() {
  static const SigningKeyPair k = signing_key_pair_from_seed(seed_from(0x01));
  return k;
}
inline const SigningKeyPair& hub_signing_key() {
  static const SigningKeyPair k = signing_key_pair_from_seed(seed_from(0x41));
  return k;
}
inline const SealKeyPair& hub_submission_key() {
  static const SealKeyPair k = seal_key_pair_from_secret(seed_from(0x81));
  return k;
}

// A decoder that accepted an input must accept its own re-encoding of the value identically.
[[noreturn]] inline void fuzz_fail() { std::abort(); }

}  // namespace civic::fuzz
