// The transparency log: HubService's checkpoints and receipt proofs. The log is the records
// table in arrival order; its tree is kept in memory and grows as records arrive.
#include <algorithm>

#include "service.h"

namespace civic {

Status HubService::refresh_log_locked() {
  const std::uint64_t after = log_ids_.empty() ? 0 : log_ids_.back();
  CIVIC_ASSIGN(entries, store_->log_leaves(after));
  for (const auto& [id, hash] : entries) {
    log_ids_.push_back(id);
    log_tree_.append(merkle_leaf_hash(hash));
  }
  return {};
}

Result<std::uint64_t> HubService::log_size() {
  std::lock_guard lock(log_mutex_);
  CIVIC_TRY(refresh_log_locked());
  return log_tree_.size();
}

Result<Bytes> HubService::checkpoint(std::uint64_t now) {
  std::lock_guard lock(log_mutex_);
  CIVIC_TRY(refresh_log_locked());
  return encode_signed_checkpoint(Checkpoint{log_tree_.size(), log_tree_.root(), now}, keys_.signing);
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
  CIVIC_TRY(refresh_log_locked());
  const auto it = std::lower_bound(log_ids_.begin(), log_ids_.end(), record.id);
  if (it == log_ids_.end() || *it != record.id) {
    return make_error(ErrorCode::kInternal,
                      "the record is missing from the log; report this to the hub's operators");
  }
  const auto index = static_cast<std::uint64_t>(it - log_ids_.begin());
  ReceiptProof proof;
  proof.receipt = canonical;
  proof.kiosk = record.kiosk;
  proof.record_hash = record.record_hash;
  proof.leaf_index = index;
  proof.path = log_tree_.inclusion_proof(index);
  proof.matches = records.size();
  proof.match = match;
  proof.checkpoint = encode_signed_checkpoint(Checkpoint{log_tree_.size(), log_tree_.root(), now}, keys_.signing);
  return proof;
}

}  // namespace civic
