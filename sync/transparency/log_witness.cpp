#include "log_witness.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace civic {

using nlohmann::json;

namespace {

// A path in a tree of up to 2^64 leaves has at most 64 hashes; a consistency path at most 2 * 64.
constexpr std::size_t kMaxPathHashes = 128;

json hashes_json(const std::vector<Hash32>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(to_hex(h));
  return out;
}

Result<std::vector<Hash32>> read_hashes(const json& j) {
  if (!j.is_array() || j.size() > kMaxPathHashes)
    return make_error(ErrorCode::kMalformed, "a path is a list of at most 128 hashes");
  std::vector<Hash32> out;
  for (const auto& h : j) {
    CIVIC_ASSIGN(node, fixed_from_hex<kHashSize>(h.get<std::string>()));
    out.push_back(node);
  }
  return out;
}

}  // namespace

std::string format_consistency_proof(const ConsistencyProof& p) {
  const json j{{"format", 1},
               {"kind", "consistency"},
               {"first_size", p.first_size},
               {"second_size", p.second_size},
               {"path", hashes_json(p.path)},
               {"checkpoint", to_hex(p.checkpoint)}};
  return j.dump(2) + "\n";
}

bool is_consistency_proof(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  return j.is_object() && j.contains("kind") && j["kind"] == "consistency";
}

Result<ConsistencyProof> parse_consistency_proof(const std::string& text) {
  try {
    const json j = json::parse(text);
    if (j.value("format", 0) != 1 || j.value("kind", "") != "consistency")
      return make_error(ErrorCode::kUnknownVersion, "this is not a consistency proof of format 1");
    ConsistencyProof p;
    p.first_size = j.at("first_size").get<std::uint64_t>();
    p.second_size = j.at("second_size").get<std::uint64_t>();
    CIVIC_ASSIGN(path, read_hashes(j.at("path")));
    p.path = std::move(path);
    CIVIC_ASSIGN(checkpoint, from_hex(j.at("checkpoint").get<std::string>()));
    p.checkpoint = std::move(checkpoint);
    return p;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kMalformed, std::string("this is not a readable consistency proof: ") + e.what());
  }
}

Result<Checkpoint> verify_consistency_proof(const ConsistencyProof& p, ByteView first_checkpoint,
                                            const SigningPublicKey& hub_key) {
  CIVIC_ASSIGN(first, verify_checkpoint(first_checkpoint, hub_key));
  CIVIC_ASSIGN(second, verify_checkpoint(p.checkpoint, hub_key));
  if (p.first_size != first.size || p.second_size != second.size) {
    return make_error(ErrorCode::kMalformed, "the proof is between sizes " + std::to_string(p.first_size) + " and " +
                                                 std::to_string(p.second_size) + ", not the checkpoints' " +
                                                 std::to_string(first.size) + " and " + std::to_string(second.size));
  }
  if (second.size < first.size) {
    return make_error(ErrorCode::kBadSignature, "the hub's log shrank from " + std::to_string(first.size) + " to " +
                                                    std::to_string(second.size) +
                                                    " entries: it no longer holds what it signed before");
  }
  if (!verify_merkle_consistency(first.size, second.size, first.root, second.root, p.path)) {
    return make_error(ErrorCode::kBadSignature,
                      "the hub's log of " + std::to_string(second.size) + " entries does not extend the log of " +
                          std::to_string(first.size) + " entries it signed before: its history was rewritten");
  }
  return second;
}

Hash32 record_range_digest(const std::vector<Hash32>& record_hashes) {
  Bytes all;
  all.reserve(record_hashes.size() * kHashSize);
  for (const auto& h : record_hashes) all.insert(all.end(), h.begin(), h.end());
  return tagged_hash("civic-kiosk/record-range/v1", {ByteView(all)});
}

std::vector<RecordRange> record_ranges(const std::vector<OwnRecord>& records) {
  std::vector<RecordRange> out;
  std::vector<Hash32> hashes;
  const auto close = [&] {
    if (hashes.empty()) return;
    out.back().digest = record_range_digest(hashes);
    hashes.clear();
  };
  for (const auto& r : records) {
    if (out.empty() || hashes.empty() || r.position != out.back().first_position + out.back().count ||
        out.back().count == kMaxRangeRecords) {
      close();
      out.push_back({r.position, 0, {}});
    }
    ++out.back().count;
    hashes.push_back(r.record_hash);
  }
  close();
  return out;
}

namespace {
json range_json(const RecordRange& r) {
  return json{{"first_position", r.first_position}, {"count", r.count}, {"digest", to_hex(r.digest)}};
}
Result<RecordRange> read_range(const json& j) {
  RecordRange r;
  r.first_position = j.at("first_position").get<std::uint64_t>();
  r.count = j.at("count").get<std::uint64_t>();
  if (r.first_position == 0 || r.count == 0 || r.count > kMaxRangeRecords)
    return make_error(ErrorCode::kMalformed, "a range starts at position 1 or later and holds 1 to 1000 records");
  CIVIC_ASSIGN(digest, fixed_from_hex<kHashSize>(j.at("digest").get<std::string>()));
  r.digest = digest;
  return r;
}
Result<std::vector<RecordRange>> read_ranges(const json& j) {
  if (!j.is_array() || j.size() > kMaxInclusionRanges)
    return make_error(ErrorCode::kOversize, "ask about at most " + std::to_string(kMaxInclusionRanges) + " ranges at a time");
  std::vector<RecordRange> out;
  for (const auto& item : j) {
    CIVIC_ASSIGN(r, read_range(item));
    out.push_back(r);
  }
  return out;
}
}  // namespace

std::string format_inclusion_request(const InclusionRequest& r) {
  json ranges = json::array();
  for (const auto& range : r.ranges) ranges.push_back(range_json(range));
  json j{{"format", 1}, {"kiosk_id", to_hex(r.kiosk)}, {"tree_size", r.tree_size}, {"ranges", ranges}};
  if (r.from_size) j["from"] = *r.from_size;
  return j.dump() + "\n";
}

Result<InclusionRequest> parse_inclusion_request(const std::string& text) {
  try {
    const json j = json::parse(text);
    if (j.value("format", 0) != 1) return make_error(ErrorCode::kUnknownVersion, "the request is not format 1");
    InclusionRequest r;
    CIVIC_ASSIGN(kiosk, fixed_from_hex<kKioskIdSize>(j.at("kiosk_id").get<std::string>()));
    r.kiosk = kiosk;
    r.tree_size = j.at("tree_size").get<std::uint64_t>();
    if (j.contains("from")) r.from_size = j.at("from").get<std::uint64_t>();
    CIVIC_ASSIGN(ranges, read_ranges(j.at("ranges")));
    r.ranges = std::move(ranges);
    return r;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kMalformed, std::string("this is not a readable inclusion request: ") + e.what());
  }
}

std::string format_inclusion_answer(const InclusionAnswer& a) {
  json runs = json::array();
  for (const auto& r : a.runs) {
    runs.push_back({{"first_position", r.first_position},
                    {"count", r.count},
                    {"leaf_index", r.leaf_index},
                    {"proof", hashes_json(r.proof)}});
  }
  json missing = json::array();
  for (const auto& m : a.missing) missing.push_back(range_json(m));
  const json j{{"format", 1}, {"kind", "inclusion"}, {"tree_size", a.tree_size}, {"runs", runs},
               {"missing", missing}};
  return j.dump(2) + "\n";
}

Result<InclusionAnswer> parse_inclusion_answer(const std::string& text) {
  try {
    const json j = json::parse(text);
    if (j.value("format", 0) != 1 || j.value("kind", "") != "inclusion")
      return make_error(ErrorCode::kUnknownVersion, "this is not an inclusion answer of format 1");
    InclusionAnswer a;
    a.tree_size = j.at("tree_size").get<std::uint64_t>();
    const json& runs = j.at("runs");
    if (!runs.is_array() || runs.size() > kMaxInclusionRanges * kMaxRangeRecords)
      return make_error(ErrorCode::kOversize, "an inclusion answer holds too many runs");
    CIVIC_ASSIGN(missing, read_ranges(j.at("missing")));
    a.missing = std::move(missing);
    for (const auto& item : runs) {
      RecordRun r;
      r.first_position = item.at("first_position").get<std::uint64_t>();
      r.count = item.at("count").get<std::uint64_t>();
      r.leaf_index = item.at("leaf_index").get<std::uint64_t>();
      if (r.count == 0 || r.count > kMaxRangeRecords)
        return make_error(ErrorCode::kMalformed, "a run holds 1 to 1000 records");
      CIVIC_ASSIGN(proof, read_hashes(item.at("proof")));
      r.proof = std::move(proof);
      a.runs.push_back(std::move(r));
    }
    return a;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kMalformed, std::string("this is not a readable inclusion answer: ") + e.what());
  }
}

Status verify_inclusion_answer(const InclusionAnswer& a, const std::vector<OwnRecord>& own,
                               const std::vector<OwnRecord>& must, const Checkpoint& checkpoint) {
  if (a.tree_size != checkpoint.size) {
    return make_error(ErrorCode::kMalformed, "the inclusion proofs are for a log of " + std::to_string(a.tree_size) +
                                                 " entries, not the checkpoint's " + std::to_string(checkpoint.size));
  }
  std::map<std::uint64_t, Hash32> mine;
  for (const auto& r : own) mine[r.position] = r.record_hash;
  std::set<std::uint64_t> proven;
  for (const auto& run : a.runs) {
    std::vector<Hash32> leaves;
    for (std::uint64_t p = run.first_position; p < run.first_position + run.count; ++p) {
      const auto it = mine.find(p);
      if (it == mine.end())
        return make_error(ErrorCode::kMalformed, "the hub answered about record " + std::to_string(p) +
                                                     ", which this kiosk did not ask about");
      leaves.push_back(merkle_leaf_hash(it->second));
    }
    if (!verify_merkle_range(leaves, run.leaf_index, checkpoint.size, run.proof, checkpoint.root)) {
      return make_error(ErrorCode::kBadSignature,
                        "the proof of this kiosk's records " + std::to_string(run.first_position) + " to " +
                            std::to_string(run.first_position + run.count - 1) +
                            " does not lead to the checkpoint's root: they are not shown to be in the hub's log");
    }
    for (std::uint64_t p = run.first_position; p < run.first_position + run.count; ++p) proven.insert(p);
  }
  for (const auto& r : must) {
    if (!proven.count(r.position)) {
      return make_error(ErrorCode::kBadSignature,
                        "this kiosk's record " + std::to_string(r.position) + ", acknowledged by the hub, is not in " +
                            "its log of " + std::to_string(a.tree_size) + " entries: the hub dropped or replaced it");
    }
  }
  return {};
}

}  // namespace civic
