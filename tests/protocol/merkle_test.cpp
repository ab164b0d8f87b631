// The transparency log: RFC 9162 hashing, inclusion proofs for every leaf of every tree size
// 1..64, and that any change to a proof, leaf, index, size or root is caught.
#include <catch2/catch.hpp>

#include "sync/protocol/protocol.h"
#include "test_keys.h"

using namespace civic;

namespace {
std::vector<Hash32> leaves_of(std::uint64_t n) {
  std::vector<Hash32> leaves;
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::string data = "record " + std::to_string(i);
    leaves.push_back(merkle_leaf_hash(tagged_hash("civic-kiosk/test/v1", {as_bytes(data)})));
  }
  return leaves;
}
}  // namespace

TEST_CASE("Merkle hashing follows RFC 9162: domain-separated leaves and nodes", "[merkle]") {
  // SHA-256 of the empty string, the RFC's MTH({}).
  CHECK(to_hex(merkle_root({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const auto one = leaves_of(1);
  CHECK(merkle_root(one) == one[0]);
  const auto two = leaves_of(2);
  CHECK(merkle_root(two) == merkle_node_hash(two[0], two[1]));
  // Three leaves: the left subtree holds the largest power of two below 3.
  const auto three = leaves_of(3);
  CHECK(merkle_root(three) == merkle_node_hash(merkle_node_hash(three[0], three[1]), three[2]));
  // A leaf hash is not a node hash of anything: the 0x00 / 0x01 prefixes differ.
  const Hash32 data{};
  CHECK(merkle_leaf_hash(data) != merkle_node_hash(data, data));
}

TEST_CASE("inclusion proofs verify for every leaf of trees of every size 1..64, and nothing else does",
          "[merkle]") {
  for (std::uint64_t n = 1; n <= 64; ++n) {
    const auto leaves = leaves_of(n);
    const Hash32 root = merkle_root(leaves);
    for (std::uint64_t i = 0; i < n; ++i) {
      INFO("tree of " << n << ", leaf " << i);
      const auto proof = merkle_inclusion_proof(leaves, i);
      REQUIRE(verify_merkle_inclusion(leaves[i], i, n, proof, root));
      // Every element of the proof matters, bit by bit (one flipped bit each).
      for (std::size_t p = 0; p < proof.size(); ++p) {
        auto bad = proof;
        bad[p][p % 32] ^= 0x01;
        CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n, bad, root));
      }
      // A missing or an extra element.
      if (!proof.empty()) {
        auto shorter = proof;
        shorter.pop_back();
        CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n, shorter, root));
      }
      auto longer = proof;
      longer.push_back(root);
      CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n, longer, root));
      // Another leaf, another index, another size, another root.
      if (n > 1) {
        CHECK_FALSE(verify_merkle_inclusion(leaves[(i + 1) % n], i, n, proof, root));
        CHECK_FALSE(verify_merkle_inclusion(leaves[i], (i + 1) % n, n, proof, root));
      }
      // The tree one leaf larger (a checkpoint signs size and root together).
      auto bigger = leaves_of(n + 1);
      CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n + 1, proof, merkle_root(bigger)));
      CHECK_FALSE(verify_merkle_inclusion(leaves[i], n, n, proof, root));
      Hash32 other_root = root;
      other_root[31] ^= 0x80;
      CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n, proof, other_root));
    }
  }
}

TEST_CASE("checkpoints are signed by the hub and refuse any change", "[merkle]") {
  const auto hub = test::hub_signing_key();
  const auto leaves = leaves_of(10);
  const Checkpoint c{10, merkle_root(leaves), 1795020000};
  const Bytes bytes = encode_signed_checkpoint(c, hub);
  REQUIRE(bytes.size() == kCheckpointSize);
  auto back = verify_checkpoint(bytes, hub.public_key);
  REQUIRE(back.ok());
  CHECK(*back == c);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    Bytes bad = bytes;
    bad[i] ^= 0x20;
    INFO("byte " << i);
    CHECK_FALSE(verify_checkpoint(bad, hub.public_key).ok());
  }
  CHECK(verify_checkpoint(bytes, test::kiosk_key().public_key).code() == ErrorCode::kBadSignature);
  Bytes longer = bytes;
  longer.push_back(0);
  CHECK(verify_checkpoint(longer, hub.public_key).code() == ErrorCode::kOversize);
  CHECK(verify_checkpoint(ByteView(bytes).first(50), hub.public_key).code() == ErrorCode::kTruncated);
}

TEST_CASE("the growing tree gives the same root and proofs as the tree built from all leaves, at every size",
          "[merkle]") {
  std::vector<Hash32> leaves;
  MerkleTree tree;
  CHECK(tree.root() == merkle_root(leaves));
  for (int n = 1; n <= 130; ++n) {
    Hash32 data{};
    data[0] = static_cast<std::uint8_t>(n);
    data[1] = static_cast<std::uint8_t>(n >> 8);
    leaves.push_back(merkle_leaf_hash(data));
    tree.append(leaves.back());
    REQUIRE(tree.size() == leaves.size());
    INFO("size " << n);
    REQUIRE(tree.root() == merkle_root(leaves));
    for (std::uint64_t i = 0; i < leaves.size(); ++i) {
      INFO("leaf " << i);
      const auto proof = tree.inclusion_proof(i);
      REQUIRE(proof == merkle_inclusion_proof(leaves, i));
      REQUIRE(verify_merkle_inclusion(leaves[i], i, leaves.size(), proof, tree.root()));
    }
  }
}
