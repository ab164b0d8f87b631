#include "agent.h"

#include <sys/statvfs.h>

#include <chrono>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "sync/common/human.h"
#include "sync/files/files.h"
#include "sync/keystore/keystore.h"
#include "sync/events/events.h"
#include "sync/health/kiosk_health.h"
#include "sync/transfer/usb.h"
#include "sync/transparency/log_witness.h"

namespace civic {

namespace {
// One line per event report sent: far below this.
constexpr std::size_t kMaxEventsSentBytes = 4 * 1024 * 1024;
}  // namespace

using nlohmann::json;

Clock system_clock() {
  return Clock{[] { return static_cast<std::uint64_t>(std::time(nullptr)); },
               [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }};
}

Result<SigningKeyPair> ensure_kiosk_key(const KioskConfig& config) {
  std::error_code ec;
  if (!std::filesystem::exists(config.kiosk_secret_key_path(), ec)) {
    std::filesystem::create_directories(config.state_dir, ec);
    if (ec) {
      return make_error(ErrorCode::kIo, "cannot create the state directory " + config.state_dir.string() + ": " +
                                            ec.message());
    }
    CIVIC_TRY(save_signing_key(config.kiosk_secret_key_path(), config.kiosk_public_key_path(),
                               generate_signing_key_pair(), KeyType::kKioskSigningSecret,
                               KeyType::kKioskSigningPublic));
  }
  return load_signing_key(config.kiosk_secret_key_path(), KeyType::kKioskSigningSecret);
}

Result<std::string> enroll(const KioskConfig& base, const std::string& url, const std::string& token_text,
                           const std::string& name) {
  CIVIC_ASSIGN(token, parse_enrolment_token(token_text));
  CIVIC_ASSIGN(key, ensure_kiosk_key(base));
  std::error_code ec;
  if (std::filesystem::exists(base.hub_signing_key_path(), ec)) {
    return make_error(ErrorCode::kConflict, "this kiosk is enrolled already (" + base.hub_signing_key_path().string() +
                                                " exists); to move it to another hub, decommission it first");
  }
  KioskConfig config = base;
  config.hub_url = url;
  HttpClient http(config);
  const json request{{"token", token_text}, {"public_key", to_hex(key.public_key.bytes)}, {"name", name}};
  const std::string body = request.dump();
  CIVIC_ASSIGN(response, http.post("/v1/enroll", as_bytes(body), "application/json"));
  if (response.status != 200) {
    return make_error(response.status == 403 || response.status == 429 ? ErrorCode::kUnauthorized
                                                                        : ErrorCode::kMalformed,
                      "the hub refused the enrolment: " + hub_error_message(response));
  }
  const Error not_a_hub = make_error(ErrorCode::kMalformed, "the hub's enrolment answer is not what civic-hub "
                                                             "sends; is " + url + " a civic-kiosk hub?");
  const json j = json::parse(response.body.begin(), response.body.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("hub_signing_public_key") || !j.contains("hub_submission_public_key") ||
      !j.contains("hub_content_public_key") || !j.contains("kiosk_id") || !j.contains("key_statement") ||
      !j["hub_signing_public_key"].is_string() || !j["hub_submission_public_key"].is_string() ||
      !j["hub_content_public_key"].is_string() || !j["kiosk_id"].is_string() || !j["key_statement"].is_string()) {
    return not_a_hub;
  }
  auto signing_bytes = fixed_from_hex<kPublicKeySize>(j["hub_signing_public_key"].get<std::string>());
  auto submission_bytes = fixed_from_hex<kPublicKeySize>(j["hub_submission_public_key"].get<std::string>());
  auto content_bytes = fixed_from_hex<kPublicKeySize>(j["hub_content_public_key"].get<std::string>());
  if (!signing_bytes.ok() || !submission_bytes.ok() || !content_bytes.ok() ||
      j["kiosk_id"].get<std::string>() != to_hex(kiosk_id_from_key(key.public_key))) {
    return not_a_hub;
  }
  const SigningPublicKey hub_signing{*signing_bytes};
  const SealPublicKey hub_submission{*submission_bytes};
  const SigningPublicKey hub_content{*content_bytes};
  if (compact_fingerprint(hub_signing) != token.hub_fingerprint) {
    return make_error(ErrorCode::kBadSignature,
                      "the hub at " + url + " has signing key " + compact_fingerprint(hub_signing) +
                          ", but the token was made by the hub with key " + token.hub_fingerprint +
                          "; nothing was stored. Check the address: this may not be your hub.");
  }
  // The submission key (what every resident's record is sealed to) and the content key (what
  // kiosks show) must be the ones the hub's signing key vouches for: a relay that swapped either
  // on the way is caught here.
  auto statement_bytes = from_hex(j["key_statement"].get<std::string>());
  if (!statement_bytes.ok()) return not_a_hub;
  auto statement = verify_key_statement(*statement_bytes, hub_signing);
  if (!statement.ok() || statement->hub_submission != hub_submission || statement->hub_content != hub_content) {
    return make_error(ErrorCode::kBadSignature,
                      "the hub's submission or content key is not the one its signing key vouches for (" +
                          (statement.ok() ? std::string("they differ") : statement.message()) +
                          "): something between this kiosk and the hub altered the answer; nothing was stored");
  }
  CIVIC_TRY(write_key_file(config.hub_submission_key_path(), KeyType::kHubSubmissionPublic, hub_submission.bytes));
  CIVIC_TRY(write_key_file(config.hub_content_key_path(), KeyType::kHubContentPublic, hub_content.bytes));
  CIVIC_TRY(write_key_file(config.hub_signing_key_path(), KeyType::kHubSigningPublic, hub_signing.bytes));
  return to_hex(kiosk_id_from_key(key.public_key));
}

Result<std::unique_ptr<Agent>> Agent::open(const KioskConfig& config, Clock clock) {
  CIVIC_ASSIGN(key, load_signing_key(config.kiosk_secret_key_path(), KeyType::kKioskSigningSecret));
  auto hub = load_signing_public_key(config.hub_signing_key_path(), KeyType::kHubSigningPublic);
  if (!hub.ok()) {
    if (hub.code() == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kUnauthorized, "this kiosk is not enrolled yet: run 'civic-sync enroll URL TOKEN' "
                                                  "with a token from the hub operators");
    }
    return hub.error();
  }
  CIVIC_ASSIGN(content, load_signing_public_key(config.hub_content_key_path(), KeyType::kHubContentPublic));
  CIVIC_ASSIGN(outbox, Outbox::open(config.outbox_path(), kiosk_id_from_key(key.public_key)));
  return std::unique_ptr<Agent>(new Agent(config, std::move(clock), key, *hub, content, std::move(outbox)));
}

Agent::Agent(KioskConfig config, Clock clock, const SigningKeyPair& key, SigningPublicKey hub, SigningPublicKey content,
             std::unique_ptr<Outbox> outbox)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      key_(key),
      hub_key_(hub),
      content_key_(content),
      outbox_(std::move(outbox)),
      http_(config_) {}

SyncReport Agent::finish(SyncReport report) {
  if (auto s = outbox_->note_sync(report.exit_code == kExitOk, report.summary, clock_.now()); !s.ok()) {
    std::fprintf(stderr, "civic-sync: could not record how this sync went: %s\n", s.message().c_str());
  }
  return report;
}

Result<Bytes> Agent::health_report() {
  CIVIC_ASSIGN(status, outbox_->status());
  CIVIC_ASSIGN(kiosk, read_kiosk_health(config_.state_dir));
  // The sequence survives restarts; a lost file only restarts it above the clock's seconds, so a
  // new report still sorts after every older one.
  const auto sequence_path = config_.state_dir / "health-sequence";
  std::uint64_t sequence = 0;
  if (auto text = files::read_text_file(sequence_path, 64); text.ok()) {
    try {
      sequence = std::stoull(*text);
    } catch (const std::exception&) {
      sequence = 0;
    }
  }
  sequence = std::max(sequence + 1, clock_.now());
  files::WriteOptions options;
  options.mode = 0600;
  CIVIC_TRY(files::write_file(sequence_path, std::to_string(sequence) + "\n", options));

  HealthReport h;
  h.kiosk_id = outbox_->kiosk_id();
  h.sequence = sequence;
  h.created_at = clock_.now();
  h.uptime_seconds = kiosk.running && kiosk.started_at <= h.created_at ? h.created_at - kiosk.started_at : 0;
  h.boots = kiosk.boots;
  h.crashes = kiosk.crashes;
  h.staff_lockouts = kiosk.staff_lockouts;
  h.display_width = kiosk.display_width;
  h.display_height = kiosk.display_height;
  h.speech = kiosk.speech;
  h.backlog_records = status.pending + status.in_batch;
  h.oldest_pending_at = status.oldest_unacknowledged_at.value_or(0);
  h.free_disk_bytes = status.free_disk_bytes;
  struct statvfs fs {};
  if (::statvfs(config_.state_dir.c_str(), &fs) == 0) h.disk_bytes = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
  h.content_version = status.content_version;
  h.last_sync_at = status.last_sync_at.value_or(0);
  h.last_sync_success_at = status.last_sync_success_at.value_or(0);
  if (status.last_sync_failed)
    h.last_sync_error = shorten_utf8(status.last_sync_result, kMaxSyncErrorBytes - 3);  // "…" is 3 bytes
  h.software_version = civic_version();
  return encode_signed_health_report(h, key_);
}

SyncReport Agent::finish_with_health(SyncReport report) {
  report = finish(std::move(report));
  send_health_report(report);
  return report;
}

void Agent::send_health_report(SyncReport& report) {
  auto bytes = health_report();
  if (!bytes.ok()) {
    report.summary += "; no health report: " + bytes.message();
    return;
  }
  auto response = http_.post("/v1/health-reports", *bytes, "application/octet-stream");
  if (!response.ok() || response->status != 200)
    report.summary += "; the health report was not accepted (" +
                      (response.ok() ? hub_error_message(*response) : response.message()) + ")";
}

Result<HttpResponse> Agent::with_retries(const std::function<Result<HttpResponse>()>& request,
                                         const std::string& what) const {
  std::mt19937_64 rng(std::random_device{}());
  double delay = config_.backoff_initial_seconds;
  for (int attempt = 1;; ++attempt) {
    auto r = request();
    const bool transient = !r.ok() ? r.code() == ErrorCode::kUnavailable : (r->status >= 500 || r->status == 429);
    if (!transient || attempt >= config_.max_attempts) return r;
    // Exponential backoff with full jitter: kiosks that failed together do not retry together.
    const double wait = std::uniform_real_distribution<double>(0.5, 1.0)(rng) * delay;
    std::fprintf(stderr, "civic-sync: %s failed (%s); retrying in %.0f s (attempt %d of %d)\n", what.c_str(),
                 r.ok() ? hub_error_message(*r).c_str() : r.message().c_str(), wait, attempt + 1, config_.max_attempts);
    clock_.sleep(wait);
    delay = std::min<double>(delay * 2, config_.backoff_max_seconds);
  }
}

std::string Agent::install_content(ByteView bundle, int& exit_code) {
  auto installed = outbox_->install_content(bundle, content_key_, clock_.now());
  if (!installed.ok()) {
    exit_code = kExitDataError;
    return "content refused, current content kept: " + installed.message();
  }
  auto st = outbox_->trusted_content_state();
  const std::string version = st.ok() ? std::to_string(st->version) : "?";
  return *installed == ContentInstall::kInstalled ? "content version " + version + " installed"
                                                  : "content version " + version + " is current";
}

SyncReport Agent::run_once(const Progress& progress) {
  SyncReport report;
  // 1. Content first: a kiosk that cannot upload today should still show today's consultations.
  auto content = with_retries([this] { return http_.get("/v1/content"); }, "fetching content");
  if (!content.ok()) {
    report.exit_code = kExitTempFail;
    report.summary = content.message() + "; will try again at the next run";
    return finish(report);
  }
  if (content->status == 200) {
    report.content = install_content(content->body, report.exit_code);
  } else if (content->status == 404) {
    report.content = "the hub has no content yet";
  } else {
    report.content = "content not fetched: " + hub_error_message(*content);
  }

  // 2. Upload batches until nothing is pending.
  auto before = outbox_->status();
  const std::uint64_t total = before.ok() ? before->pending + before->in_batch : 0;
  const BatchLimits limits{config_.batch_max_records, config_.batch_max_bytes};
  for (;;) {
    auto batch = outbox_->next_batch(key_, limits, clock_.now());
    if (!batch.ok()) {
      report.exit_code = kExitFailure;
      report.summary = "cannot assemble a batch: " + batch.message();
      return finish_with_health(report);
    }
    if (!*batch) break;
    const OutgoingBatch& b = **batch;
    if (progress) progress(report.records_acknowledged, total, "uploading batch " + std::to_string(b.sequence));
    auto response = with_retries([&] { return http_.post("/v1/batches", b.bytes, "application/octet-stream"); },
                                 "uploading batch " + std::to_string(b.sequence));
    if (!response.ok()) {
      report.exit_code = kExitTempFail;
      report.summary = response.message() + "; " + std::to_string(report.records_acknowledged) +
                       " records acknowledged before that; the rest wait for the next run";
      return finish_with_health(report);
    }
    if (response->status != 200) {
      const bool retry_later = response->status >= 500 || response->status == 429;
      report.exit_code = retry_later ? kExitTempFail : response->status == 403 ? kExitNoPermission : kExitDataError;
      report.summary = "the hub refused batch " + std::to_string(b.sequence) + ": " + hub_error_message(*response);
      return finish_with_health(report);
    }
    auto applied = outbox_->apply_ack(response->body, hub_key_, clock_.now());
    if (!applied.ok()) {
      report.exit_code = kExitDataError;
      report.summary = "the hub's answer to batch " + std::to_string(b.sequence) +
                       " is not a valid ack, so nothing was forgotten: " + applied.message();
      return finish_with_health(report);
    }
    ++report.batches_sent;
    report.records_acknowledged += applied->records_acknowledged;
  }
  if (progress) progress(total, total, "done");

  // 3. Reports of closed town-hall events: headcounts and counts, for the hub's results.
  auto reports = event_reports(true);
  if (!reports.ok()) {
    report.exit_code = kExitFailure;
    report.summary = "cannot read the kiosk's events: " + reports.message();
    return finish_with_health(report);
  }
  for (const auto& entry : *reports) {
    const std::string& event_id = entry.first;
    const Bytes& body = entry.second;
    auto response = with_retries([&] { return http_.post("/v1/events", body, "application/octet-stream"); },
                                 "sending the report of event " + event_id);
    if (!response.ok() || response->status != 200) {
      report.exit_code = kExitTempFail;
      report.summary = "the report of event " + event_id + " was not accepted (" +
                       (response.ok() ? hub_error_message(*response) : response.message()) +
                       "); it is sent again at the next run";
      return finish_with_health(report);
    }
    mark_event_sent(event_id);
  }

  // 4. The hub's log: still the one this kiosk saw, grown, with this kiosk's records in it.
  const std::uint64_t witnessed = witness_log(report);

  // 5. Prune what the hub has had for longer than the retention period and its log has shown.
  auto pruned = outbox_->prune(static_cast<std::uint64_t>(config_.retention_days) * 86400, clock_.now(),
                               witnessed + 1);
  if (pruned.ok()) report.records_pruned = *pruned;
  const std::string done = std::to_string(report.records_acknowledged) + " records acknowledged in " +
                           std::to_string(report.batches_sent) + " batches; " +
                           std::to_string(report.records_pruned) + " pruned; " + report.content +
                           (report.log.empty() ? "" : "; " + report.log);
  report.summary = report.summary.empty() ? done : report.summary + "; " + done;
  return finish_with_health(report);
}

// [Witness] The kiosk as a witness of the hub's transparency log, over the network (witness_log)
// and on a drive (log_request_for_drive, witness_log_from_drive); the verdict in one place.

namespace {
constexpr const char* kLogRequestFile = "log-request.json";
}  // namespace

std::uint64_t Agent::refuse_log(SyncReport& report, LogWitnessState& state, const std::string& why) const {
  state.refused_at = clock_.now();
  state.refused_reason = why;
  if (auto s = write_log_witness(config_.state_dir, state); !s.ok())
    std::fprintf(stderr, "civic-sync: could not record the refusal: %s\n", s.message().c_str());
  report.exit_code = kExitDataError;
  report.summary = "REFUSED the hub's transparency log: " + why +
                   ". This kiosk keeps its records and the checkpoint it saw on " + format_utc(state.checked_at) +
                   "; tell the hub's operators";
  return state.witnessed_position;
}

Result<Checkpoint> Agent::check_log_extension(const LogWitnessState& state, const ConsistencyProof& proof) const {
  if (state.checkpoint.empty()) {
    if (proof.first_size != 0) return make_error(ErrorCode::kMalformed, "the proof is not from the empty log");
    return verify_checkpoint(proof.checkpoint, hub_key_);
  }
  return verify_consistency_proof(proof, state.checkpoint, hub_key_);
}

std::uint64_t Agent::accept_log(SyncReport& report, LogWitnessState& state, const ConsistencyProof& proof,
                                std::uint64_t witnessed, std::uint64_t proven) const {
  const std::uint64_t from = proof.first_size;
  state.checkpoint = proof.checkpoint;
  state.witnessed_position = witnessed;
  state.checked_at = clock_.now();
  state.refused_at = 0;
  state.refused_reason.clear();
  if (auto s = write_log_witness(config_.state_dir, state); !s.ok()) {
    report.log = "the hub's log was not checked this time (cannot keep the checkpoint: " + s.message() + ")";
    return 0;
  }
  report.log = "the hub's log checked: " + std::to_string(proof.second_size) + " entries, extending the " +
               std::to_string(from) + " seen before, with the " + std::to_string(proven) +
               " records acknowledged since";
  return witnessed;
}

std::uint64_t Agent::witness_log(SyncReport& report) {
  auto read = read_log_witness(config_.state_dir);
  if (!read.ok()) {
    report.exit_code = kExitFailure;
    report.summary = "the hub's log was not checked: " + read.message();
    return 0;
  }
  LogWitnessState state = *read;
  const auto not_checked = [&](const std::string& why) {
    report.log = "the hub's log was not checked this time (" + why + ")";
    return state.witnessed_position;
  };

  // The consistency proof from the checkpoint this kiosk holds (none yet: from the empty log).
  std::uint64_t from = 0;
  if (!state.checkpoint.empty()) {
    auto old = verify_checkpoint(state.checkpoint, hub_key_);
    if (!old.ok()) return refuse_log(report, state, "the checkpoint this kiosk kept does not verify: " + old.message());
    from = old->size;
  }
  auto response = with_retries([&] { return http_.get("/v1/log/consistency?from=" + std::to_string(from)); },
                               "asking for the log's consistency proof");
  if (!response.ok()) return not_checked(response.message());
  if (response->status == 409)  // PROTOCOL.md: the log is smaller than the checkpoint asked from
    return refuse_log(report, state, "the hub's log shrank below the " + std::to_string(from) +
                                         " entries it signed before (" + hub_error_message(*response) + ")");
  if (response->status != 200) return not_checked(hub_error_message(*response));
  auto proof = parse_consistency_proof(std::string(as_chars(response->body)));
  if (!proof.ok()) return refuse_log(report, state, "its consistency proof is not readable: " + proof.message());
  auto latest = check_log_extension(state, *proof);
  if (!latest.ok()) return refuse_log(report, state, latest.message());

  // Then every record the hub acknowledged since the last check, in the tree of that checkpoint,
  // asked about as ranges of consecutive records (kMaxInclusionRanges of them at a time).
  std::uint64_t witnessed = state.witnessed_position, proven = 0;
  for (;;) {
    auto acked = outbox_->acknowledged_records(witnessed, kWitnessRecordsPerRequest);
    if (!acked.ok()) return not_checked("cannot read the outbox: " + acked.message());
    if (acked->empty()) break;
    std::vector<OwnRecord> own;
    for (const auto& r : *acked) own.push_back({r.position, r.record_hash});
    const InclusionRequest request{outbox_->kiosk_id(), latest->size, record_ranges(own), std::nullopt};
    const std::string body = format_inclusion_request(request);
    auto answer_response = with_retries(
        [&] { return http_.post("/v1/log/inclusion", as_bytes(body), "application/json"); },
        "asking for the inclusion of this kiosk's records");
    if (!answer_response.ok()) return not_checked(answer_response.message());
    if (answer_response->status != 200) return not_checked(hub_error_message(*answer_response));
    auto answer = parse_inclusion_answer(std::string(as_chars(answer_response->body)));
    if (!answer.ok()) return refuse_log(report, state, "its inclusion proofs are not readable: " + answer.message());
    if (auto s = verify_inclusion_answer(*answer, own, own, *latest); !s.ok())
      return refuse_log(report, state, s.message());
    witnessed = acked->back().position;
    proven += acked->size();
  }
  return accept_log(report, state, *proof, witnessed, proven);
}

Status Agent::log_request_for_drive(const std::filesystem::path& mount) {
  CIVIC_ASSIGN(state, read_log_witness(config_.state_dir));
  InclusionRequest request{outbox_->kiosk_id(), 0, {}, std::uint64_t{0}};
  if (!state.checkpoint.empty()) {
    CIVIC_ASSIGN(old, verify_checkpoint(state.checkpoint, hub_key_));
    request.from_size = old.size;
  }
  // Every record not yet shown in the log, acknowledged or on this drive (a bounded number: the
  // rest at the next sync or drive). Acknowledged ones and the others in ranges of their own, so
  // that a batch the hub does not take (a revoked kiosk's, held) does not hide the acknowledged.
  CIVIC_ASSIGN(records, outbox_->record_hashes(state.witnessed_position, kWitnessRecordsPerRequest));
  CIVIC_ASSIGN(acked, outbox_->acknowledged_records(state.witnessed_position, kWitnessRecordsPerRequest));
  std::vector<OwnRecord> before, exported;
  for (const auto& r : records) {
    const bool is_acked = before.size() < acked.size() && acked[before.size()].position == r.position;
    (is_acked && exported.empty() ? before : exported).push_back({r.position, r.record_hash});
  }
  request.ranges = record_ranges(before);
  for (const auto& range : record_ranges(exported)) request.ranges.push_back(range);
  const std::string text = format_inclusion_request(request);
  files::WriteOptions options;
  options.mode = 0600;
  CIVIC_TRY(files::write_file(config_.state_dir / kLogRequestFile, text, options));
  return write_usb_kiosk_file(mount, outbox_->kiosk_id(), kLogRequestFile, as_bytes(text));
}

std::uint64_t Agent::witness_log_from_drive(SyncReport& report, const std::filesystem::path& mount) {
  auto read = read_log_witness(config_.state_dir);
  if (!read.ok()) {
    report.log = "the hub's log was not checked: " + read.message();
    return 0;
  }
  LogWitnessState state = *read;
  const auto not_checked = [&](const std::string& why) {
    report.log = "the hub's log was not checked (" + why + ")";
    return state.witnessed_position;
  };
  auto consistency = read_usb_kiosk_file(mount, outbox_->kiosk_id(), "log-consistency.json");
  auto inclusion = read_usb_kiosk_file(mount, outbox_->kiosk_id(), "log-inclusion.json");
  auto asked_text = files::read_text_file(config_.state_dir / kLogRequestFile, kMaxLogFileBytes);
  if (!consistency.ok() || !inclusion.ok()) return not_checked("the drive's log files cannot be read");
  if (!*consistency || !*inclusion) return not_checked("the drive carries no answer from the hub's log");
  if (!asked_text.ok()) return not_checked("this kiosk kept no log request for this drive");
  auto asked = parse_inclusion_request(*asked_text);
  if (!asked.ok()) return not_checked("this kiosk's log request is damaged: " + asked.message());
  auto proof = parse_consistency_proof(std::string(as_chars(**consistency)));
  if (!proof.ok()) return refuse_log(report, state, "the drive's consistency proof is not readable: " + proof.message());
  if (proof->first_size != asked->from_size.value_or(0))
    return not_checked("the drive's answer is for another request (an older drive?)");
  auto latest = check_log_extension(state, *proof);
  if (!latest.ok()) return refuse_log(report, state, latest.message());
  auto answer = parse_inclusion_answer(std::string(as_chars(**inclusion)));
  if (!answer.ok()) return refuse_log(report, state, "the drive's inclusion proofs are not readable: " + answer.message());

  // This kiosk's records as it asked about them, and of those, what the hub acknowledged: only
  // that must be in its log (a batch it held or refused is not). The records shown are those up
  // to the first one not acknowledged yet.
  auto records = outbox_->record_hashes(state.witnessed_position, kWitnessRecordsPerRequest);
  auto acked = outbox_->acknowledged_records(state.witnessed_position, kWitnessRecordsPerRequest);
  if (!records.ok() || !acked.ok()) return not_checked("cannot read the outbox");
  std::vector<OwnRecord> own, must;
  for (const auto& r : *records) own.push_back({r.position, r.record_hash});
  std::uint64_t asked_up_to = 0;
  for (const auto& range : asked->ranges) asked_up_to = std::max(asked_up_to, range.first_position + range.count - 1);
  for (const auto& r : *acked) {
    if (r.position > asked_up_to || (!must.empty() && r.position != must.back().position + 1)) break;
    must.push_back({r.position, r.record_hash});
  }
  if (auto s = verify_inclusion_answer(*answer, own, must, *latest); !s.ok())
    return refuse_log(report, state, s.message());
  return accept_log(report, state, *proof, must.empty() ? state.witnessed_position : must.back().position,
                    must.size());
}

SyncReport Agent::export_usb(const std::filesystem::path& mount, const Progress& progress) {
  SyncReport report;
  auto batches = outbox_->all_unacknowledged_batches(key_, BatchLimits{config_.batch_max_records,
                                                                       config_.batch_max_bytes},
                                                     clock_.now());
  if (!batches.ok()) {
    report.exit_code = kExitFailure;
    report.summary = "cannot assemble batches: " + batches.message();
    return finish(report);
  }
  std::vector<ExportedBatch> files;
  std::uint64_t records = 0;
  for (const auto& b : *batches) {
    files.push_back({b.sequence, b.bytes});
    records += b.record_count;
  }
  if (progress) progress(0, files.size(), "writing to " + mount.string());
  auto events = event_reports(false);
  if (!events.ok()) {
    report.exit_code = kExitFailure;
    report.summary = "cannot read the kiosk's events: " + events.message();
    return finish(report);
  }
  auto written = write_kiosk_export(mount, outbox_->kiosk_id(), files, clock_.now());
  if (written.ok()) written = write_usb_event_reports(mount, outbox_->kiosk_id(), *events);
  if (written.ok()) {
    // The hub answers it at import: the kiosk checks the hub's log when the drive comes back.
    if (auto request = log_request_for_drive(mount); !request.ok())
      std::fprintf(stderr, "civic-sync: no log request on the drive: %s\n", request.message().c_str());
  }
  if (written.ok()) {
    // The hub sees this kiosk's health when the drive is imported (older reports never replace newer).
    auto health = health_report();
    if (health.ok()) written = write_usb_health_report(mount, outbox_->kiosk_id(), *health);
    else std::fprintf(stderr, "civic-sync: no health report on the drive: %s\n", health.message().c_str());
  }
  if (!written.ok()) {
    // The outbox is unchanged: an export only copies; records leave only with an imported ack.
    report.exit_code = written.code() == ErrorCode::kDiskFull ? kExitFailure : kExitTempFail;
    report.summary = "export failed, nothing changed on this kiosk: " + written.message();
    return finish(report);
  }
  if (progress) progress(files.size(), files.size(), "written and verified");
  report.batches_sent = files.size();
  report.summary = std::to_string(files.size()) + " batches (" + std::to_string(records) + " records) written to " +
                   mount.string() + " and verified; they stay on this kiosk until the hub's acks are imported";
  return finish(report);
}

Result<std::vector<std::pair<std::string, Bytes>>> Agent::event_reports(bool unsent_only) {
  CIVIC_ASSIGN(book, EventBook::open(config_.state_dir));
  std::set<std::string> sent;
  if (auto text = files::read_text_file(config_.state_dir / "events-sent", kMaxEventsSentBytes); text.ok()) {
    std::istringstream in(*text);
    for (std::string line; std::getline(in, line);) sent.insert(line);
  }
  std::vector<std::pair<std::string, Bytes>> out;
  for (const auto& e : book.closed()) {
    if (unsent_only && sent.count(e.id)) continue;
    EventReport r{outbox_->kiosk_id(), e.id, e.name, e.place, e.date, e.started_at, e.closed_at, e.headcount,
                  e.town_hall_records, e.paper_records};
    CIVIC_ASSIGN(bytes, encode_signed_event_report(r, key_));
    out.emplace_back(e.id, std::move(bytes));
  }
  return out;
}

void Agent::mark_event_sent(const std::string& event_id) const {
  // Losing this line only means the report is sent again, and the hub replaces it.
  if (auto s = files::append_durably(config_.state_dir / "events-sent", event_id + "\n", 0600); !s.ok())
    std::fprintf(stderr, "civic-sync: %s (the event report will be sent again)\n", s.message().c_str());
}

SyncReport Agent::import_usb(const std::filesystem::path& mount) {
  SyncReport report;
  auto content = read_usb_content(mount);
  if (!content.ok()) {
    report.content = "content not read: " + content.message();
  } else if (*content) {
    report.content = install_content(**content, report.exit_code);
  } else {
    report.content = "no content on the drive";
  }
  auto acks = read_usb_acks(mount, outbox_->kiosk_id());
  if (!acks.ok()) {
    report.exit_code = kExitFailure;
    report.summary = "cannot read acks: " + acks.message();
    return finish(report);
  }
  int refused = 0;
  for (const auto& ack : *acks) {
    auto applied = outbox_->apply_ack(ack, hub_key_, clock_.now());
    if (applied.ok()) {
      report.records_acknowledged += applied->records_acknowledged;
    } else if (applied.code() != ErrorCode::kNotFound) {  // not found: acknowledged and pruned before
      ++refused;
      std::fprintf(stderr, "civic-sync: an ack on the drive was refused: %s\n", applied.message().c_str());
    }
  }
  if (refused > 0) report.exit_code = kExitDataError;
  const std::uint64_t witnessed = witness_log_from_drive(report, mount);
  auto pruned = outbox_->prune(static_cast<std::uint64_t>(config_.retention_days) * 86400, clock_.now(),
                               witnessed + 1);
  if (pruned.ok()) report.records_pruned = *pruned;
  const std::string done = std::to_string(acks->size()) + " acks read, " +
                           std::to_string(report.records_acknowledged) + " records acknowledged" +
                           (refused ? ", " + std::to_string(refused) + " acks refused" : "") + "; " + report.content +
                           (report.log.empty() ? "" : "; " + report.log);
  report.summary = report.summary.empty() ? done : report.summary + "; " + done;
  return finish(report);
}

}  // namespace civic
