// The hub's transparency log: a Merkle tree over accepted records' hashes, hashed as RFC 9162
// (Certificate Transparency 2.0) section 2.1 says, with SHA-256. The hub signs checkpoints (tree
// size and root); a receipt's inclusion proof shows that a record is in the tree a checkpoint
// names. Proofs show inclusion only: a leaf is a record hash, which reveals nothing of content.
// See PROTOCOL.md "Transparency log".
#pragma once

#include <cstdint>
#include <vector>

#include "crypto.h"

namespace civic {

// SHA-256(0x00 || leaf data): the leaf data is a record hash (32 bytes).
Hash32 merkle_leaf_hash(ByteView leaf_data);
// SHA-256(0x01 || left || right).
Hash32 merkle_node_hash(const Hash32& left, const Hash32& right);
// MTH over leaf hashes (RFC 9162 2.1.1); the empty tree's root is SHA-256 of nothing.
Hash32 merkle_root(const std::vector<Hash32>& leaf_hashes);
// PATH(index, D[n]) (RFC 9162 2.1.3.1). index < leaf_hashes.size().
std::vector<Hash32> merkle_inclusion_proof(const std::vector<Hash32>& leaf_hashes, std::uint64_t index);
// The verification of RFC 9162 2.1.3.2: true when `proof` shows the leaf at `index` of a tree of
// `size` leaves with root `root`.
bool verify_merkle_inclusion(const Hash32& leaf_hash, std::uint64_t index, std::uint64_t size,
                             const std::vector<Hash32>& proof, const Hash32& root);
// PROOF(first, D[n]) (RFC 9162 2.1.4.1): that the tree of the first `first` leaves is a prefix of
// the tree of all of them. Empty when first is 0 or first >= n.
std::vector<Hash32> merkle_consistency_proof(const std::vector<Hash32>& leaf_hashes, std::uint64_t first);
// The verification of RFC 9162 2.1.4.2: true when `proof` shows that the tree of `first` leaves
// with root `first_root` is a prefix of the tree of `second` leaves with root `second_root`. An
// empty first tree is a prefix of every tree; equal sizes need equal roots and an empty proof.
bool verify_merkle_consistency(std::uint64_t first, std::uint64_t second, const Hash32& first_root,
                               const Hash32& second_root, const std::vector<Hash32>& proof);

// A tree whose complete subtrees can be read, from memory or from storage: roots and proofs for
// any size up to the tree's read O(log^2 n) stored hashes and never a leaf beyond them.
class MerkleNodeSource {
 public:
  virtual ~MerkleNodeSource() = default;
  // The hash of the complete subtree of leaves [index * 2^level, (index + 1) * 2^level).
  [[nodiscard]] virtual Result<Hash32> complete_subtree(unsigned level, std::uint64_t index) const = 0;
};
// MTH of the first `size` leaves.
[[nodiscard]] Result<Hash32> merkle_root_at(const MerkleNodeSource& tree, std::uint64_t size);
// PATH(index, D[size]).
[[nodiscard]] Result<std::vector<Hash32>> merkle_inclusion_proof_at(const MerkleNodeSource& tree,
                                                                     std::uint64_t index, std::uint64_t size);
// PROOF(first, D[second]).
[[nodiscard]] Result<std::vector<Hash32>> merkle_consistency_proof_at(const MerkleNodeSource& tree,
                                                                       std::uint64_t first, std::uint64_t second);

// A range proof: that leaves [begin, begin + count) of the tree of `size` leaves are given ones,
// with the hashes of the largest subtrees outside the range, left to right (at most 2 log2 n of
// them, however long the range): a kiosk proves a whole batch of its records with one.
[[nodiscard]] Result<std::vector<Hash32>> merkle_range_proof_at(const MerkleNodeSource& tree, std::uint64_t begin,
                                                                 std::uint64_t count, std::uint64_t size);
// True when `proof` shows `leaf_hashes` at [begin, begin + leaf_hashes.size()) in the tree of
// `size` leaves with root `root`.
bool verify_merkle_range(const std::vector<Hash32>& leaf_hashes, std::uint64_t begin, std::uint64_t size,
                         const std::vector<Hash32>& proof, const Hash32& root);

// The tree kept in memory as it grows: every complete subtree's hash is stored when its last leaf
// arrives (about 64 bytes of memory per leaf). Equal, for every size, to merkle_root and
// merkle_inclusion_proof over the same leaves.
class MerkleTree final : public MerkleNodeSource {
 public:
  void append(const Hash32& leaf_hash);
  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  Hash32 root() const { return root_at(size()); }
  // The root the tree had when it held its first `size` leaves (size <= size()).
  Hash32 root_at(std::uint64_t size) const { return *merkle_root_at(*this, size); }
  // index < size().
  std::vector<Hash32> inclusion_proof(std::uint64_t index) const { return inclusion_proof(index, size()); }
  // In the tree of the first `size` leaves (index < size <= size()).
  std::vector<Hash32> inclusion_proof(std::uint64_t index, std::uint64_t size) const {
    return *merkle_inclusion_proof_at(*this, index, size);
  }
  // PROOF(first, D[second]) over the first `second` leaves (first <= second <= size()).
  std::vector<Hash32> consistency_proof(std::uint64_t first, std::uint64_t second) const {
    return *merkle_consistency_proof_at(*this, first, second);
  }
  [[nodiscard]] Result<Hash32> complete_subtree(unsigned level, std::uint64_t index) const override;

 private:
  // levels_[h][i]: the hash of the complete subtree of leaves [i * 2^h, (i + 1) * 2^h).
  std::vector<std::vector<Hash32>> levels_;
};

// A signed checkpoint: "CKCP", version 1, tree size (u64), root (32), signing time (u64, Unix
// seconds), Ed25519 signature (64) over the tagged digest of what precedes it; 117 bytes.
struct Checkpoint {
  std::uint64_t size = 0;
  Hash32 root{};
  std::uint64_t signed_at = 0;
  bool operator==(const Checkpoint&) const = default;
};
Bytes encode_signed_checkpoint(const Checkpoint& checkpoint, const SigningKeyPair& hub_key);
[[nodiscard]] Result<Checkpoint> verify_checkpoint(ByteView bytes, const SigningPublicKey& hub_key);

}  // namespace civic
