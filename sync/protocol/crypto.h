// Keys, hashing and signatures: thin, typed wrappers over libsodium. Every domain-separated hash
// is BLAKE2b over (ASCII tag, a NUL byte, the data); see PROTOCOL.md "Hashing".
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "bytes.h"
#include "format.h"

namespace civic {

using Hash32 = FixedBytes<kHashSize>;
using Digest64 = FixedBytes<kDigestSize>;
using Signature = FixedBytes<kSignatureSize>;
using KioskId = FixedBytes<kKioskIdSize>;

// Fixed-size secret bytes that are wiped when they go out of scope.
template <std::size_t N>
class Secret {
 public:
  Secret() = default;
  explicit Secret(const FixedBytes<N>& bytes) : bytes_(bytes) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() { wipe(bytes_.data(), N); }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }
  ByteView view() const { return {bytes_.data(), N}; }

 private:
  static void wipe(void* p, std::size_t n);
  FixedBytes<N> bytes_{};
};

// Ed25519: kiosks sign batches, the hub signs acks and content bundles.
struct SigningPublicKey {
  FixedBytes<kPublicKeySize> bytes{};
  bool operator==(const SigningPublicKey&) const = default;
};
struct SigningKeyPair {
  Secret<kSeedSize> seed;          // the secret: everything else derives from it
  Secret<64> expanded;             // libsodium's secret key form (seed || public key)
  SigningPublicKey public_key;
};

// X25519: residents' records are sealed to the hub's submission public key.
struct SealPublicKey {
  FixedBytes<kPublicKeySize> bytes{};
  bool operator==(const SealPublicKey&) const = default;
};
struct SealKeyPair {
  Secret<32> secret;
  SealPublicKey public_key;
};

// Must succeed before anything else here is used; safe to call often and from any thread.
[[nodiscard]] Status crypto_init();

SigningKeyPair generate_signing_key_pair();
SigningKeyPair signing_key_pair_from_seed(const FixedBytes<kSeedSize>& seed);
SealKeyPair generate_seal_key_pair();
// The public half is derived (X25519 base-point multiplication); any 32 bytes are a valid secret.
SealKeyPair seal_key_pair_from_secret(const FixedBytes<32>& secret);

void random_bytes(std::uint8_t* out, std::size_t n);
template <std::size_t N>
FixedBytes<N> random_fixed() {
  FixedBytes<N> out{};
  random_bytes(out.data(), N);
  return out;
}

// BLAKE2b-256(tag || 0x00 || part1 || part2 ...).
Hash32 tagged_hash(std::string_view tag, std::initializer_list<ByteView> parts);
// BLAKE2b-512(tag || 0x00 || data): what signatures are made over.
Digest64 tagged_digest(std::string_view tag, ByteView data);

Signature sign_digest(const SigningKeyPair& key, const Digest64& digest);
[[nodiscard]] bool verify_digest(const SigningPublicKey& key, const Digest64& digest,
                                 const Signature& signature);
// A public key an Ed25519 signer could hold: a point of the curve, not of small order (so not
// all zeros). Checked when a kiosk enrols.
bool is_valid_signing_key(const SigningPublicKey& key);

// A kiosk's identity is derived from its signing key, so it exists before enrolment.
KioskId kiosk_id_from_key(const SigningPublicKey& key);
// A short fingerprint people can compare by eye: 16 hex digits in groups of four.
std::string key_fingerprint(ByteView public_key);

// Constant-time equality for secrets and MACs.
[[nodiscard]] bool constant_time_equal(ByteView a, ByteView b);
// Overwrites memory in a way the compiler will not remove.
void secure_wipe(void* data, std::size_t size);

template <std::size_t N>
void Secret<N>::wipe(void* p, std::size_t n) {
  secure_wipe(p, n);
}

}  // namespace civic
