// What a kiosk needs to act as a witness of the hub's transparency log (PROTOCOL.md "Consistency
// proof" and "Inclusion of a kiosk's records"): a consistency proof that the log the hub shows
// today extends the one the kiosk saw before (RFC 9162 2.1.4), and inclusion proofs of the kiosk's
// own records in it. A hub that rewrites or forks its history cannot give both to a kiosk that
// synced before: check_log_extension says what is wrong, in words for the staff screen.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sync/protocol/protocol.h"

namespace civic {

// A consistency proof (JSON, format 1): the path between two sizes, and the hub's checkpoint of the
// second size signed when it answered.
struct ConsistencyProof {
  std::uint64_t first_size = 0;
  std::uint64_t second_size = 0;
  std::vector<Hash32> path;
  Bytes checkpoint;  // CKCP of second_size
};
std::string format_consistency_proof(const ConsistencyProof& proof);
[[nodiscard]] Result<ConsistencyProof> parse_consistency_proof(const std::string& json);
bool is_consistency_proof(const std::string& json);

// Checks both checkpoints against the hub key and that the first is a prefix of the second;
// returns the second. kBadSignature: the log was rewritten (or a checkpoint altered).
[[nodiscard]] Result<Checkpoint> verify_consistency_proof(const ConsistencyProof& proof, ByteView first_checkpoint,
                                                          const SigningPublicKey& hub_key);

// A kiosk asks for the inclusion of its records (by chain position and record hash) in the tree of
// `tree_size` leaves; at most kMaxInclusionRecords at a time.
inline constexpr std::size_t kMaxInclusionRecords = 1000;
struct OwnRecord {
  std::uint64_t position = 0;
  Hash32 record_hash{};
  bool operator==(const OwnRecord&) const = default;
};
struct InclusionRequest {
  KioskId kiosk{};
  std::uint64_t tree_size = 0;  // 0 on a drive: the hub answers for its log as it is at import
  std::vector<OwnRecord> records;
  // On a drive only: the size of the checkpoint the kiosk holds, for the consistency proof.
  std::optional<std::uint64_t> from_size;
};
std::string format_inclusion_request(const InclusionRequest& request);
[[nodiscard]] Result<InclusionRequest> parse_inclusion_request(const std::string& json);

// The hub's answer: for each asked record, in the order asked, its leaf and path, or missing (the
// hub holds no such record at that position, or not within the first tree_size leaves).
struct RecordInclusion {
  OwnRecord record;
  std::optional<std::uint64_t> leaf_index;
  std::vector<Hash32> path;
};
struct InclusionAnswer {
  std::uint64_t tree_size = 0;
  std::vector<RecordInclusion> records;
};
std::string format_inclusion_answer(const InclusionAnswer& answer);
[[nodiscard]] Result<InclusionAnswer> parse_inclusion_answer(const std::string& json);

// Checks that every record of `asked` is proven in the tree of `checkpoint`; the error names the
// first that is not.
[[nodiscard]] Status verify_inclusion_answer(const InclusionAnswer& answer, const std::vector<OwnRecord>& asked,
                                             const Checkpoint& checkpoint);

}  // namespace civic
