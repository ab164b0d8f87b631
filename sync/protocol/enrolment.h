// Enrolment tokens, as operators hand them to kiosks: "3f9c…(32 hex)-2f4ff1fe62e221c0", a
// one-time secret and the fingerprint of the hub's signing key, so that the kiosk can check it
// reached the hub the token came from (not whoever answered at that address).
#pragma once

#include <string>
#include <string_view>

#include "crypto.h"

namespace civic {

struct EnrolmentToken {
  FixedBytes<16> secret{};
  std::string hub_fingerprint;  // 16 lower-case hex digits
};

[[nodiscard]] Result<EnrolmentToken> parse_enrolment_token(std::string_view text);
std::string format_enrolment_token(const EnrolmentToken& token);
// What the hub stores instead of the secret.
Hash32 enrolment_token_hash(const FixedBytes<16>& secret);
// key_fingerprint() without the spaces, as carried in tokens.
std::string compact_fingerprint(const SigningPublicKey& key);

}  // namespace civic
