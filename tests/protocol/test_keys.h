// Fixed keys for tests and known-answer vectors. Never use these anywhere else.
#pragma once

#include "sync/protocol/protocol.h"

namespace civic::test {

FixedBytes<32> fixed_seed(std::uint8_t first);  // first, first+1, ..., first+31
SigningKeyPair kiosk_key();          // seed 0x01..0x20
SigningKeyPair hub_signing_key();    // seed 0x41..0x60
SealKeyPair hub_submission_key();    // secret 0x81..0xa0
SigningKeyPair hub_content_key();    // seed 0xc1..0xe0

// A valid submission with every field in use.
Submission sample_submission();

}  // namespace civic::test
