// Shared by the fuzz targets: fixed keys, so valid inputs from the seed corpus verify.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "sync/protocol/protocol.h"
#include "tests/protocol/test_keys.h"

namespace civic::fuzz {

// The tests' fixed keys (tests/protocol/test_keys.h), made once per process: a fuzzer calls these
// for every input.
inline const SigningKeyPair& kiosk_key() {
  static const SigningKeyPair k = test::kiosk_key();
  return k;
}
inline const SigningKeyPair& hub_signing_key() {
  static const SigningKeyPair k = test::hub_signing_key();
  return k;
}
inline const SealKeyPair& hub_submission_key() {
  static const SealKeyPair k = test::hub_submission_key();
  return k;
}

// A decoder that accepted an input must accept its own re-encoding of the value identically.
[[noreturn]] inline void fuzz_fail() { std::abort(); }

}  // namespace civic::fuzz
