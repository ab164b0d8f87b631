// The transparency log stored as it grows (HubStore::extend_log): the same tree as the reference
// functions build from every record, across the store's chunks and across restarts; and roots and
// proofs that read O(log^2 n) subtrees, never every leaf.
#include <catch2/catch.hpp>

#include "hub_fixture.h"

using namespace civic;

namespace {
// Counts what a root or proof reads.
class CountingSource final : public MerkleNodeSource {
 public:
  explicit CountingSource(const MerkleNodeSource& inner) : inner_(inner) {}
  Result<Hash32> complete_subtree(unsigned level, std::uint64_t index) const override {
    ++reads;
    return inner_.complete_subtree(level, index);
  }
  mutable std::uint64_t reads = 0;

 private:
  const MerkleNodeSource& inner_;
};

std::vector<Hash32> reference_leaves(HubStore& store) {
  std::vector<Hash32> leaves;
  for (std::uint64_t after = 0;;) {
    auto records = store.records(after, 1000);
    REQUIRE(records.ok());
    if (records->empty()) return leaves;
    for (const auto& r : *records) leaves.push_back(merkle_leaf_hash(r.record_hash));
    after = records->back().id;
  }
}
}  // namespace

TEST_CASE("the stored log is the reference tree at every step, across chunks and restarts", "[hub][log]") {
  test::Hub hub;
  const auto hub_key = test::hub_signing_key().public_key;
  const auto check_against_reference = [&] {
    auto bytes = hub.service->checkpoint(test::kNow);
    REQUIRE(bytes.ok());
    auto checkpoint = verify_checkpoint(*bytes, hub_key);
    REQUIRE(checkpoint.ok());
    const auto leaves = reference_leaves(hub.service->store());
    CHECK(checkpoint->size == leaves.size());
    CHECK(checkpoint->root == merkle_root(leaves));
    return leaves;
  };
  check_against_reference();  // the empty log
  // Small steps, each looked at, then one step of more than the store's chunk of 4,096 leaves.
  for (int i = 0; i < 5; ++i) {
    hub.upload({test::sealed_idea("a" + std::to_string(i)), test::sealed_idea("b" + std::to_string(i))});
    check_against_reference();
  }
  const Bytes record = test::sealed_idea("many");
  for (int batch = 0; batch < 5; ++batch) hub.upload(std::vector<Bytes>(1000, record));
  auto leaves = check_against_reference();
  REQUIRE(leaves.size() == 5010);

  // A restarted hub reads the stored tree: the same root, and every leaf's proof still verifies
  // against it (checked for a spread of leaves).
  hub.service.reset();
  auto store = test::open_test_store(hub.dir);
  REQUIRE(store.ok());
  auto size = (*store)->extend_log();
  REQUIRE(size.ok());
  CHECK(*size == 5010);
  const StoredLogTree source(**store);
  auto root = merkle_root_at(source, *size);
  REQUIRE(root.ok());
  CHECK(*root == merkle_root(leaves));
  for (std::uint64_t i = 0; i < leaves.size(); i += 97) {
    auto path = merkle_inclusion_proof_at(source, i, *size);
    REQUIRE(path.ok());
    CHECK(verify_merkle_inclusion(leaves[i], i, *size, *path, *root));
  }
  auto consistency = merkle_consistency_proof_at(source, 1234, *size);
  REQUIRE(consistency.ok());
  const std::vector<Hash32> older(leaves.begin(), leaves.begin() + 1234);
  CHECK(verify_merkle_consistency(1234, *size, merkle_root(older), *root, *consistency));
}

TEST_CASE("roots and proofs read O(log^2 n) subtrees, never every leaf", "[merkle][log]") {
  MerkleTree tree;
  const std::uint64_t n = (std::uint64_t{1} << 20) + 12345;
  for (std::uint64_t i = 0; i < n; ++i) {
    Hash32 leaf{};
    for (int b = 0; b < 8; ++b) leaf[b] = static_cast<std::uint8_t>(i >> (8 * b));
    tree.append(leaf);
  }
  const std::uint64_t log_n = 21, bound = (log_n + 1) * (log_n + 1);
  CountingSource counting(tree);
  REQUIRE(merkle_root_at(counting, n).ok());
  CHECK(counting.reads <= log_n + 1);
  for (const std::uint64_t index : {std::uint64_t{0}, n / 3, n - 1}) {
    counting.reads = 0;
    REQUIRE(merkle_inclusion_proof_at(counting, index, n).ok());
    INFO("leaf " << index << ": " << counting.reads << " reads");
    CHECK(counting.reads <= bound);
  }
  counting.reads = 0;
  REQUIRE(merkle_consistency_proof_at(counting, 1000001, n).ok());
  CHECK(counting.reads <= bound);
}

TEST_CASE("a kiosk's records are proven in runs, one range proof per batch, and any change is refused",
          "[hub][log][witness]") {
  test::Hub hub;
  // Another kiosk's batches between this kiosk's: three runs.
  const SigningKeyPair other = generate_signing_key_pair();
  auto token = hub.service->create_enrolment_token("other", 3600, test::kNow);
  REQUIRE(token.ok());
  auto enrolled = hub.service->enrol(*token, other.public_key, "other", "127.0.0.1", test::kNow);
  REQUIRE(enrolled.ok());
  Hash32 other_head = kGenesisHead;
  std::uint64_t other_position = 1;
  const auto other_upload = [&] {
    BatchHeader h{enrolled->kiosk.id, other_position, other_position, test::kNow, other_head, {}};
    auto batch = encode_signed_batch(h, {test::sealed_idea("other")}, other);
    REQUIRE(batch.ok());
    REQUIRE(hub.service->upload(batch->bytes, "test", test::kNow).ok());
    other_head = batch->new_head;
    ++other_position;
  };
  std::vector<OwnRecord> own;
  for (const int n : {3, 4, 2}) {
    std::vector<Bytes> records;
    for (int i = 0; i < n; ++i) records.push_back(test::sealed_idea("mine " + std::to_string(own.size() + i)));
    for (const auto& r : records) own.push_back({own.size() + 1, record_hash(r)});
    hub.upload(records);
    other_upload();
  }
  auto bytes = hub.service->checkpoint(test::kNow);
  REQUIRE(bytes.ok());
  auto checkpoint = verify_checkpoint(*bytes, test::hub_signing_key().public_key);
  REQUIRE(checkpoint.ok());
  REQUIRE(checkpoint->size == 12);

  // Asked as one range of nine consecutive records, named by their digest.
  const auto ranges = record_ranges(own);
  REQUIRE(ranges.size() == 1);
  auto answer = hub.service->prove_inclusion({hub.kiosk, checkpoint->size, ranges, std::nullopt});
  REQUIRE(answer.ok());
  REQUIRE(answer->runs.size() == 3);
  CHECK(answer->runs[1].first_position == 4);
  CHECK(answer->runs[1].count == 4);
  CHECK(answer->missing.empty());
  CHECK(verify_inclusion_answer(*answer, own, own, *checkpoint).ok());
  // Through the wire format and back.
  auto parsed = parse_inclusion_answer(format_inclusion_answer(*answer));
  REQUIRE(parsed.ok());
  CHECK(verify_inclusion_answer(*parsed, own, own, *checkpoint).ok());

  SECTION("an altered proof hash") {
    auto bad = *answer;
    bad.runs[2].proof[0][7] ^= 1;
    CHECK(verify_inclusion_answer(bad, own, own, *checkpoint).code() == ErrorCode::kBadSignature);
  }
  SECTION("a record the kiosk holds other than the hub's") {
    auto mine = own;
    mine[4].record_hash[0] ^= 1;
    CHECK(verify_inclusion_answer(*answer, mine, mine, *checkpoint).code() == ErrorCode::kBadSignature);
  }
  SECTION("a run left out: its records are not shown") {
    auto bad = *answer;
    bad.runs.erase(bad.runs.begin() + 1);
    const auto s = verify_inclusion_answer(bad, own, own, *checkpoint);
    CHECK(s.code() == ErrorCode::kBadSignature);
    CHECK_THAT(s.message(), Catch::Contains("record 4, acknowledged by the hub, is not in its log"));
  }
  SECTION("a range the hub does not hold as asked is answered missing, and proves nothing") {
    auto asked = own;
    asked[4].record_hash[0] ^= 1;  // the kiosk claims another record at position 5
    auto other_answer = hub.service->prove_inclusion({hub.kiosk, checkpoint->size, record_ranges(asked), std::nullopt});
    REQUIRE(other_answer.ok());
    CHECK(other_answer->runs.empty());
    REQUIRE(other_answer->missing.size() == 1);
    CHECK(other_answer->missing[0].first_position == 1);
    CHECK_FALSE(verify_inclusion_answer(*other_answer, asked, asked, *checkpoint).ok());
    // Positions the hub does not have at all (10 and 11) are missing too.
    auto beyond = own;
    beyond.push_back({10, own[0].record_hash});
    beyond.push_back({11, own[1].record_hash});
    auto beyond_answer = hub.service->prove_inclusion({hub.kiosk, checkpoint->size, record_ranges(beyond), std::nullopt});
    REQUIRE(beyond_answer.ok());
    CHECK(beyond_answer->missing.size() == 1);
  }
}
