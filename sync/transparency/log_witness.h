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

// A kiosk asks for the inclusion of its records in the tree of `tree_size` leaves as ranges of
// consecutive chain positions, each named by a digest of its record hashes (so that only who holds
// the records can ask, and a night of records costs a few bytes to ask about).
inline constexpr std::size_t kMaxRangeRecords = 1000;
inline constexpr std::size_t kMaxInclusionRanges = 100;
// What a kiosk asks about at once: well within the ranges allowed, where a drive's request splits
// acknowledged records from exported ones.
inline constexpr std::size_t kWitnessRecordsPerRequest = 10 * kMaxRangeRecords;
struct OwnRecord {
  std::uint64_t position = 0;
  Hash32 record_hash{};
  bool operator==(const OwnRecord&) const = default;
};
struct RecordRange {
  std::uint64_t first_position = 0;
  std::uint64_t count = 0;
  Hash32 digest{};  // record_range_digest of the records at those positions
  bool operator==(const RecordRange&) const = default;
};
// H256("civic-kiosk/record-range/v1", record hashes in position order).
Hash32 record_range_digest(const std::vector<Hash32>& record_hashes);
// Consecutive records (by position) as ranges of at most kMaxRangeRecords.
std::vector<RecordRange> record_ranges(const std::vector<OwnRecord>& records);

struct InclusionRequest {
  KioskId kiosk{};
  std::uint64_t tree_size = 0;  // 0 on a drive: the hub answers for its log as it is at import
  std::vector<RecordRange> ranges;
  // On a drive only: the size of the checkpoint the kiosk holds, for the consistency proof.
  std::optional<std::uint64_t> from_size;
};
std::string format_inclusion_request(const InclusionRequest& request);
[[nodiscard]] Result<InclusionRequest> parse_inclusion_request(const std::string& json);

// The hub's answer: the asked ranges it holds (every position, with the same digest), as runs of consecutive chain positions that are
// consecutive leaves of the tree of tree_size leaves, each with one range proof (a batch's records
// arrive together, so a night is a few runs, whatever its size); and the asked positions it does
// not hold there (no record of that kiosk at that position with that hash, within those leaves).
struct RecordRun {
  std::uint64_t first_position = 0;
  std::uint64_t count = 0;
  std::uint64_t leaf_index = 0;  // of the first
  std::vector<Hash32> proof;     // merkle_range_proof_at
};
struct InclusionAnswer {
  std::uint64_t tree_size = 0;
  std::vector<RecordRun> runs;
  std::vector<RecordRange> missing;  // asked ranges the hub does not hold as asked
};
std::string format_inclusion_answer(const InclusionAnswer& answer);
[[nodiscard]] Result<InclusionAnswer> parse_inclusion_answer(const std::string& json);

// Checks every run of the answer against the kiosk's own records (`own`, by position) and the
// checkpoint's root, and that every record of `must` is in a run; the error names the first that is not.
[[nodiscard]] Status verify_inclusion_answer(const InclusionAnswer& answer, const std::vector<OwnRecord>& own,
                                             const std::vector<OwnRecord>& must, const Checkpoint& checkpoint);

}  // namespace civic
