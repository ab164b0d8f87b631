#include "merkle.h"

#include <sodium.h>

#include <bit>
#include <optional>

namespace civic {

namespace {


Hash32 sha256(std::uint8_t prefix, ByteView a, ByteView b = {}) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, a.data(), a.size());
  if (!b.empty()) crypto_hash_sha256_update(&st, b.data(), b.size());
  Hash32 out{};
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

// The largest power of two smaller than n (n >= 2).
std::uint64_t split_point(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

// MTH(D[begin:end]) over leaf hashes.
Hash32 subtree_root(const std::vector<Hash32>& leaves, std::uint64_t begin, std::uint64_t end) {
  const std::uint64_t n = end - begin;
  if (n == 1) return leaves[begin];
  const std::uint64_t k = split_point(n);
  return merkle_node_hash(subtree_root(leaves, begin, begin + k), subtree_root(leaves, begin + k, end));
}

void path(const std::vector<Hash32>& leaves, std::uint64_t m, std::uint64_t begin, std::uint64_t end,
          std::vector<Hash32>& out) {
  const std::uint64_t n = end - begin;
  if (n <= 1) return;
  const std::uint64_t k = split_point(n);
  if (m < k) {
    path(leaves, m, begin, begin + k, out);
    out.push_back(subtree_root(leaves, begin + k, end));
  } else {
    path(leaves, m - k, begin + k, end, out);
    out.push_back(subtree_root(leaves, begin, begin + k));
  }
}

// SUBPROOF(m, D[begin:end], whole) of RFC 9162 2.1.4.1, m counted from `begin`.
void subproof(const std::vector<Hash32>& leaves, std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
              std::vector<Hash32>& out) {
  const std::uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(subtree_root(leaves, begin, end));
    return;
  }
  const std::uint64_t k = split_point(n);
  if (m <= k) {
    subproof(leaves, m, begin, begin + k, whole, out);
    out.push_back(subtree_root(leaves, begin + k, end));
  } else {
    subproof(leaves, m - k, begin + k, end, false, out);
    out.push_back(subtree_root(leaves, begin, begin + k));
  }
}

}  // namespace

Hash32 merkle_leaf_hash(ByteView leaf_data) {
  return sha256(0x00, leaf_data);
}

Hash32 merkle_node_hash(const Hash32& left, const Hash32& right) {
  return sha256(0x01, left, right);
}

Hash32 merkle_root(const std::vector<Hash32>& leaf_hashes) {
  if (leaf_hashes.empty()) {
    Hash32 out{};
    crypto_hash_sha256(out.data(), nullptr, 0);
    return out;
  }
  return subtree_root(leaf_hashes, 0, leaf_hashes.size());
}

std::vector<Hash32> merkle_inclusion_proof(const std::vector<Hash32>& leaf_hashes, std::uint64_t index) {
  std::vector<Hash32> out;
  if (index < leaf_hashes.size()) path(leaf_hashes, index, 0, leaf_hashes.size(), out);
  return out;
}

bool verify_merkle_inclusion(const Hash32& leaf_hash, std::uint64_t index, std::uint64_t size,
                             const std::vector<Hash32>& proof, const Hash32& root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash32 r = leaf_hash;
  for (const auto& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = merkle_node_hash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = merkle_node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && sodium_memcmp(r.data(), root.data(), r.size()) == 0;
}

std::vector<Hash32> merkle_consistency_proof(const std::vector<Hash32>& leaf_hashes, std::uint64_t first) {
  std::vector<Hash32> out;
  if (first > 0 && first < leaf_hashes.size()) subproof(leaf_hashes, first, 0, leaf_hashes.size(), true, out);
  return out;
}

bool verify_merkle_consistency(std::uint64_t first, std::uint64_t second, const Hash32& first_root,
                               const Hash32& second_root, const std::vector<Hash32>& proof) {
  if (first > second) return false;
  if (first == 0) return proof.empty();
  if (first == second) return proof.empty() && sodium_memcmp(first_root.data(), second_root.data(), 32) == 0;
  if (proof.empty()) return false;
  // RFC 9162 2.1.4.2, step by step.
  std::vector<Hash32> path;
  if ((first & (first - 1)) == 0) path.push_back(first_root);
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash32 fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash32& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = merkle_node_hash(c, fr);
      sr = merkle_node_hash(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = merkle_node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && sodium_memcmp(fr.data(), first_root.data(), 32) == 0 &&
         sodium_memcmp(sr.data(), second_root.data(), 32) == 0;
}

Bytes encode_signed_checkpoint(const Checkpoint& c, const SigningKeyPair& hub_key) {
  ByteWriter w(kCheckpointSize);
  w.raw(as_bytes(magic::kCheckpoint));
  w.u8(kCheckpointVersion);
  w.u64(c.size);
  w.raw(c.root);
  w.u64(c.signed_at);
  w.raw(sign_digest(hub_key, tagged_digest(tag::kCheckpoint, w.bytes())));
  return w.take();
}

Result<Checkpoint> verify_checkpoint(ByteView bytes, const SigningPublicKey& hub_key) {
  if (bytes.size() > kCheckpointSize) {
    return make_error(ErrorCode::kOversize, "a checkpoint is " + std::to_string(kCheckpointSize) +
                                                " bytes; this one is " + std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kCheckpoint, "a civic-kiosk checkpoint"));
  CIVIC_TRY(expect_version(r, kCheckpointVersion, "checkpoint"));
  Checkpoint c;
  CIVIC_ASSIGN(size, r.u64("size"));
  CIVIC_ASSIGN(root, r.fixed<kHashSize>("root"));
  CIVIC_ASSIGN(at, r.u64("signed_at"));
  const std::size_t signed_size = r.offset();
  CIVIC_ASSIGN(signature, r.fixed<kSignatureSize>("signature"));
  CIVIC_TRY(r.expect_end("the checkpoint"));
  if (!verify_digest(hub_key, tagged_digest(tag::kCheckpoint, bytes.first(signed_size)), signature)) {
    return make_error(
        ErrorCode::kBadSignature,
        "the checkpoint's signature does not verify against the hub's key: it was altered or did "
        "not come from this hub");
  }
  c.size = size;
  c.root = root;
  c.signed_at = at;
  return c;
}

void MerkleTree::append(const Hash32& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Each time a level holds an even number of nodes, their parent is complete.
  for (std::size_t h = 0; levels_[h].size() % 2 == 0; ++h) {
    if (levels_.size() == h + 1) levels_.emplace_back();
    const auto& level = levels_[h];
    const Hash32 parent = merkle_node_hash(level[level.size() - 2], level[level.size() - 1]);
    levels_[h + 1].push_back(parent);
  }
}

Result<Hash32> MerkleTree::complete_subtree(unsigned level, std::uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size())
    return make_error(ErrorCode::kNotFound, "no such subtree in the log");
  return levels_[level][index];
}

namespace {

// MTH(D[begin:end]) from complete subtrees: RFC 9162 splits keep every power-of-two part aligned.
Result<Hash32> subtree_at(const MerkleNodeSource& tree, std::uint64_t begin, std::uint64_t end) {
  const std::uint64_t n = end - begin;
  if ((n & (n - 1)) == 0) {
    const auto h = static_cast<unsigned>(std::countr_zero(n));
    return tree.complete_subtree(h, begin >> h);
  }
  const std::uint64_t k = split_point(n);
  CIVIC_ASSIGN(left, tree.complete_subtree(static_cast<unsigned>(std::countr_zero(k)), begin / k));
  CIVIC_ASSIGN(right, subtree_at(tree, begin + k, end));
  return merkle_node_hash(left, right);
}

Status path_at(const MerkleNodeSource& tree, std::uint64_t index, std::uint64_t begin, std::uint64_t end,
               std::vector<Hash32>& out) {
  const std::uint64_t n = end - begin;
  if (n <= 1) return {};
  const std::uint64_t k = split_point(n);
  if (index < begin + k) {
    CIVIC_TRY(path_at(tree, index, begin, begin + k, out));
    CIVIC_ASSIGN(sibling, subtree_at(tree, begin + k, end));
    out.push_back(sibling);
  } else {
    CIVIC_TRY(path_at(tree, index, begin + k, end, out));
    CIVIC_ASSIGN(sibling, subtree_at(tree, begin, begin + k));
    out.push_back(sibling);
  }
  return {};
}

// SUBPROOF(first, D[begin:end], whole), first counted from `begin`.
Status subproof_at(const MerkleNodeSource& tree, std::uint64_t first, std::uint64_t begin, std::uint64_t end,
                   bool whole, std::vector<Hash32>& out) {
  const std::uint64_t n = end - begin;
  if (first == n) {
    if (whole) return {};
    CIVIC_ASSIGN(all, subtree_at(tree, begin, end));
    out.push_back(all);
    return {};
  }
  const std::uint64_t k = split_point(n);
  if (first <= k) {
    CIVIC_TRY(subproof_at(tree, first, begin, begin + k, whole, out));
    CIVIC_ASSIGN(right, subtree_at(tree, begin + k, end));
    out.push_back(right);
  } else {
    CIVIC_TRY(subproof_at(tree, first - k, begin + k, end, false, out));
    CIVIC_ASSIGN(left, subtree_at(tree, begin, begin + k));
    out.push_back(left);
  }
  return {};
}

// The subtrees of [lo, hi) outside [begin, end), left to right.
Status range_proof(const MerkleNodeSource& tree, std::uint64_t begin, std::uint64_t end, std::uint64_t lo,
                   std::uint64_t hi, std::vector<Hash32>& out) {
  if (hi <= begin || lo >= end) {
    CIVIC_ASSIGN(outside, subtree_at(tree, lo, hi));
    out.push_back(outside);
    return {};
  }
  if (begin <= lo && hi <= end) return {};  // the verifier has these leaves
  const std::uint64_t k = split_point(hi - lo);
  CIVIC_TRY(range_proof(tree, begin, end, lo, lo + k, out));
  return range_proof(tree, begin, end, lo + k, hi, out);
}

// MTH(D[lo:hi]) from the range's leaves and the proof's subtrees, taken in order.
std::optional<Hash32> range_root(const std::vector<Hash32>& leaves, std::uint64_t begin, std::uint64_t lo,
                                 std::uint64_t hi, const std::vector<Hash32>& proof, std::size_t& next) {
  const std::uint64_t end = begin + leaves.size();
  if (hi <= begin || lo >= end) {
    if (next >= proof.size()) return std::nullopt;
    return proof[next++];
  }
  if (hi - lo == 1) return leaves[lo - begin];
  const std::uint64_t k = split_point(hi - lo);
  auto left = range_root(leaves, begin, lo, lo + k, proof, next);
  if (!left) return std::nullopt;
  auto right = range_root(leaves, begin, lo + k, hi, proof, next);
  if (!right) return std::nullopt;
  return merkle_node_hash(*left, *right);
}
}  // namespace

Result<std::vector<Hash32>> merkle_range_proof_at(const MerkleNodeSource& tree, std::uint64_t begin,
                                                  std::uint64_t count, std::uint64_t size) {
  if (count == 0 || begin + count > size) return make_error(ErrorCode::kInvalidArgument, "no such range of leaves");
  std::vector<Hash32> out;
  CIVIC_TRY(range_proof(tree, begin, begin + count, 0, size, out));
  return out;
}

bool verify_merkle_range(const std::vector<Hash32>& leaf_hashes, std::uint64_t begin, std::uint64_t size,
                         const std::vector<Hash32>& proof, const Hash32& root) {
  if (leaf_hashes.empty() || begin >= size || leaf_hashes.size() > size - begin) return false;
  std::size_t next = 0;
  const auto computed = range_root(leaf_hashes, begin, 0, size, proof, next);
  return computed && next == proof.size() && sodium_memcmp(computed->data(), root.data(), 32) == 0;
}

Result<Hash32> merkle_root_at(const MerkleNodeSource& tree, std::uint64_t size) {
  if (size == 0) return merkle_root({});
  return subtree_at(tree, 0, size);
}

Result<std::vector<Hash32>> merkle_inclusion_proof_at(const MerkleNodeSource& tree, std::uint64_t index,
                                                      std::uint64_t size) {
  std::vector<Hash32> out;
  if (index < size) CIVIC_TRY(path_at(tree, index, 0, size, out));
  return out;
}

Result<std::vector<Hash32>> merkle_consistency_proof_at(const MerkleNodeSource& tree, std::uint64_t first,
                                                        std::uint64_t second) {
  std::vector<Hash32> out;
  if (first > 0 && first < second) CIVIC_TRY(subproof_at(tree, first, 0, second, true, out));
  return out;
}

}  // namespace civic
