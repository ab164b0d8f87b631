#include "store.h"

#include "sync/common/human.h"
#include "sync/health/kiosk_health.h"
#include "sync/keystore/keystore.h"

namespace civic::kiosk {

Result<std::unique_ptr<KioskStore>> KioskStore::open(const KioskConfig& config) {
  auto key = load_signing_public_key(config.kiosk_public_key_path(), KeyType::kKioskSigningPublic);
  if (!key.ok()) {
    if (key.code() == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kNotFound, "this kiosk has no key yet: run 'civic-sync keygen' and enrol it "
                                              "with 'civic-sync enroll URL TOKEN'");
    }
    return key.error();
  }
  auto submission = load_submission_public_key(config.hub_submission_key_path());
  // Content is verified with the hub's content key (kept offline by the operators), never with
  // the online signing key: a compromised hub server cannot put words on the kiosk's screen.
  auto content = load_signing_public_key(config.hub_content_key_path(), KeyType::kHubContentPublic);
  if (!submission.ok() || !content.ok()) {
    const Error& e = !submission.ok() ? submission.error() : content.error();
    if (e.code == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kNotFound, "this kiosk is not enrolled with a hub yet: run 'civic-sync enroll URL "
                                              "TOKEN' with a token from the hub operators");
    }
    return e;
  }
  std::unique_ptr<KioskStore> s(new KioskStore());
  s->kiosk_ = kiosk_id_from_key(*key);
  s->fingerprint_ = civic::key_fingerprint(key->bytes);
  s->hub_submission_ = *submission;
  s->hub_content_ = *content;
  CIVIC_ASSIGN(outbox, Outbox::open(config.outbox_path(), s->kiosk_));
  s->outbox_ = std::move(outbox);
  return s;
}

Result<std::string> KioskStore::store(Submission& submission, std::uint64_t unix_now) {
  submission.coarse_time = coarsen_time(unix_now);
  auto sealed = seal_submission(submission, hub_submission_);
  wipe_submission(submission);
  if (!sealed.ok()) return sealed.error();
  CIVIC_ASSIGN(appended, outbox_->append(*sealed, unix_now));
  return format_receipt_code(make_receipt_code(kiosk_, appended.record_hash));
}

Result<Content> KioskStore::content(std::uint64_t unix_now) {
  auto current = outbox_->current_content(hub_content_, unix_now);
  if (!current.ok()) {
    if (current.code() == ErrorCode::kExpired) {
      content_version_ = 0;
      return Content{};  // shown as "no open consultations" until fresh content arrives
    }
    return current.error();
  }
  if (!*current) {
    content_version_ = 0;
    return Content{};
  }
  CIVIC_ASSIGN(parsed, parse_content((*current)->bundle.payload));
  content_version_ = (*current)->bundle.version;
  return parsed;
}

HealthInfo KioskStore::health(const KioskConfig& config, const std::string& speech) {
  HealthInfo h;
  h.speech = speech;
  h.kiosk_id = to_hex(kiosk_);
  h.key_fingerprint = fingerprint_;
  h.hub_url = config.hub_url;
  if (auto st = status(); st.ok()) {
    h.unsent = st->pending + st->in_batch;
    h.unacknowledged_batches = st->unacknowledged_batches;
    h.oldest_unsent_at = st->oldest_unacknowledged_at;
    h.last_sync_at = st->last_sync_at;
    h.last_success_at = st->last_sync_success_at;
    h.last_sync_result = st->last_sync_result;
    h.content_version = st->content_version;
    h.content_expires_at = st->content_expires_at;
    h.free_disk_bytes = st->free_disk_bytes;
  }
  auto integrity = check_integrity();
  h.integrity = integrity.ok() ? "ok" : integrity.message();
  if (auto witness = read_log_witness(config.state_dir); !witness.ok()) {
    h.hub_log = witness.message();
  } else if (witness->refused_at != 0) {
    h.hub_log = "REFUSED " + format_utc(witness->refused_at) + ": " + witness->refused_reason;
  } else if (witness->checked_at != 0) {
    h.hub_log = "ok, checked " + format_utc(witness->checked_at) + " (records to " +
                std::to_string(witness->witnessed_position) + " in the log)";
  } else {
    h.hub_log = "not checked yet";
  }
  return h;
}

}  // namespace civic::kiosk
