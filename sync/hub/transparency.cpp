// The transparency log: HubService's checkpoints, receipt proofs and online import proofs. The log
// is the records in arrival order with each online import statement after the record that was last
// when it was stored; its tree is stored by the hub's store as leaves arrive (HubStore::extend_log).
#include <algorithm>

#include "service.h"

namespace civic {

Result<std::uint64_t> HubService::refresh_log_locked() { return store_->extend_log(); }

Result<std::uint64_t> HubService::log_size() {
  std::lock_guard lock(log_mutex_);
  return refresh_log_locked();
}

Result<std::uint64_t> HubService::records_in_log() {
  std::lock_guard lock(log_mutex_);
  CIVIC_ASSIGN(size, refresh_log_locked());
  CIVIC_ASSIGN(imports, store_->log_import_count());
  return size - imports;
}

Result<Bytes> HubService::checkpoint(std::uint64_t now) {
  std::lock_guard lock(log_mutex_);
  CIVIC_ASSIGN(size, refresh_log_locked());
  CIVIC_ASSIGN(root, merkle_root_at(StoredLogTree(*store_), size));
  return encode_signed_checkpoint(Checkpoint{size, root, now}, keys_.signing);
}

Result<ReceiptProof> HubService::prove_receipt(std::string_view code, std::uint64_t now, const std::string& client,
                                               std::uint64_t match) {
  // Like enrolment: a code that exists is always proven; failed lookups (someone guessing codes)
  // are counted per address, and past the limit they are refused without saying whether the
  // code exists.
  const bool limited = !client.empty() && receipt_lookups_.limited(client, now);
  auto proof = prove_receipt_unlimited(code, now, match);
  if (proof.ok() || client.empty() || proof.code() == ErrorCode::kInternal) return proof;
  if (receipt_lookups_.add(client, now) == kReceiptLookupsPerMinute)
    note({now, "receipt-guess", client, "failed receipt lookups reached the limit for this minute"});
  if (limited) {
    return make_error(ErrorCode::kRateLimited, "too many failed receipt lookups from this address; wait a minute "
                                               "and check the code on the receipt");
  }
  return proof;
}

Result<ReceiptProof> HubService::prove_receipt_unlimited(std::string_view code, std::uint64_t now,
                                                         std::uint64_t match) {
  CIVIC_ASSIGN(canonical, parse_receipt_code(code));
  CIVIC_ASSIGN(records, store_->records_by_receipt(canonical));
  if (records.empty()) {
    return make_error(ErrorCode::kNotFound,
                      "no record with receipt " + format_receipt_code(canonical) +
                          " has reached the hub yet; kiosks send overnight, so try again "
                          "tomorrow");
  }
  if (match < 1 || match > records.size()) {
    return make_error(ErrorCode::kNotFound, std::to_string(records.size()) + " record(s) have receipt " +
                                                format_receipt_code(canonical) + "; ask for match 1 to " +
                                                std::to_string(records.size()));
  }
  const HubRecord& record = records[match - 1];
  std::lock_guard lock(log_mutex_);
  CIVIC_ASSIGN(size, refresh_log_locked());
  CIVIC_ASSIGN(index, store_->log_leaf_index(LogKey{record.id, 0}));
  if (!index) {
    return make_error(ErrorCode::kInternal,
                      "the record is missing from the log; report this to the hub's operators");
  }
  const StoredLogTree log(*store_);
  ReceiptProof proof;
  proof.receipt = canonical;
  proof.kiosk = record.kiosk;
  proof.record_hash = record.record_hash;
  proof.leaf_index = *index;
  CIVIC_ASSIGN(path, merkle_inclusion_proof_at(log, *index, size));
  proof.path = std::move(path);
  proof.matches = records.size();
  proof.match = match;
  CIVIC_ASSIGN(root, merkle_root_at(log, size));
  proof.checkpoint = encode_signed_checkpoint(Checkpoint{size, root, now}, keys_.signing);
  return proof;
}

Result<ConsistencyProof> HubService::prove_consistency(std::uint64_t first, std::optional<std::uint64_t> second,
                                                       std::uint64_t now) {
  std::lock_guard lock(log_mutex_);
  CIVIC_ASSIGN(size, refresh_log_locked());
  const std::uint64_t to = second.value_or(size);
  if (first > size) {
    // Only a log that lost entries can be asked this by a kiosk that saw it: say so plainly.
    return make_error(ErrorCode::kConflict, "the log holds " + std::to_string(size) + " entries, fewer than the " +
                                                std::to_string(first) + " asked about");
  }
  if (to > size) {
    return make_error(ErrorCode::kNotFound, "the log holds " + std::to_string(size) + " entries, not " +
                                                std::to_string(to) + " yet");
  }
  if (first > to) {
    return make_error(ErrorCode::kMalformed, "'from' (" + std::to_string(first) + ") is larger than 'to' (" +
                                                 std::to_string(to) + "): a log only grows");
  }
  ConsistencyProof proof;
  proof.first_size = first;
  proof.second_size = to;
  const StoredLogTree log(*store_);
  CIVIC_ASSIGN(path, merkle_consistency_proof_at(log, first, to));
  proof.path = std::move(path);
  CIVIC_ASSIGN(root, merkle_root_at(log, to));
  proof.checkpoint = encode_signed_checkpoint(Checkpoint{to, root, now}, keys_.signing);
  return proof;
}

Result<InclusionAnswer> HubService::prove_inclusion(const InclusionRequest& request) {
  if (request.ranges.size() > kMaxInclusionRanges) {
    return make_error(ErrorCode::kOversize,
                      "ask about at most " + std::to_string(kMaxInclusionRanges) + " ranges at a time");
  }
  // The records first (the store has its own lock), then their leaves under the log's lock. A
  // range is held as asked when the hub has a record of the kiosk at every position and their
  // hashes give the range's digest.
  struct Held {
    const RecordRange* range;
    std::vector<std::uint64_t> record_ids;  // empty: not held as asked
  };
  std::vector<Held> held;
  for (const auto& range : request.ranges) {
    CIVIC_ASSIGN(found, store_->kiosk_records(request.kiosk, range.first_position - 1, range.count));
    std::vector<Hash32> hashes;
    std::vector<std::uint64_t> ids;
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (found[i].position != range.first_position + i) break;
      hashes.push_back(found[i].record_hash);
      ids.push_back(found[i].id);
    }
    const bool same = ids.size() == range.count && record_range_digest(hashes) == range.digest;
    held.push_back({&range, same ? std::move(ids) : std::vector<std::uint64_t>{}});
  }
  std::lock_guard lock(log_mutex_);
  CIVIC_ASSIGN(size, refresh_log_locked());
  if (request.tree_size > size) {
    return make_error(ErrorCode::kNotFound, "the log holds " + std::to_string(size) + " entries, not " +
                                                std::to_string(request.tree_size) + " yet");
  }
  const StoredLogTree log(*store_);
  InclusionAnswer answer;
  answer.tree_size = request.tree_size;
  for (const auto& h : held) {
    // Runs: consecutive positions at consecutive leaves (a batch's records, stored together).
    std::vector<RecordRun> runs;
    bool in_log = !h.record_ids.empty();
    for (std::size_t i = 0; in_log && i < h.record_ids.size(); ++i) {
      CIVIC_ASSIGN(leaf, store_->log_leaf_index(LogKey{h.record_ids[i], 0}));
      if (!leaf || *leaf >= request.tree_size) {
        in_log = false;
        break;
      }
      const std::uint64_t position = h.range->first_position + i;
      if (!runs.empty() && *leaf == runs.back().leaf_index + runs.back().count) {
        ++runs.back().count;
      } else {
        runs.push_back(RecordRun{position, 1, *leaf, {}});
      }
    }
    if (!in_log) {
      answer.missing.push_back(*h.range);
      continue;
    }
    for (auto& run : runs) {
      CIVIC_ASSIGN(proof, merkle_range_proof_at(log, run.leaf_index, run.count, request.tree_size));
      run.proof = std::move(proof);
      answer.runs.push_back(std::move(run));
    }
  }
  return answer;
}

Result<std::vector<OnlineImportProof>> HubService::prove_online_imports(std::uint64_t now) {
  CIVIC_ASSIGN(imports, store_->online_imports(false));
  std::lock_guard lock(log_mutex_);
  CIVIC_ASSIGN(size, refresh_log_locked());
  const StoredLogTree log(*store_);
  CIVIC_ASSIGN(root, merkle_root_at(log, size));
  const Bytes checkpoint = encode_signed_checkpoint(Checkpoint{size, root, now}, keys_.signing);
  std::vector<OnlineImportProof> proofs;
  for (const auto& i : imports) {
    CIVIC_ASSIGN(index, store_->log_leaf_index(LogKey{i.after_record, i.id}));
    if (!index) {
      return make_error(ErrorCode::kInternal,
                        "an online import is missing from the log; report this to the hub's operators");
    }
    CIVIC_ASSIGN(path, merkle_inclusion_proof_at(log, *index, size));
    proofs.push_back({i.statement, *index, std::move(path), checkpoint, i.current});
  }
  return proofs;
}

}  // namespace civic
