// Signed content bundles carry consultations and moderated ideas from the hub to kiosks. A kiosk
// accepts one only under TUF's rules: signed by the hub, never older than what it has (rollback),
// never expired by its best knowledge of the time (freeze), never oversized (endless data), and
// never a different bundle under a version it already trusts (mix-and-match).
// See PROTOCOL.md "Content bundle".
#pragma once

#include <cstdint>
#include <string>

#include "bytes.h"
#include "crypto.h"
#include "format.h"

namespace civic {


struct ContentBundle {
  std::uint64_t version = 0;     // strictly increasing per hub, from 1
  std::uint64_t issued_at = 0;   // Unix seconds, hub clock
  std::uint64_t expires_at = 0;  // Unix seconds; a kiosk refuses the bundle from then on
  std::string payload;           // UTF-8 JSON: consultations and ideas (assets/README.md)
  bool operator==(const ContentBundle&) const = default;
};

// What a kiosk remembers about the last bundle it accepted.
struct TrustedContentState {
  std::uint64_t version = 0;      // 0: nothing trusted yet
  std::uint64_t clock_floor = 0;  // the latest time this kiosk knows has passed
  Hash32 bundle_hash{};           // of the accepted bundle's bytes
  bool operator==(const TrustedContentState&) const = default;
};

struct VerifiedContent {
  ContentBundle bundle;
  TrustedContentState state;  // the trusted state to store if the caller installs this bundle
  bool same_as_trusted = false;  // the exact bundle already trusted (nothing new to install)
};

[[nodiscard]] Result<Bytes> encode_signed_content(const ContentBundle& bundle,
                                                  const SigningKeyPair& hub_key);

// Decodes strictly and applies every rule above against `trusted`, with the clock floor
// max(now, trusted.clock_floor). Distinct error codes: kOversize, kBadSignature, kRollback,
// kEquivocation (same version, different bytes), kExpired.
[[nodiscard]] Result<VerifiedContent> verify_content(ByteView bytes, const SigningPublicKey& hub_key,
                                                     const TrustedContentState& trusted,
                                                     std::uint64_t now);

Hash32 content_hash(ByteView bundle_bytes);

}  // namespace civic
