// The key file format (bytes only; sync/keystore reads and writes the files). Every file carries a
// magic, a format version, the key's type and a checksum, so the wrong key, a truncated file or a
// flipped bit is reported instead of being used. See PROTOCOL.md "Key files".
#pragma once

#include <cstdint>

#include "bytes.h"
#include "crypto.h"
#include "format.h"

namespace civic {


enum class KeyType : std::uint8_t {
  kKioskSigningSecret = 1,   // Ed25519 seed
  kKioskSigningPublic = 2,   // Ed25519 public key
  kHubSubmissionSecret = 3,  // X25519 secret: kept offline by operators
  kHubSubmissionPublic = 4,  // X25519 public key: kiosks seal to it
  kHubSigningSecret = 5,     // Ed25519 seed: signs acks, checkpoints and key statements (online)
  kHubSigningPublic = 6,     // Ed25519 public key: kiosks verify with it
  kHubContentSecret = 7,     // Ed25519 seed: signs content bundles; kept offline by operators
  kHubContentPublic = 8,     // Ed25519 public key: kiosks verify content with it
};

const char* key_type_description(KeyType type);
bool is_secret_key_type(KeyType type);

Bytes encode_key_file(KeyType type, const FixedBytes<kKeyMaterialSize>& material);
// Checks magic, version, type (kWrongKeyType names both), length and checksum (kCorruptKeyFile).
[[nodiscard]] Result<FixedBytes<kKeyMaterialSize>> decode_key_file(ByteView bytes, KeyType expected);

}  // namespace civic
