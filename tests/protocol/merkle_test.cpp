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

namespace {
// The RFC 6962 reference data published with Certificate Transparency's implementations: eight
// leaf inputs, the root of every prefix, and consistency paths between prefixes. An outside oracle:
// none of these hashes comes from our code.
const std::vector<std::string> kReferenceLeafInputs = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kReferenceRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
struct ReferenceConsistency {
  std::uint64_t first, second;
  std::vector<std::string> path;
};
const std::vector<ReferenceConsistency> kReferenceConsistency = {
    {1, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {3, 7,
     {"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
      "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"}},
    {4, 7, {"837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"}},
    {6, 7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};
Hash32 h32(const std::string& hex) {
  return *fixed_from_hex<32>(hex);
}
}  // namespace

TEST_CASE("roots and consistency proofs equal the RFC 6962 reference data", "[merkle]") {
  std::vector<Hash32> leaves;
  MerkleTree tree;
  for (const auto& input : kReferenceLeafInputs) {
    leaves.push_back(merkle_leaf_hash(*from_hex(input)));
    tree.append(leaves.back());
  }
  for (std::uint64_t n = 0; n <= leaves.size(); ++n) {
    INFO("size " << n);
    CHECK(to_hex(tree.root_at(n)) == kReferenceRoots[n]);
  }
  for (const auto& c : kReferenceConsistency) {
    INFO("PROOF(" << c.first << ", D[" << c.second << "])");
    std::vector<Hash32> want;
    for (const auto& h : c.path) want.push_back(h32(h));
    const std::vector<Hash32> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(c.second));
    CHECK(merkle_consistency_proof(prefix, c.first) == want);
    CHECK(tree.consistency_proof(c.first, c.second) == want);
    CHECK(verify_merkle_consistency(c.first, c.second, h32(kReferenceRoots[c.first]), h32(kReferenceRoots[c.second]),
                                    want));
  }
}

TEST_CASE("consistency proofs verify between every pair of sizes up to 40, and no altered proof does",
          "[merkle]") {
  std::vector<Hash32> leaves;
  MerkleTree tree;
  for (std::uint64_t i = 0; i < 40; ++i) {
    const std::string data = "leaf " + std::to_string(i);
    leaves.push_back(merkle_leaf_hash(as_bytes(data)));
    tree.append(leaves.back());
  }
  for (std::uint64_t second = 1; second <= leaves.size(); ++second) {
    const std::vector<Hash32> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(second));
    const Hash32 second_root = tree.root_at(second);
    for (std::uint64_t first = 0; first <= second; ++first) {
      INFO("first " << first << ", second " << second);
      const Hash32 first_root = tree.root_at(first);
      const auto proof = tree.consistency_proof(first, second);
      REQUIRE(proof == merkle_consistency_proof(prefix, first));
      REQUIRE(verify_merkle_consistency(first, second, first_root, second_root, proof));
      if (first == 0) continue;
      // A history rewritten anywhere in the first tree: the old root no longer fits.
      Hash32 other_first = first_root;
      other_first[5] ^= 1;
      CHECK_FALSE(verify_merkle_consistency(first, second, other_first, second_root, proof));
      Hash32 other_second = second_root;
      other_second[31] ^= 0x80;
      if (first != second) CHECK_FALSE(verify_merkle_consistency(first, second, first_root, other_second, proof));
      for (std::size_t i = 0; i < proof.size(); ++i) {
        auto altered = proof;
        altered[i][i % 32] ^= 0x01;
        CHECK_FALSE(verify_merkle_consistency(first, second, first_root, second_root, altered));
      }
      if (!proof.empty()) {
        auto shorter = proof;
        shorter.pop_back();
        CHECK_FALSE(verify_merkle_consistency(first, second, first_root, second_root, shorter));
        auto longer = proof;
        longer.push_back(proof.back());
        CHECK_FALSE(verify_merkle_consistency(first, second, first_root, second_root, longer));
      }
      // A tree that shrank is never consistent with the larger one (sizes and roots are bound
      // together by the signed checkpoints, not by the path).
      if (first != second) CHECK_FALSE(verify_merkle_consistency(second, first, second_root, first_root, proof));
    }
  }
}

TEST_CASE("inclusion proofs in an earlier size of the growing tree verify against that size's root", "[merkle]") {
  std::vector<Hash32> leaves;
  MerkleTree tree;
  for (std::uint64_t i = 0; i < 33; ++i) {
    leaves.push_back(merkle_leaf_hash(as_bytes("entry " + std::to_string(i))));
    tree.append(leaves.back());
  }
  for (std::uint64_t n = 1; n <= 33; ++n) {
    const std::vector<Hash32> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto proof = tree.inclusion_proof(i, n);
      REQUIRE(proof == merkle_inclusion_proof(prefix, i));
      REQUIRE(verify_merkle_inclusion(leaves[i], i, n, proof, tree.root_at(n)));
    }
  }
}

TEST_CASE("range proofs show any run of leaves with at most 2 log2 n hashes, and nothing else verifies",
          "[merkle]") {
  MerkleTree tree;
  std::vector<Hash32> leaves;
  for (std::uint64_t i = 0; i < 37; ++i) {
    leaves.push_back(merkle_leaf_hash(as_bytes("range leaf " + std::to_string(i))));
    tree.append(leaves.back());
  }
  for (std::uint64_t size = 1; size <= leaves.size(); ++size) {
    const Hash32 root = tree.root_at(size);
    std::uint64_t log2 = 0;
    while ((std::uint64_t{1} << log2) < size) ++log2;
    for (std::uint64_t begin = 0; begin < size; ++begin) {
      for (std::uint64_t count = 1; begin + count <= size; ++count) {
        INFO("size " << size << ", leaves " << begin << " + " << count);
        auto proof = merkle_range_proof_at(tree, begin, count, size);
        REQUIRE(proof.ok());
        CHECK(proof->size() <= 2 * log2);
        const std::vector<Hash32> run(leaves.begin() + static_cast<std::ptrdiff_t>(begin),
                                      leaves.begin() + static_cast<std::ptrdiff_t>(begin + count));
        REQUIRE(verify_merkle_range(run, begin, size, *proof, root));
        // Another leaf in the run, the run one place over, a changed or missing proof hash: refused.
        auto other = run;
        other[count / 2][3] ^= 1;
        CHECK_FALSE(verify_merkle_range(other, begin, size, *proof, root));
        if (begin + count < size) CHECK_FALSE(verify_merkle_range(run, begin + 1, size, *proof, root));
        if (!proof->empty()) {
          auto altered = *proof;
          altered.back()[0] ^= 1;
          CHECK_FALSE(verify_merkle_range(run, begin, size, altered, root));
          auto shorter = *proof;
          shorter.pop_back();
          CHECK_FALSE(verify_merkle_range(run, begin, size, shorter, root));
        }
        auto longer = *proof;
        longer.push_back(root);
        CHECK_FALSE(verify_merkle_range(run, begin, size, longer, root));
      }
    }
  }
}
