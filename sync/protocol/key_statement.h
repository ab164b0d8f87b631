// The hub's key statement: the hub's signing key vouching for its submission public key (the key
// every resident's record is sealed to) and its content public key (the offline key that signs
// what kiosks show). A kiosk checks it at enrolment with the signing key that its enrolment
// token's fingerprint names, so a relay that swaps either key on the way is caught, and pins both.
// See PROTOCOL.md "Key statement".
#pragma once

#include "crypto.h"
#include "format.h"

namespace civic {


struct KeyStatement {
  SigningPublicKey hub_signing;
  SealPublicKey hub_submission;
  SigningPublicKey hub_content;
  std::uint64_t issued_at = 0;  // Unix seconds
  bool operator==(const KeyStatement&) const = default;
};

Bytes encode_signed_key_statement(const SealPublicKey& submission, const SigningPublicKey& content,
                                  std::uint64_t issued_at, const SigningKeyPair& hub_signing);
// Checks the format and that the statement is signed by `hub_signing` and names it.
[[nodiscard]] Result<KeyStatement> verify_key_statement(ByteView bytes, const SigningPublicKey& hub_signing);

}  // namespace civic
