#include "service.h"

#include <cstdio>

#include "sync/keystore/keystore.h"
#include "sync/transfer/usb.h"

namespace civic {

Result<HubKeys> load_hub_keys(const HubConfig& config) {
  CIVIC_ASSIGN(signing, load_signing_key(config.signing_key_path(), KeyType::kHubSigningSecret));
  CIVIC_ASSIGN(submission, load_submission_public_key(config.submission_public_key_path()));
  auto content = load_signing_public_key(config.content_public_key_path(), KeyType::kHubContentPublic);
  if (!content.ok() && content.code() == ErrorCode::kNotFound) {
    return make_error(ErrorCode::kNotFound, config.content_public_key_path().string() +
                                                " is missing: this hub was set up before content had its own key; "
                                                "set up a new hub with 'civic-hub init'");
  }
  if (!content.ok()) return content.error();
  return HubKeys{signing, submission, *content};
}

Status create_hub_keys(const HubConfig& config, const std::filesystem::path& submission_secret_out,
                       const std::filesystem::path& content_secret_out) {
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, "cannot create the hub state directory " + config.state_dir.string() + ": " +
                                          ec.message());
  }
  // Only the hub's user looks inside (init by hand would otherwise leave it as the umask says).
  std::filesystem::permissions(config.state_dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace,
                               ec);
  if (ec) {
    return make_error(ErrorCode::kIo, "cannot make " + config.state_dir.string() + " private (mode 0700): " +
                                          ec.message());
  }
  if (!submission_secret_out.parent_path().empty()) {
    std::filesystem::create_directories(submission_secret_out.parent_path(), ec);
    if (!ec && submission_secret_out.parent_path() == config.state_dir / "offline") {
      std::filesystem::permissions(submission_secret_out.parent_path(), std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
  }
  const auto signing = generate_signing_key_pair();
  CIVIC_TRY(save_signing_key(config.signing_key_path(), config.signing_public_key_path(), signing,
                             KeyType::kHubSigningSecret, KeyType::kHubSigningPublic));
  const auto submission = generate_seal_key_pair();
  CIVIC_TRY(save_submission_key(submission_secret_out, config.submission_public_key_path(), submission));
  if (!content_secret_out.parent_path().empty()) std::filesystem::create_directories(content_secret_out.parent_path(), ec);
  CIVIC_TRY(save_signing_key(content_secret_out, config.content_public_key_path(), generate_signing_key_pair(),
                             KeyType::kHubContentSecret, KeyType::kHubContentPublic));
  return {};
}

HubService::HubService(std::unique_ptr<HubStore> store, HubKeys keys, HubConfig config)
    : store_(std::move(store)),
      keys_(std::move(keys)),
      config_(std::move(config)),
      enrolment_failures_(static_cast<std::size_t>(config_.failed_enrolments_per_minute)),
      receipt_lookups_(kReceiptLookupsPerMinute) {}

void HubService::note(const HubEvent& event) {
  // Events are for operators; failing to store one must not fail the request, but is logged.
  if (auto s = store_->log_event(event); !s.ok()) {
    std::fprintf(stderr, "civic-hub: could not record the event '%s' for %s: %s\n", event.kind.c_str(),
                 event.kiosk.c_str(), s.message().c_str());
  }
}

Result<std::string> HubService::create_enrolment_token(const std::string& label, std::uint64_t lifetime_seconds,
                                                       std::uint64_t now) {
  EnrolmentToken t;
  t.secret = random_fixed<16>();
  t.hub_fingerprint = compact_fingerprint(keys_.signing.public_key);
  CIVIC_TRY(store_->add_enrolment_token(enrolment_token_hash(t.secret), label, now + lifetime_seconds, now));
  return format_enrolment_token(t);
}

Result<EnrolResult> HubService::enrol(std::string_view token_text, const SigningPublicKey& kiosk_key,
                                      const std::string& name, const std::string& client, std::uint64_t now) {
  auto token = parse_enrolment_token(token_text);
  // Checked before anything is stored: a token made by another hub (or mistyped) is not spent,
  // and a key no kiosk could hold (all zeros, not a point of the curve) is not enrolled.
  if (token.ok() && token->hub_fingerprint != compact_fingerprint(keys_.signing.public_key)) {
    token = make_error(ErrorCode::kInvalidArgument,
                       "this token was made for the hub with key " + token->hub_fingerprint + "; this hub's key is " +
                           compact_fingerprint(keys_.signing.public_key) +
                           ": check the token and the address (the token was not used)");
  }
  if (token.ok() && !is_valid_signing_key(kiosk_key)) {
    return make_error(ErrorCode::kMalformed, "the kiosk's public key is not a valid Ed25519 key");
  }
  // A valid token always enrols, whoever else has been guessing from the same address (behind a
  // proxy, every kiosk may share one); only failures count, and only they are refused when the
  // address has failed too often this minute.
  const bool limited = enrolment_failures_.limited(client, now);
  Result<KioskInfo> enrolled = token.ok() ? store_->enrol(enrolment_token_hash(token->secret), kiosk_key, name, now)
                                          : Result<KioskInfo>(token.error());
  if (!enrolled.ok()) {
    if (enrolled.code() == ErrorCode::kUnauthorized || enrolled.code() == ErrorCode::kInvalidArgument) {
      const std::size_t failures = enrolment_failures_.add(client, now);
      // One event row for the first failure of a minute and one when the limit is reached, not
      // one per guess: a flood of guesses does not become a flood of durable writes.
      const auto limit = static_cast<std::size_t>(config_.failed_enrolments_per_minute);
      if (failures == 1) note({now, "enrolment-failed", client, enrolled.message()});
      if (failures == limit) {
        note({now, "token-guess", client,
              "enrolment failed " + std::to_string(limit) + " times from this address in a minute; further "
              "failures are refused for a minute"});
      }
    }
    if (limited) {
      return make_error(ErrorCode::kRateLimited, "too many failed enrolment attempts from this address; wait a "
                                                 "minute and check the token");
    }
    return enrolled.error();
  }
  return EnrolResult{*enrolled, keys_.signing.public_key, keys_.submission, keys_.content,
                     encode_signed_key_statement(keys_.submission, keys_.content, now, keys_.signing)};
}

Result<StoredBatch> HubService::upload(ByteView body, const std::string& via, std::uint64_t now) {
  if (body.size() > config_.max_body_bytes) {
    return make_error(ErrorCode::kOversize, "the batch is " + std::to_string(body.size()) +
                                                " bytes; this hub accepts at most " +
                                                std::to_string(config_.max_body_bytes) +
                                                " (lower batch_max_bytes in the kiosk's [sync] configuration)");
  }
  CIVIC_ASSIGN(batch, parse_batch(body));
  const std::string kiosk_hex = to_hex(batch.header.kiosk_id);
  CIVIC_ASSIGN(kiosk, store_->kiosk(batch.header.kiosk_id));
  if (!kiosk) {
    note({now, "unknown-kiosk", kiosk_hex, "a batch from a kiosk that is not enrolled, via " + via});
    return make_error(ErrorCode::kUnauthorized, "kiosk " + kiosk_hex + " is not enrolled with this hub; enrol it "
                                                "with 'civic-sync enroll' first");
  }
  if (kiosk->revoked_at && via == "usb") {
    if (auto s = verify_batch(batch, kiosk->key); !s.ok()) {
      note({now, "bad-signature", kiosk_hex, "a batch whose signature does not verify, via " + via});
      return s.error();
    }
    if (batch.last_position() <= kiosk->contiguous_position) {
      // Stored already (before the revocation, or accepted from the hold): the same ack again, so
      // the drive tells the kiosk; a different batch at those positions is still caught as a fork.
      const SigningKeyPair& key = keys_.signing;
      return store_->store_batch(batch, [&key](const Ack& a) { return encode_signed_ack(a, key); }, now, via);
    }
    CIVIC_ASSIGN(newly, store_->hold_batch(HeldBatch{0, batch.header.kiosk_id, batch.header.sequence,
                                                     batch.header.first_position, batch.records.size(),
                                                     Bytes(body.begin(), body.end()), now, via}));
    if (newly) {
      note({now, "held", kiosk_hex, "batch " + std::to_string(batch.header.sequence) + " (" +
                                        std::to_string(batch.records.size()) +
                                        " records) from a revoked kiosk, held for a decision: civic-hub held list"});
    }
    StoredBatch held;
    held.held = true;
    return held;
  }
  if (kiosk->revoked_at) {
    note({now, "revoked-upload", kiosk_hex, "a batch from a revoked kiosk, via " + via});
    return make_error(ErrorCode::kUnauthorized, "kiosk " + kiosk_hex + " has been revoked; its batches are no longer "
                                                "accepted (contact the hub operators)");
  }
  if (auto s = verify_batch(batch, kiosk->key); !s.ok()) {
    note({now, "bad-signature", kiosk_hex, "a batch whose signature does not verify, via " + via});
    return s.error();
  }
  const SigningKeyPair& key = keys_.signing;
  return store_->store_batch(batch, [&key](const Ack& a) { return encode_signed_ack(a, key); }, now, via);
}

Result<HubService::DriveImport> HubService::import_drive(const std::filesystem::path& mount, std::uint64_t now) {
  DriveImport out;
  CIVIC_ASSIGN(exports, read_kiosk_exports(mount));
  for (const auto& problem : exports.problems) out.refused.push_back("a folder on the drive was left out: " + problem);
  for (const auto& ex : exports.exports) {
    for (const auto& b : ex.batches) {
      auto stored = upload(b.bytes, "usb", now);
      if (!stored.ok()) {
        out.refused.push_back("kiosk " + to_hex(ex.kiosk) + " batch " + std::to_string(b.sequence) +
                              " refused: " + stored.message());
        continue;
      }
      if (!stored->held) CIVIC_TRY(write_usb_ack(mount, ex.kiosk, b.sequence, stored->ack));
      out.batches.push_back({ex.kiosk, b.sequence, *stored});
    }
  }
  CIVIC_ASSIGN(event_reports, read_usb_event_reports(mount));
  for (const auto& bytes : event_reports) {
    auto stored = accept_event_report(bytes, "usb", now);
    if (!stored.ok()) {
      out.refused.push_back("an event report was refused: " + stored.message());
      continue;
    }
    out.event_reports.push_back(*stored);
  }
  CIVIC_ASSIGN(health_reports, read_usb_health_reports(mount));
  for (const auto& bytes : health_reports) {
    auto stored = accept_health_report(bytes, "usb", now);
    if (!stored.ok()) {
      out.refused.push_back("a health report was refused: " + stored.message());
      continue;
    }
    out.health_reports.push_back(stored->first);
  }
  // Kiosks witnessing the log: each request answered with a consistency proof from the checkpoint
  // the kiosk holds and the inclusion of its records, against the log as it is now (after this
  // drive's batches). A request the log cannot answer is reported; the kiosk checks at its next sync.
  CIVIC_ASSIGN(log_requests, read_usb_log_requests(mount));
  for (const auto& bytes : log_requests) {
    auto request = parse_inclusion_request(std::string(as_chars(bytes)));
    if (!request.ok()) {
      out.refused.push_back("a kiosk's log request was not readable: " + request.message());
      continue;
    }
    auto proof = prove_consistency(request->from_size.value_or(0), std::nullopt, now);
    if (!proof.ok()) {
      out.refused.push_back("kiosk " + to_hex(request->kiosk) + "'s log request: " + proof.message());
      continue;
    }
    request->tree_size = proof->second_size;
    auto answer = prove_inclusion(*request);
    if (!answer.ok()) {
      out.refused.push_back("kiosk " + to_hex(request->kiosk) + "'s log request: " + answer.message());
      continue;
    }
    CIVIC_TRY(write_usb_kiosk_file(mount, request->kiosk, "log-consistency.json",
                                   as_bytes(format_consistency_proof(*proof))));
    CIVIC_TRY(write_usb_kiosk_file(mount, request->kiosk, "log-inclusion.json",
                                   as_bytes(format_inclusion_answer(*answer))));
    ++out.log_answers;
  }
  CIVIC_ASSIGN(latest, store_->latest_content());
  if (latest) {
    CIVIC_TRY(write_usb_content(mount, *latest));
    out.content_written = true;
  }
  return out;
}

namespace {
Result<HeldBatch> find_held(HubStore& store, std::uint64_t id) {
  CIVIC_ASSIGN(held, store.held_batch(id));
  if (!held) return make_error(ErrorCode::kNotFound, "no batch " + std::to_string(id) + " is held; see civic-hub held list");
  return std::move(*held);
}
}  // namespace

Result<StoredBatch> HubService::accept_held_batch(std::uint64_t id, const std::string& by, const std::string& why,
                                                  std::uint64_t now) {
  CIVIC_ASSIGN(held, find_held(*store_, id));
  CIVIC_ASSIGN(batch, parse_batch(held.batch));
  CIVIC_ASSIGN(kiosk, store_->kiosk(batch.header.kiosk_id));
  if (!kiosk) return make_error(ErrorCode::kNotFound, "the kiosk of held batch " + std::to_string(id) + " is gone");
  CIVIC_TRY(verify_batch(batch, kiosk->key));
  const SigningKeyPair& key = keys_.signing;
  // Stored first, released after: a crash between leaves it held, and accepting again is a repeat.
  CIVIC_ASSIGN(stored, store_->store_batch(batch, [&key](const Ack& a) { return encode_signed_ack(a, key); }, now,
                                           held.via + ", held and accepted"));
  CIVIC_TRY(store_->release_held_batch(
      id, {now, "held-accepted", to_hex(held.kiosk),
           "batch " + std::to_string(held.sequence) + " (" + std::to_string(held.record_count) + " records) by " + by +
               ": " + why}));
  return stored;
}

Status HubService::discard_held_batch(std::uint64_t id, const std::string& by, const std::string& why,
                                      std::uint64_t now) {
  CIVIC_ASSIGN(held, find_held(*store_, id));
  return store_->release_held_batch(
      id, {now, "held-discarded", to_hex(held.kiosk),
           "batch " + std::to_string(held.sequence) + " (" + std::to_string(held.record_count) + " records) by " + by +
               ": " + why});
}

Result<std::pair<HealthReport, HealthReportOutcome>> HubService::accept_health_report(ByteView body,
                                                                                    const std::string& via,
                                                                                    std::uint64_t now) {
  CIVIC_ASSIGN(kiosk_id, health_report_kiosk(body));
  const std::string kiosk_hex = to_hex(kiosk_id);
  CIVIC_ASSIGN(kiosk, store_->kiosk(kiosk_id));
  // A revoked kiosk's last health, from the drive field staff carried back, is kept (as its
  // batches are held): it is checked against its key, and the fleet shows the kiosk as revoked.
  if (!kiosk || (kiosk->revoked_at && via != "usb")) {
    note({now, "refused-health", kiosk_hex, "a health report from a kiosk not enrolled or revoked, via " + via});
    return make_error(ErrorCode::kUnauthorized, "kiosk " + kiosk_hex + " is not enrolled with this hub, or revoked");
  }
  auto report = verify_health_report(body, kiosk->key);
  if (!report.ok()) {
    note({now, "bad-signature", kiosk_hex, "a health report that does not verify, via " + via});
    return report.error();
  }
  CIVIC_ASSIGN(outcome, store_->store_health_report(*report, body, via, now));
  return std::make_pair(std::move(*report), outcome);
}

Result<EventReport> HubService::accept_event_report(ByteView body, const std::string& via, std::uint64_t now) {
  CIVIC_ASSIGN(kiosk_id, event_report_kiosk(body));
  const std::string kiosk_hex = to_hex(kiosk_id);
  CIVIC_ASSIGN(kiosk, store_->kiosk(kiosk_id));
  if (!kiosk || kiosk->revoked_at) {
    note({now, "refused-event", kiosk_hex, "an event report from a kiosk not enrolled or revoked, via " + via});
    return make_error(ErrorCode::kUnauthorized, "kiosk " + kiosk_hex + " is not enrolled with this hub, or revoked");
  }
  auto report = verify_event_report(body, kiosk->key);
  if (!report.ok()) {
    note({now, "bad-signature", kiosk_hex, "an event report that does not verify, via " + via});
    return report.error();
  }
  CIVIC_TRY(store_->store_event_report(*report, body, via, now));
  return report;
}

}  // namespace civic
