// The transparency log: HubService's checkpoints and receipt proofs. The log is the records
// table in arrival order; its tree is computed when asked (2 SHA-256 per record).
#include <algorithm>

#include "service.h"

namespace civic {

namespace {
struct Log {
  std::vector<std::uint64_t> ids;
  std::vector<Hash32> leaves;
};

Result<Log> read_log(HubStore& store) {
  CIVIC_ASSIGN(entries, store.log_leaves());
  Log log;
  log.ids.reserve(entries.size());
  log.leaves.reserve(entries.size());
  for (const auto& [id, hash] : entries) {
    log.ids.push_back(id);
    log.leaves.push_back(merkle_leaf_hash(hash));
  }
  return log;
}
}  // namespace

Result<Bytes> HubService::checkpoint(std::uint64_t now) {
  // The root is recomputed only when records arrived since (records are never removed).
  CIVIC_ASSIGN(size, store_->record_count());
  {
    std::lock_guard lock(log_mutex_);
    if (log_cache_ && log_cache_->first == size) {
      return encode_signed_checkpoint(Checkpoint{size, log_cache_->second, now}, keys_.signing);
    }
  }
  CIVIC_ASSIGN(log, read_log(*store_));
  const Hash32 root = merkle_root(log.leaves);
  std::lock_guard lock(log_mutex_);
  log_cache_ = std::make_pair(static_cast<std::uint64_t>(log.leaves.size()), root);
  return encode_signed_checkpoint(Checkpoint{log.leaves.size(), root, now}, keys_.signing);
}

Result<ReceiptProof> HubService::prove_receipt(std::string_view code, std::uint64_t now, const std::string& client) {
  // Like enrolment: a code that exists is always proven; failed lookups (someone guessing codes)
  // are counted per address, and past the limit they are refused without saying whether the
  // code exists.
  const bool limited = !client.empty() && receipt_lookups_.limited(client, now);
  auto proof = prove_receipt_unlimited(code, now);
  if (proof.ok() || client.empty() || proof.code() == ErrorCode::kInternal) return proof;
  if (receipt_lookups_.add(client, now) == kReceiptLookupsPerMinute)
    note({now, "receipt-guess", client, "failed receipt lookups reached the limit for this minute"});
  if (limited) {
    return make_error(ErrorCode::kRateLimited, "too many failed receipt lookups from this address; wait a minute "
                                               "and check the code on the receipt");
  }
  return proof;
}

Result<ReceiptProof> HubService::prove_receipt_unlimited(std::string_view code, std::uint64_t now) {
  CIVIC_ASSIGN(canonical, parse_receipt_code(code));
  CIVIC_ASSIGN(record, store_->record_by_receipt(canonical));
  if (!record) {
    return make_error(ErrorCode::kNotFound,
                      "no record with receipt " + format_receipt_code(canonical) +
                          " has reached the hub yet; kiosks send overnight, so try again "
                          "tomorrow");
  }
  CIVIC_ASSIGN(log, read_log(*store_));
  const auto it = std::lower_bound(log.ids.begin(), log.ids.end(), record->id);
  if (it == log.ids.end() || *it != record->id) {
    return make_error(ErrorCode::kInternal,
                      "the record is missing from the log; report this to the hub's operators");
  }
  const auto index = static_cast<std::uint64_t>(it - log.ids.begin());
  ReceiptProof proof;
  proof.receipt = canonical;
  proof.kiosk = record->kiosk;
  proof.record_hash = record->record_hash;
  proof.leaf_index = index;
  proof.path = merkle_inclusion_proof(log.leaves, index);
  proof.checkpoint =
      encode_signed_checkpoint(Checkpoint{log.leaves.size(), merkle_root(log.leaves), now}, keys_.signing);
  return proof;
}

}  // namespace civic
