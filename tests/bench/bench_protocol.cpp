// Protocol throughput beside the raw libsodium primitives, measured in the same run.
// Target: our wrappers cost less than 10% over the primitives.
#include <sodium.h>

#include <cstring>

#include "bench_util.h"
#include "tests/protocol/test_keys.h"

using namespace civic;

int main() {
  if (!crypto_init().ok()) return 1;
  auto kiosk = test::kiosk_key();
  auto hub = test::hub_submission_key();
  Submission s = test::sample_submission();
  const std::size_t padded = padded_size_for(encode_submission(s).size());
  std::printf("sealed record: %zu bytes (plaintext %zu, padded %zu)\n", padded + kSealOverhead,
              encode_submission(s).size(), padded);

  // Sealing: validate + encode + pad + seal, against crypto_box_seal of the same padded size.
  Bytes plain(padded, 0x42), out(padded + kSealOverhead);
  auto seal = bench::compare(
      [&] { (void)seal_submission(s, hub.public_key); },
      [&] { crypto_box_seal(out.data(), plain.data(), plain.size(), hub.public_key.bytes.data()); }, 1);
  bench::report("seal submission", "rec/s", seal, "crypto_box_seal");

  // Batches of 1,000 records.
  constexpr std::size_t kRecords = 1000;
  std::vector<Bytes> records;
  for (std::size_t i = 0; i < kRecords; ++i) records.push_back(*seal_submission(s, hub.public_key));
  BatchHeader h;
  h.kiosk_id = kiosk_id_from_key(kiosk.public_key);
  h.sequence = 1;
  h.first_position = 1;
  const Bytes batch = encode_signed_batch(h, records, kiosk)->bytes;
  std::printf("batch: %zu records, %zu bytes\n", kRecords, batch.size());

  // The primitive work the format requires: a BLAKE2b-256 per record and per chain link, one
  // BLAKE2b-512 over the encoding, one Ed25519 operation.
  auto raw_hashes = [&](ByteView whole) {
    unsigned char h32[32], link[32 + 8 + 64], h64[64];
    for (const auto& r : records) {
      crypto_generichash(h32, 32, r.data(), r.size(), nullptr, 0);
      std::memcpy(link + 8, h32, 32);
      crypto_generichash(h32, 32, link, sizeof link, nullptr, 0);
    }
    crypto_generichash(h64, 64, whole.data(), whole.size(), nullptr, 0);
  };
  unsigned char sig[64];
  auto encode = bench::compare(
      [&] { (void)encode_signed_batch(h, records, kiosk); },
      [&] {
        raw_hashes(batch);
        crypto_sign_detached(sig, nullptr, batch.data(), 64, kiosk.expanded.data());
      },
      kRecords);
  bench::report("batch encode+sign", "rec/s", encode, "libsodium hashes+sign");

  crypto_sign_detached(sig, nullptr, batch.data(), 64, kiosk.expanded.data());
  auto verify = bench::compare(
      [&] {
        auto p = parse_batch(batch);
        if (!p.ok() || !verify_batch(*p, kiosk.public_key).ok()) std::abort();
      },
      [&] {
        raw_hashes(batch);
        if (crypto_sign_verify_detached(sig, batch.data(), 64, kiosk.public_key.bytes.data()) != 0) std::abort();
      },
      kRecords);
  bench::report("batch parse+verify", "rec/s", verify, "libsodium hashes+verify");

  auto open = bench::compare([&] { (void)open_submission(records[0], hub); },
                             [&] {
                               (void)crypto_box_seal_open(plain.data(), records[0].data(), records[0].size(),
                                                    hub.public_key.bytes.data(), hub.secret.data());
                             },
                             1);
  bench::report("open submission", "rec/s", open, "crypto_box_seal_open");

  // The hub's receipt proofs (407 ms each at 300k records, rebuilt from every leaf):
  // the growing tree beside the rebuild over the same 300,000 leaves.
  std::vector<Hash32> leaves;
  MerkleTree tree;
  for (std::uint64_t i = 0; i < 300000; ++i) {
    Hash32 data{};
    std::memcpy(data.data(), &i, sizeof i);
    leaves.push_back(merkle_leaf_hash(data));
    tree.append(leaves.back());
  }
  std::uint64_t which = 0;
  auto proof = bench::compare(
      [&] {
        which = (which * 7919 + 13) % leaves.size();
        if (tree.inclusion_proof(which).empty() || tree.root() == Hash32{}) std::abort();
      },
      [&] {
        which = (which * 7919 + 13) % leaves.size();
        if (merkle_inclusion_proof(leaves, which).empty() || merkle_root(leaves) == Hash32{}) std::abort();
      },
      1, 3, 0.5);
  bench::report("receipt proof and root, 300k records", "proofs/s", proof, "rebuilt from every leaf");
  return 0;
}
