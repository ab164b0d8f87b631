// Writes tests/data/protocol-vectors.json: known-answer vectors for every format in
// sync/PROTOCOL.md, from fixed keys and inputs. Everything is deterministic except the sealed
// records (crypto_box_seal uses a fresh ephemeral key), which are kept in the file once made.
// Usage: make_protocol_vectors OUT.json
#include <cstdio>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>

#include "tests/protocol/test_keys.h"

using namespace civic;
using nlohmann::json;

namespace {
template <class T>
std::string hex(const T& bytes) {
  return to_hex(ByteView(bytes.data(), bytes.size()));
}

json submission_json(const Submission& s) {
  json votes = json::array();
  for (const auto& v : s.votes) votes.push_back({{"idea_id", v.idea_id}, {"choice", vote_choice_name(v.choice)}});
  json answers = json::array();
  for (const auto& a : s.answers) answers.push_back({{"question_id", a.question_id}, {"answer_id", a.answer_id}});
  json out = {{"consultation_id", s.consultation_id}, {"session_id", hex(s.session_id)},
              {"language", s.language},               {"channel", channel_name(s.channel)},
              {"coarse_time", s.coarse_time},         {"event_id", s.event_id},
              {"card_number", s.card_number},         {"idea", s.idea},
              {"votes", votes},                       {"answers", answers}};
  if (submission_version(s) >= kSubmissionVersion2) {
    json comparisons = json::array();
    for (const auto& c : s.comparisons)
      comparisons.push_back({{"left", c.left}, {"right", c.right}, {"outcome", pair_outcome_name(c.outcome)}});
    out["comparisons"] = comparisons;
  }
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.json\n", argv[0]);
    return 2;
  }
  if (!crypto_init().ok()) return 1;
  auto kiosk = test::kiosk_key();
  auto hub_sign = test::hub_signing_key();
  auto hub_sub = test::hub_submission_key();
  auto hub_content = test::hub_content_key();
  const KioskId kiosk_id = kiosk_id_from_key(kiosk.public_key);

  json out;
  out["format"] = "civic-kiosk protocol test vectors, version 1";
  out["keys"] = {
      {"kiosk_signing_seed", hex(test::fixed_seed(0x01))},
      {"kiosk_signing_public", hex(kiosk.public_key.bytes)},
      {"kiosk_id", hex(kiosk_id)},
      {"kiosk_fingerprint", key_fingerprint(kiosk.public_key.bytes)},
      {"hub_signing_seed", hex(test::fixed_seed(0x41))},
      {"hub_signing_public", hex(hub_sign.public_key.bytes)},
      {"hub_submission_secret", hex(test::fixed_seed(0x81))},
      {"hub_submission_public", hex(hub_sub.public_key.bytes)},
      {"hub_content_seed", hex(test::fixed_seed(0xC1))},
      {"hub_content_public", hex(hub_content.public_key.bytes)},
  };

  out["tagged_hashes"] = json::array();
  for (auto [tag, data] : {std::pair<const char*, const char*>{"civic-kiosk/record/v1", ""},
                           {"civic-kiosk/record/v1", "abc"}}) {
    out["tagged_hashes"].push_back({{"tag", tag}, {"data_hex", to_hex(as_bytes(data))},
                                    {"blake2b_256", hex(tagged_hash(tag, {as_bytes(data)}))},
                                    {"blake2b_512", hex(tagged_digest(tag, as_bytes(data)))}});
  }

  out["key_files"] = json::array();
  const std::pair<KeyType, FixedBytes<32>> key_files[] = {
      {KeyType::kKioskSigningSecret, test::fixed_seed(0x01)},
      {KeyType::kKioskSigningPublic, kiosk.public_key.bytes},
      {KeyType::kHubSubmissionSecret, test::fixed_seed(0x81)},
      {KeyType::kHubSubmissionPublic, hub_sub.public_key.bytes},
      {KeyType::kHubSigningSecret, test::fixed_seed(0x41)},
      {KeyType::kHubSigningPublic, hub_sign.public_key.bytes}};
  for (const auto& [type, material] : key_files) {
    out["key_files"].push_back({{"type", static_cast<int>(type)}, {"description", key_type_description(type)},
                                {"material", hex(material)}, {"file", to_hex(encode_key_file(type, material))}});
  }

  // Three submissions: the full sample, a support-only ballot, a paper card with an idea.
  std::vector<Submission> subs{test::sample_submission()};
  Submission support = test::sample_submission();
  support.channel = Channel::kKiosk;
  support.event_id.clear();
  support.language = "en";
  support.idea.clear();
  support.votes = {{"idea-003", VoteChoice::kSupport}, {"idea-010", VoteChoice::kSupport}};
  support.answers.clear();
  subs.push_back(support);
  Submission paper = test::sample_submission();
  paper.channel = Channel::kPaper;
  paper.card_number = "card-0042";
  paper.language = "en";
  paper.idea = "More evening bus service on route 12.";
  paper.votes.clear();
  subs.push_back(paper);

  out["submissions"] = json::array();
  std::vector<Bytes> sealed_records;
  Hash32 head = kGenesisHead;
  out["chain"] = json::array();
  std::uint64_t position = 1;
  // A submission's vector: fields, plaintext, padding, one sealed record, its hash and receipt.
  auto submission_vector = [&](const Submission& s) -> std::optional<std::pair<json, Bytes>> {
    Bytes plain = encode_submission(s);
    auto sealed = seal_submission(s, hub_sub.public_key);
    if (!sealed.ok()) {
      std::fprintf(stderr, "seal failed: %s\n", sealed.message().c_str());
      return std::nullopt;
    }
    const Hash32 rh = record_hash(*sealed);
    json v = {{"fields", submission_json(s)}, {"plaintext", to_hex(plain)},
              {"padded_size", padded_size_for(plain.size())},
              {"sealed", to_hex(*sealed)}, {"record_hash", hex(rh)},
              {"receipt_code", make_receipt_code(kiosk_id, rh)},
              {"receipt_printed", format_receipt_code(make_receipt_code(kiosk_id, rh))}};
    return std::pair{std::move(v), std::move(*sealed)};
  };
  for (const auto& s : subs) {
    auto vector = submission_vector(s);
    if (!vector) return 1;
    const Bytes& sealed = vector->second;
    const Hash32 rh = record_hash(sealed);
    out["submissions"].push_back(vector->first);
    const Hash32 next = chain_next(position, head, rh);
    out["chain"].push_back({{"position", position}, {"previous_head", hex(head)}, {"record_hash", hex(rh)},
                            {"head", hex(next)}});
    head = next;
    ++position;
    sealed_records.push_back(sealed);
  }

  // Version 2 (not in the chain or batch below, which keep version 1 records): a budget ballot,
  // and pairwise comparisons with a resident's own idea.
  Submission budget = support;
  budget.consultation_id = "budget-2027";
  budget.votes = {{"b-002", VoteChoice::kSelect}, {"b-004", VoteChoice::kSelect}};
  budget.answers = {{"age", "65-74"}};
  Submission pairwise = support;
  pairwise.consultation_id = "library-2027";
  pairwise.language = "fr";
  pairwise.idea = "Des cours de français le samedi";
  pairwise.votes.clear();
  pairwise.comparisons = {{"l-003", "l-001", PairOutcome::kLeft},
                          {"l-002", "l-005", PairOutcome::kRight},
                          {"l-001", "l-006", PairOutcome::kCannotDecide}};
  out["submissions_v2"] = json::array();
  for (const auto& s : {budget, pairwise}) {
    auto vector = submission_vector(s);
    if (!vector) return 1;
    out["submissions_v2"].push_back(vector->first);
  }

  BatchHeader header;
  header.kiosk_id = kiosk_id;
  header.sequence = 1;
  header.first_position = 1;
  header.created_at = 1795003200;
  header.previous_head = kGenesisHead;
  auto batch = encode_signed_batch(header, sealed_records, kiosk);
  if (!batch.ok()) return 1;
  auto parsed = parse_batch(batch->bytes);
  if (!parsed.ok()) return 1;
  out["batch"] = {{"kiosk_id", hex(kiosk_id)}, {"sequence", header.sequence},
                  {"first_position", header.first_position}, {"created_at", header.created_at},
                  {"previous_head", hex(header.previous_head)}, {"new_head", hex(parsed->header.new_head)},
                  {"record_count", sealed_records.size()}, {"signed_digest", hex(parsed->signed_digest)},
                  {"batch_id", hex(parsed->batch_id)}, {"bytes", to_hex(batch->bytes)}};

  Ack ack{kiosk_id, 1, 1, static_cast<std::uint32_t>(sealed_records.size()), parsed->header.new_head,
          parsed->batch_id, 1795010000};
  out["ack"] = {{"kiosk_id", hex(ack.kiosk_id)}, {"batch_sequence", ack.batch_sequence},
                {"first_position", ack.first_position}, {"record_count", ack.record_count},
                {"new_head", hex(ack.new_head)}, {"batch_id", hex(ack.batch_id)},
                {"accepted_at", ack.accepted_at}, {"bytes", to_hex(encode_signed_ack(ack, hub_sign))}};

  ContentBundle content{7, 1795000000, 1797592000,
                        R"({"format":1,"consultations":[{"id":"parks-2026","title":{"en":"Parks","fr":"Parcs"}}]})"};
  auto content_bytes = encode_signed_content(content, hub_content);
  if (!content_bytes.ok()) return 1;
  out["content"] = {{"version", content.version}, {"issued_at", content.issued_at},
                    {"expires_at", content.expires_at}, {"payload", content.payload},
                    {"content_hash", hex(content_hash(*content_bytes))}, {"bytes", to_hex(*content_bytes)}};

  // Transparency log: leaves are the hashes of the sealed records above, then tagged hashes of
  // "leaf 3".."leaf 6", seven in all; proofs for every leaf and a signed checkpoint.
  std::vector<Hash32> record_hashes;
  for (const auto& r : sealed_records) record_hashes.push_back(record_hash(r));
  for (int i = static_cast<int>(record_hashes.size()); i < 7; ++i) {
    const std::string data = "leaf " + std::to_string(i);
    record_hashes.push_back(tagged_hash("civic-kiosk/test/v1", {as_bytes(data)}));
  }
  std::vector<Hash32> leaves;
  for (const auto& h : record_hashes) leaves.push_back(merkle_leaf_hash(h));
  nlohmann::json proofs = nlohmann::json::array();
  for (std::uint64_t i = 0; i < leaves.size(); ++i) {
    nlohmann::json path = nlohmann::json::array();
    for (const auto& p : merkle_inclusion_proof(leaves, i)) path.push_back(hex(p));
    proofs.push_back({{"index", i}, {"proof", path}});
  }
  nlohmann::json record_hex = nlohmann::json::array();
  for (const auto& h : record_hashes) record_hex.push_back(hex(h));
  // Consistency between every two prefixes (RFC 9162 2.1.4), with both roots, over the eight leaf
  // inputs of the RFC 6962 reference data (fixed, so the vector never changes, and comparable
  // with Certificate Transparency's published paths).
  nlohmann::json consistency_inputs = nlohmann::json::array();
  std::vector<Hash32> ct_leaves;
  for (const char* input : {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                            "606162636465666768696a6b6c6d6e6f"}) {
    consistency_inputs.push_back(input);
    ct_leaves.push_back(merkle_leaf_hash(*from_hex(input)));
  }
  nlohmann::json consistency_pairs = nlohmann::json::array();
  for (std::uint64_t second = 1; second <= ct_leaves.size(); ++second) {
    const std::vector<Hash32> prefix(ct_leaves.begin(), ct_leaves.begin() + static_cast<std::ptrdiff_t>(second));
    for (std::uint64_t first = 0; first <= second; ++first) {
      const std::vector<Hash32> older(ct_leaves.begin(), ct_leaves.begin() + static_cast<std::ptrdiff_t>(first));
      nlohmann::json path = nlohmann::json::array();
      for (const auto& p : merkle_consistency_proof(prefix, first)) path.push_back(hex(p));
      consistency_pairs.push_back({{"first", first}, {"second", second}, {"first_root", hex(merkle_root(older))},
                                   {"second_root", hex(merkle_root(prefix))}, {"proof", path}});
    }
  }
  const nlohmann::json consistency{{"leaf_inputs", consistency_inputs}, {"pairs", consistency_pairs}};
  const Checkpoint checkpoint{leaves.size(), merkle_root(leaves), 1795020000};
  out["merkle"] = {{"record_hashes", record_hex}, {"root", hex(checkpoint.root)}, {"proofs", proofs},
                   {"empty_root", hex(merkle_root({}))}, {"consistency", consistency},
                   {"checkpoint", to_hex(encode_signed_checkpoint(checkpoint, hub_sign))},
                   {"checkpoint_signed_at", checkpoint.signed_at}};

  const EventReport event{kiosk_id, "ev-20261130-a1b2c3", "Ward 3 meeting", "Hôtel de ville", "2026-11-30",
                          1795000000, 1795007200, 40, 12, 9};
  auto event_bytes = encode_signed_event_report(event, kiosk);
  if (!event_bytes.ok()) return 1;
  out["event_report"] = {{"event_id", event.event_id}, {"name", event.name}, {"place", event.place},
                         {"date", event.date}, {"started_at", event.started_at}, {"closed_at", event.closed_at},
                         {"headcount", event.headcount}, {"town_hall_records", event.town_hall_records},
                         {"paper_records", event.paper_records}, {"bytes", to_hex(*event_bytes)}};

  HealthReport health;
  health.kiosk_id = kiosk_id;
  health.sequence = 1795040000;
  health.created_at = 1795040000;
  health.uptime_seconds = 86400 * 3 + 5;
  health.boots = 12;
  health.crashes = 1;
  health.backlog_records = 37;
  health.oldest_pending_at = 1794990000;
  health.free_disk_bytes = 5'000'000'000;
  health.disk_bytes = 32'000'000'000;
  health.content_version = 4;
  health.staff_lockouts = 2;
  health.last_sync_at = 1795030000;
  health.last_sync_success_at = 1794950000;
  health.display_width = 1920;
  health.display_height = 1080;
  health.speech = SpeechHealth::kUnavailable;
  health.software_version = "0.9.0";
  health.last_sync_error = "the hub could not be reached: connexion refusée";
  auto health_bytes = encode_signed_health_report(health, kiosk);
  if (!health_bytes.ok()) return 1;
  out["health_report"] = {{"sequence", health.sequence}, {"created_at", health.created_at},
                          {"uptime_seconds", health.uptime_seconds}, {"boots", health.boots},
                          {"crashes", health.crashes}, {"backlog_records", health.backlog_records},
                          {"oldest_pending_at", health.oldest_pending_at}, {"free_disk_bytes", health.free_disk_bytes},
                          {"disk_bytes", health.disk_bytes}, {"content_version", health.content_version},
                          {"staff_lockouts", health.staff_lockouts}, {"last_sync_at", health.last_sync_at},
                          {"last_sync_success_at", health.last_sync_success_at},
                          {"display_width", health.display_width}, {"display_height", health.display_height},
                          {"speech", static_cast<int>(health.speech)}, {"software_version", health.software_version},
                          {"last_sync_error", health.last_sync_error}, {"bytes", to_hex(*health_bytes)}};

  out["key_statement"] = {{"issued_at", 1795000000},
                          {"bytes", to_hex(encode_signed_key_statement(hub_sub.public_key, hub_content.public_key, 1795000000, hub_sign))}};

  // An online import statement, and a log of two records then that statement, with its proof.
  const std::string export_file = "id,title/en,supports\n101,Shade,10\n";
  const OnlineImportStatement statement{1795030000, 1, file_sha256(as_bytes(export_file)), "decidim", "decidim",
                                        "parks-2026"};
  auto statement_bytes = encode_signed_online_import(statement, hub_sign);
  if (!statement_bytes.ok()) return 1;
  const Hash32 import_leaf = online_import_leaf_data(*statement_bytes);
  const std::vector<Hash32> import_log{merkle_leaf_hash(record_hashes[0]), merkle_leaf_hash(record_hashes[1]),
                                       merkle_leaf_hash(import_leaf)};
  nlohmann::json import_path = nlohmann::json::array();
  for (const auto& p : merkle_inclusion_proof(import_log, 2)) import_path.push_back(hex(p));
  out["online_import"] = {{"file", export_file},
                          {"file_sha256", hex(statement.file_sha256)},
                          {"imported_at", statement.imported_at},
                          {"rows", statement.rows},
                          {"format", statement.format},
                          {"source", statement.source},
                          {"consultation", statement.consultation},
                          {"bytes", to_hex(*statement_bytes)},
                          {"leaf_data", hex(import_leaf)},
                          {"log_root", hex(merkle_root(import_log))},
                          {"leaf_index", 2},
                          {"proof", import_path}};

  std::ofstream file(argv[1]);
  file << out.dump(2) << "\n";
  if (!file) {
    std::fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  std::printf("wrote %s\n", argv[1]);
  return 0;
}
