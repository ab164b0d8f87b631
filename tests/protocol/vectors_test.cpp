// Checks the code against the known-answer vectors in tests/data/protocol-vectors.json, which
// sync/PROTOCOL.md describes. A change here means the wire format changed: bump its version.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "sync/protocol/protocol.h"
#include "test_keys.h"

using namespace civic;
using nlohmann::json;

namespace {
const json& vectors() {
  static const json v = [] {
    std::ifstream in(std::string(CIVIC_TEST_DATA_DIR) + "/protocol-vectors.json");
    REQUIRE(in.good());
    return json::parse(in);
  }();
  return v;
}

Bytes unhex(const json& j) {
  auto b = from_hex(j.get<std::string>());
  REQUIRE(b.ok());
  return *b;
}
template <std::size_t N>
FixedBytes<N> unhex_fixed(const json& j) {
  auto b = fixed_from_hex<N>(j.get<std::string>());
  REQUIRE(b.ok());
  return *b;
}

VoteChoice choice_from(const std::string& name) {
  for (auto c : {VoteChoice::kSupport, VoteChoice::kAgree, VoteChoice::kDisagree, VoteChoice::kPass,
                 VoteChoice::kSelect}) {
    if (name == vote_choice_name(c)) return c;
  }
  FAIL("unknown choice " << name);
  return VoteChoice::kSupport;
}

Channel channel_from(const std::string& name) {
  for (auto c : {Channel::kKiosk, Channel::kTownHall, Channel::kPaper}) {
    if (name == channel_name(c)) return c;
  }
  FAIL("unknown channel " << name);
  return Channel::kKiosk;
}

Submission submission_from(const json& f) {
  Submission s;
  s.consultation_id = f["consultation_id"];
  s.session_id = unhex_fixed<16>(f["session_id"]);
  s.language = f["language"];
  s.channel = channel_from(f["channel"]);
  s.coarse_time = f["coarse_time"];
  s.event_id = f["event_id"];
  s.card_number = f["card_number"];
  s.idea = f["idea"];
  for (const auto& v : f["votes"]) s.votes.push_back({v["idea_id"], choice_from(v["choice"])});
  for (const auto& a : f["answers"]) s.answers.push_back({a["question_id"], a["answer_id"]});
  for (const auto& c : f.value("comparisons", json::array())) {
    PairOutcome outcome = PairOutcome::kCannotDecide;
    for (auto o : {PairOutcome::kLeft, PairOutcome::kRight, PairOutcome::kCannotDecide}) {
      if (c["outcome"] == pair_outcome_name(o)) outcome = o;
    }
    s.comparisons.push_back({c["left"], c["right"], outcome});
  }
  return s;
}
}  // namespace

TEST_CASE("vectors: keys, ids and fingerprints", "[vectors]") {
  const auto& k = vectors()["keys"];
  CHECK(to_hex(test::kiosk_key().public_key.bytes) == k["kiosk_signing_public"]);
  CHECK(to_hex(kiosk_id_from_key(test::kiosk_key().public_key)) == k["kiosk_id"]);
  CHECK(key_fingerprint(test::kiosk_key().public_key.bytes) == k["kiosk_fingerprint"]);
  CHECK(to_hex(test::hub_signing_key().public_key.bytes) == k["hub_signing_public"]);
  CHECK(to_hex(test::hub_submission_key().public_key.bytes) == k["hub_submission_public"]);
}

TEST_CASE("vectors: tagged hashes", "[vectors]") {
  REQUIRE(vectors()["tagged_hashes"].size() == 2);  // an empty list would pass the loop below
  for (const auto& v : vectors()["tagged_hashes"]) {
    const std::string tag = v["tag"];
    Bytes data = unhex(v["data_hex"]);
    CHECK(to_hex(tagged_hash(tag, {ByteView(data)})) == v["blake2b_256"]);
    CHECK(to_hex(tagged_digest(tag, data)) == v["blake2b_512"]);
  }
}

TEST_CASE("vectors: key files", "[vectors]") {
  REQUIRE(vectors()["key_files"].size() == 6);
  for (const auto& v : vectors()["key_files"]) {
    auto type = static_cast<KeyType>(v["type"].get<int>());
    auto material = unhex_fixed<32>(v["material"]);
    CHECK(to_hex(encode_key_file(type, material)) == v["file"]);
    auto decoded = decode_key_file(unhex(v["file"]), type);
    REQUIRE(decoded.ok());
    CHECK(*decoded == material);
  }
}

TEST_CASE("vectors: submissions encode, open and hash as specified", "[vectors]") {
  auto hub = test::hub_submission_key();
  auto kiosk_id = kiosk_id_from_key(test::kiosk_key().public_key);
  REQUIRE(vectors()["submissions"].size() == 3);
  REQUIRE(vectors()["submissions_v2"].size() == 2);
  json all = vectors()["submissions"];
  for (const auto& v : vectors()["submissions_v2"]) all.push_back(v);
  for (const auto& v : all) {
    Submission s = submission_from(v["fields"]);
    Bytes plain = encode_submission(s);
    CHECK(plain[0] == (v["fields"].contains("comparisons") ? 2 : 1));
    CHECK(to_hex(plain) == v["plaintext"]);
    CHECK(padded_size_for(plain.size()) == v["padded_size"].get<std::size_t>());
    Bytes sealed = unhex(v["sealed"]);
    auto opened = open_submission(sealed, hub);
    REQUIRE(opened.ok());
    CHECK(*opened == s);
    auto rh = record_hash(sealed);
    CHECK(to_hex(rh) == v["record_hash"]);
    CHECK(make_receipt_code(kiosk_id, rh) == v["receipt_code"]);
    CHECK(format_receipt_code(make_receipt_code(kiosk_id, rh)) == v["receipt_printed"]);
  }
}

TEST_CASE("vectors: chain", "[vectors]") {
  REQUIRE(vectors()["chain"].size() == 3);
  for (const auto& v : vectors()["chain"]) {
    auto head = chain_next(v["position"], unhex_fixed<32>(v["previous_head"]), unhex_fixed<32>(v["record_hash"]));
    CHECK(to_hex(head) == v["head"]);
  }
}

TEST_CASE("vectors: batch encodes to the exact bytes and verifies", "[vectors]") {
  const auto& v = vectors()["batch"];
  std::vector<Bytes> records;
  for (const auto& s : vectors()["submissions"]) records.push_back(unhex(s["sealed"]));
  BatchHeader h;
  h.kiosk_id = unhex_fixed<16>(v["kiosk_id"]);
  h.sequence = v["sequence"];
  h.first_position = v["first_position"];
  h.created_at = v["created_at"];
  h.previous_head = unhex_fixed<32>(v["previous_head"]);
  auto bytes = encode_signed_batch(h, records, test::kiosk_key());
  REQUIRE(bytes.ok());
  CHECK(to_hex(bytes->bytes) == v["bytes"]);
  CHECK(to_hex(bytes->batch_id) == v["batch_id"]);
  CHECK(to_hex(bytes->new_head) == v["new_head"]);
  auto parsed = parse_batch(unhex(v["bytes"]));
  REQUIRE(parsed.ok());
  CHECK(to_hex(parsed->header.new_head) == v["new_head"]);
  CHECK(to_hex(parsed->signed_digest) == v["signed_digest"]);
  CHECK(to_hex(parsed->batch_id) == v["batch_id"]);
  CHECK(verify_batch(*parsed, test::kiosk_key().public_key).ok());
}

TEST_CASE("vectors: ack encodes to the exact bytes and verifies", "[vectors]") {
  const auto& v = vectors()["ack"];
  Ack a{unhex_fixed<16>(v["kiosk_id"]), v["batch_sequence"], v["first_position"], v["record_count"],
        unhex_fixed<32>(v["new_head"]), unhex_fixed<32>(v["batch_id"]), v["accepted_at"]};
  CHECK(to_hex(encode_signed_ack(a, test::hub_signing_key())) == v["bytes"]);
  auto back = verify_ack(unhex(v["bytes"]), test::hub_signing_key().public_key);
  REQUIRE(back.ok());
  CHECK(*back == a);
}

TEST_CASE("vectors: content bundle encodes to the exact bytes and verifies", "[vectors]") {
  const auto& v = vectors()["content"];
  ContentBundle b{v["version"], v["issued_at"], v["expires_at"], v["payload"]};
  auto bytes = encode_signed_content(b, test::hub_content_key());
  REQUIRE(bytes.ok());
  CHECK(to_hex(*bytes) == v["bytes"]);
  // Signed by the offline content key: the online signing key does not verify it.
  CHECK_FALSE(verify_content(*bytes, test::hub_signing_key().public_key, {}, b.issued_at).ok());
  auto verified = verify_content(*bytes, test::hub_content_key().public_key, {}, b.issued_at);
  REQUIRE(verified.ok());
  CHECK(verified->bundle == b);
  CHECK(to_hex(verified->state.bundle_hash) == v["content_hash"]);
}

TEST_CASE("vectors: transparency log root, every inclusion proof and the checkpoint", "[vectors][merkle]") {
  const auto& v = vectors()["merkle"];
  std::vector<Hash32> leaves;
  for (const auto& h : v["record_hashes"]) leaves.push_back(merkle_leaf_hash(unhex_fixed<32>(h)));
  CHECK(to_hex(merkle_root({})) == v["empty_root"]);
  const Hash32 root = merkle_root(leaves);
  CHECK(to_hex(root) == v["root"]);
  for (const auto& p : v["proofs"]) {
    std::vector<Hash32> proof;
    for (const auto& h : p["proof"]) proof.push_back(unhex_fixed<32>(h));
    const std::uint64_t index = p["index"];
    CHECK(proof == merkle_inclusion_proof(leaves, index));
    CHECK(verify_merkle_inclusion(leaves[index], index, leaves.size(), proof, root));
  }
  const Checkpoint c{leaves.size(), root, v["checkpoint_signed_at"]};
  CHECK(to_hex(encode_signed_checkpoint(c, test::hub_signing_key())) == v["checkpoint"]);
}

TEST_CASE("vectors: consistency proofs between every two prefixes of the reference log", "[vectors][merkle]") {
  const auto& v = vectors()["merkle"]["consistency"];
  std::vector<Hash32> leaves;
  for (const auto& input : v["leaf_inputs"]) leaves.push_back(merkle_leaf_hash(*from_hex(input.get<std::string>())));
  REQUIRE(leaves.size() == 8);
  REQUIRE(v["pairs"].size() == 44);  // second from 1 to 8, first from 0 to second
  for (const auto& p : v["pairs"]) {
    const std::uint64_t first = p["first"], second = p["second"];
    INFO("first " << first << ", second " << second);
    const std::vector<Hash32> prefix(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(second));
    std::vector<Hash32> proof;
    for (const auto& h : p["proof"]) proof.push_back(unhex_fixed<32>(h));
    CHECK(proof == merkle_consistency_proof(prefix, first));
    CHECK(to_hex(merkle_root(prefix)) == p["second_root"]);
    CHECK(verify_merkle_consistency(first, second, unhex_fixed<32>(p["first_root"]), unhex_fixed<32>(p["second_root"]),
                                    proof));
  }
}

TEST_CASE("vectors: key statement encodes to the exact bytes, verifies, and refuses every altered byte",
          "[vectors][key-statement]") {
  const auto& v = vectors()["key_statement"];
  const auto hub = test::hub_signing_key();
  const Bytes bytes = encode_signed_key_statement(test::hub_submission_key().public_key,
                                                  test::hub_content_key().public_key, v["issued_at"], hub);
  CHECK(to_hex(bytes) == v["bytes"]);
  auto back = verify_key_statement(bytes, hub.public_key);
  REQUIRE(back.ok());
  CHECK(back->hub_submission == test::hub_submission_key().public_key);
  CHECK(back->hub_content == test::hub_content_key().public_key);
  CHECK(back->issued_at == v["issued_at"].get<std::uint64_t>());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    Bytes altered = bytes;
    altered[i] ^= 0x01;
    INFO("byte " << i);
    CHECK_FALSE(verify_key_statement(altered, hub.public_key).ok());
  }
  CHECK_FALSE(verify_key_statement(bytes, test::kiosk_key().public_key).ok());  // another signer
  CHECK_FALSE(verify_key_statement(ByteView(bytes).first(bytes.size() - 1), hub.public_key).ok());
}

TEST_CASE("vectors: event report encodes to the exact bytes and verifies", "[vectors][event-report]") {
  const auto& v = vectors()["event_report"];
  const auto kiosk = test::kiosk_key();
  EventReport e{kiosk_id_from_key(kiosk.public_key), v["event_id"], v["name"], v["place"], v["date"],
                v["started_at"], v["closed_at"], v["headcount"], v["town_hall_records"], v["paper_records"]};
  auto bytes = encode_signed_event_report(e, kiosk);
  REQUIRE(bytes.ok());
  CHECK(to_hex(*bytes) == v["bytes"]);
  auto back = verify_event_report(*bytes, kiosk.public_key);
  REQUIRE(back.ok());
  CHECK(*back == e);
}

TEST_CASE("vectors: health report encodes to the exact bytes and verifies", "[vectors][health-report]") {
  const auto& v = vectors()["health_report"];
  const auto kiosk = test::kiosk_key();
  HealthReport h;
  h.kiosk_id = kiosk_id_from_key(kiosk.public_key);
  h.sequence = v["sequence"];
  h.created_at = v["created_at"];
  h.uptime_seconds = v["uptime_seconds"];
  h.boots = v["boots"];
  h.crashes = v["crashes"];
  h.backlog_records = v["backlog_records"];
  h.oldest_pending_at = v["oldest_pending_at"];
  h.free_disk_bytes = v["free_disk_bytes"];
  h.disk_bytes = v["disk_bytes"];
  h.content_version = v["content_version"];
  h.staff_lockouts = v["staff_lockouts"];
  h.last_sync_at = v["last_sync_at"];
  h.last_sync_success_at = v["last_sync_success_at"];
  h.display_width = v["display_width"];
  h.display_height = v["display_height"];
  h.speech = static_cast<SpeechHealth>(v["speech"].get<int>());
  h.software_version = v["software_version"];
  h.last_sync_error = v["last_sync_error"];
  auto bytes = encode_signed_health_report(h, kiosk);
  REQUIRE(bytes.ok());
  CHECK(to_hex(*bytes) == v["bytes"]);
  auto back = verify_health_report(*bytes, kiosk.public_key);
  REQUIRE(back.ok());
  CHECK(*back == h);
}

TEST_CASE("vectors: the online import statement, its leaf and its proof in a log after two records",
          "[protocol][vectors]") {
  const auto& v = vectors()["online_import"];
  const std::string file = v["file"];
  const OnlineImportStatement s{v["imported_at"], v["rows"], file_sha256(as_bytes(file)), v["format"], v["source"],
                                v["consultation"]};
  CHECK(to_hex(s.file_sha256) == v["file_sha256"]);
  auto bytes = encode_signed_online_import(s, test::hub_signing_key());
  REQUIRE(bytes.ok());
  CHECK(to_hex(*bytes) == v["bytes"]);
  auto back = verify_online_import(*bytes, test::hub_signing_key().public_key);
  REQUIRE(back.ok());
  CHECK(*back == s);
  CHECK(to_hex(online_import_leaf_data(*bytes)) == v["leaf_data"]);
  // Signed by another key, or altered, it does not verify.
  CHECK(verify_online_import(*bytes, test::kiosk_key().public_key).code() == ErrorCode::kBadSignature);
  Bytes altered = *bytes;
  altered[30] ^= 1;
  CHECK_FALSE(verify_online_import(altered, test::hub_signing_key().public_key).ok());
  CHECK(verify_online_import(Bytes(bytes->begin(), bytes->end() - 1), test::hub_signing_key().public_key).code() ==
        ErrorCode::kTruncated);
}
