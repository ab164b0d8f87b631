#include "crypto.h"

#include <sodium.h>

#include <cstring>

namespace civic {

// The format's sizes are libsodium's: a libsodium that changed one would break every file and
// message, so the build stops instead.
static_assert(kPublicKeySize == crypto_sign_PUBLICKEYBYTES && kPublicKeySize == crypto_box_PUBLICKEYBYTES);
static_assert(kSeedSize == crypto_sign_SEEDBYTES && kSeedSize == crypto_box_SEEDBYTES);
static_assert(kSignatureSize == crypto_sign_BYTES);
static_assert(kSealOverhead == crypto_box_SEALBYTES);
static_assert(kHashSize >= crypto_generichash_BYTES_MIN && kHashSize <= crypto_generichash_BYTES_MAX);
static_assert(kDigestSize <= crypto_generichash_BYTES_MAX);


namespace {
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// Everything below depends on libsodium; crypto_init() is the checked entry point, and every
// function calls this so a forgotten init cannot silently use an unseeded generator.
void require_sodium() {
  if (!sodium_ready()) std::abort();
}
}  // namespace

Status crypto_init() {
  if (!sodium_ready()) {
    return make_error(ErrorCode::kInternal,
                      "libsodium failed to initialise (no source of randomness?); check that "
                      "/dev/urandom is readable");
  }
  return {};
}

SigningKeyPair signing_key_pair_from_seed(const FixedBytes<kSeedSize>& seed) {
  require_sodium();
  SigningKeyPair kp;
  std::memcpy(kp.seed.data(), seed.data(), kSeedSize);
  crypto_sign_seed_keypair(kp.public_key.bytes.data(), kp.expanded.data(), seed.data());
  return kp;
}

SigningKeyPair generate_signing_key_pair() {
  require_sodium();
  Secret<kSeedSize> seed;
  random_bytes(seed.data(), kSeedSize);
  FixedBytes<kSeedSize> copy{};
  std::memcpy(copy.data(), seed.data(), kSeedSize);
  auto kp = signing_key_pair_from_seed(copy);
  secure_wipe(copy.data(), copy.size());
  return kp;
}

SealKeyPair seal_key_pair_from_secret(const FixedBytes<32>& secret) {
  require_sodium();
  SealKeyPair kp;
  std::memcpy(kp.secret.data(), secret.data(), 32);
  crypto_scalarmult_base(kp.public_key.bytes.data(), kp.secret.data());
  return kp;
}

SealKeyPair generate_seal_key_pair() {
  require_sodium();
  SealKeyPair kp;
  crypto_box_keypair(kp.public_key.bytes.data(), kp.secret.data());
  return kp;
}

void random_bytes(std::uint8_t* out, std::size_t n) {
  require_sodium();
  randombytes_buf(out, n);
}

Hash32 tagged_hash(std::string_view tag, std::initializer_list<ByteView> parts) {
  require_sodium();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kHashSize);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(tag.data()), tag.size());
  const unsigned char zero = 0;
  crypto_generichash_update(&state, &zero, 1);
  for (auto part : parts) crypto_generichash_update(&state, part.data(), part.size());
  Hash32 out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

Digest64 tagged_digest(std::string_view tag, ByteView data) {
  require_sodium();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kDigestSize);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(tag.data()), tag.size());
  const unsigned char zero = 0;
  crypto_generichash_update(&state, &zero, 1);
  crypto_generichash_update(&state, data.data(), data.size());
  Digest64 out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

Signature sign_digest(const SigningKeyPair& key, const Digest64& digest) {
  require_sodium();
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, digest.data(), digest.size(), key.expanded.data());
  return sig;
}

bool verify_digest(const SigningPublicKey& key, const Digest64& digest, const Signature& signature) {
  require_sodium();
  return crypto_sign_verify_detached(signature.data(), digest.data(), digest.size(),
                                     key.bytes.data()) == 0;
}

KioskId kiosk_id_from_key(const SigningPublicKey& key) {
  auto h = tagged_hash(tag::kKioskId, {ByteView(key.bytes)});
  KioskId id{};
  std::memcpy(id.data(), h.data(), id.size());
  return id;
}

std::string key_fingerprint(ByteView public_key) {
  auto h = tagged_hash(tag::kFingerprint, {public_key});
  std::string hex = to_hex(ByteView(h).first(8));
  std::string out;
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(hex[i]);
  }
  return out;
}

bool constant_time_equal(ByteView a, ByteView b) {
  require_sodium();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_wipe(void* data, std::size_t size) { sodium_memzero(data, size); }

bool is_valid_signing_key(const SigningPublicKey& key) {
  return crypto_core_ed25519_is_valid_point(key.bytes.data()) == 1;
}

}  // namespace civic
