// What the hub does, independent of transport: the HTTP server and USB import both call this, so
// a batch is checked the same way however it arrives.
#pragma once

#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "rate_limiter.h"
#include "online.h"
#include "store.h"
#include "sync/config/config.h"
#include "sync/consultation/consultation.h"
#include "sync/keystore/keystore.h"
#include "sync/transparency/log_witness.h"
#include "sync/transparency/receipt_proof.h"

namespace civic {

struct HubKeys {
  SigningKeyPair signing;
  SealPublicKey submission;  // the secret half never comes near the hub server
  SigningPublicKey content;  // signs content bundles; its secret half is kept offline too
};

struct EnrolResult {
  KioskInfo kiosk;
  SigningPublicKey hub_signing;
  SealPublicKey hub_submission;
  SigningPublicKey hub_content;
  Bytes key_statement;  // the signing key vouching for the submission and content keys (PROTOCOL.md)
};

// Loads the hub's keys from its state directory.
[[nodiscard]] Result<HubKeys> load_hub_keys(const HubConfig& config);
// Creates them (once): the signing key and the submission and content public keys in the state
// directory; the submission secret key at `submission_secret_out` and the content secret key at
// `content_secret_out`, for operators to keep offline.
[[nodiscard]] Status create_hub_keys(const HubConfig& config, const std::filesystem::path& submission_secret_out,
                                     const std::filesystem::path& content_secret_out);

class HubService {
 public:
  HubService(std::unique_ptr<HubStore> store, HubKeys keys, HubConfig config);

  [[nodiscard]] Result<std::string> create_enrolment_token(const std::string& label, std::uint64_t lifetime_seconds,
                                                           std::uint64_t now);
  // `client` identifies the caller for rate limiting (an address). Failed attempts beyond the
  // configured rate per minute are refused with kRateLimited and logged.
  [[nodiscard]] Result<EnrolResult> enrol(std::string_view token_text, const SigningPublicKey& kiosk_key,
                                          const std::string& name, const std::string& client, std::uint64_t now);
  // Verifies and stores a batch. Error codes: kOversize, decoder codes (malformed input),
  // kUnauthorized (unknown or revoked kiosk), kBadSignature, kConflict (fork).
  // A revoked kiosk's batch is refused, except by USB ("usb"): a drive field staff carried from
  // the kiosk is held, verified against the kiosk's key, for an operator's decision (held=true).
  [[nodiscard]] Result<StoredBatch> upload(ByteView body, const std::string& via, std::uint64_t now);
  // What a USB import did, batch by batch, for the operator's screen.
  struct DriveImport {
    struct Batch {
      KioskId kiosk{};
      std::uint64_t sequence = 0;
      StoredBatch stored;  // repeat, held, new_records
    };
    std::vector<Batch> batches;
    std::vector<EventReport> event_reports;
    std::vector<HealthReport> health_reports;  // stored (the latest, or kept in a kiosk's history)
    std::vector<std::string> refused;  // each folder, batch or report left out, and why
    bool content_written = false;      // the latest content bundle went onto the drive
    std::size_t log_answers = 0;       // kiosks' log requests answered (log-consistency/inclusion.json)
  };
  // Imports every kiosk folder on a mounted drive: batches stored (or held, for a revoked kiosk)
  // with their acks written back, event reports stored, and the latest content bundle written for
  // the kiosks. What is refused is listed, not fatal; an error means the drive could not be used.
  [[nodiscard]] Result<DriveImport> import_drive(const std::filesystem::path& mount, std::uint64_t now);

  // An operator's decision on a held batch: accepted, it is stored like any batch (exactly once,
  // forks still caught) and its records count; discarded, it is gone. Both are logged with who and why.
  [[nodiscard]] Result<StoredBatch> accept_held_batch(std::uint64_t id, const std::string& by, const std::string& why,
                                                      std::uint64_t now);
  [[nodiscard]] Status discard_held_batch(std::uint64_t id, const std::string& by, const std::string& why,
                                          std::uint64_t now);
  // Verifies a town-hall event report against its kiosk's enrolled key and stores it. Errors as
  // for upload.
  [[nodiscard]] Result<EventReport> accept_event_report(ByteView body, const std::string& via, std::uint64_t now);

  // Verifies a kiosk's health report against its enrolled key and stores it (an older one joins
  // the history without replacing the latest). Errors as for accept_event_report, except that a
  // revoked kiosk's report is kept when it comes by USB (as its batches are held).
  [[nodiscard]] Result<std::pair<HealthReport, HealthReportOutcome>> accept_health_report(ByteView body,
                                                                                       const std::string& via,
                                                                                       std::uint64_t now);

  // [SECTION] Consultations, moderation and publishing (moderation.cpp)

  // Checks and stores the operators' consultations file (JSON, see assets/README.md).
  [[nodiscard]] Status set_consultations(const std::string& json, std::uint64_t now);
  // The stored consultations with every approved idea added: what the next bundle will carry.
  [[nodiscard]] Result<Content> consultations_with_approved_ideas();
  // Signs that with the offline content key (refused unless it is this hub's) and publishes it as
  // the next content bundle; returns its version.
  // With `consultations` (a consultations file's text), those are checked and stored first, and
  // only once the key is known to be the right one: a wrong key changes nothing.
  [[nodiscard]] Result<std::uint64_t> publish_content(std::uint64_t lifetime_seconds, std::uint64_t now,
                                                      const SigningKeyPair& content_key,
                                                      const std::string* consultations = nullptr);

  struct PendingIdea {
    ModerationItem item;
    std::string text;  // decrypted now, with the operator's key; never stored
  };
  // Looks at records that arrived since the last look (decrypting them with the operator's key),
  // queues the ones with an idea, and returns every pending idea with its text.
  [[nodiscard]] Result<std::vector<PendingIdea>> moderation_queue(const SealKeyPair& submission_key);
  // Who decides, and, to change a decision already taken, why it is reopened. Decisions are
  // final otherwise: a decided idea is refused unless `reopen_reason` is given.
  struct Decider {
    std::string operator_name;
    std::string reopen_reason;
  };
  // Approves an idea for publishing, after removing each of `redactions` from its text (replaced
  // by "[…]"), or with `replacement` as its whole text. An idea approved with redactions before
  // starts from that redacted text: a redaction survives every later decision. Returns the decision.
  [[nodiscard]] Result<ModerationItem> approve(const std::string& moderation_id, const SealKeyPair& submission_key,
                                               const std::vector<std::string>& redactions,
                                               const std::string& replacement, const Decider& by, std::uint64_t now);
  [[nodiscard]] Result<ModerationItem> reject(const std::string& moderation_id, const std::string& reason,
                                              const Decider& by, std::uint64_t now);
  // The id an approved idea has in content bundles and results.
  static std::string published_idea_id(const ModerationItem& item) { return "r" + item.moderation_id.substr(1); }
  [[nodiscard]] Result<std::optional<Bytes>> latest_content() { return store_->latest_content(); }

  // [SECTION] Transparency log (transparency.cpp)

  // A checkpoint of the log as it stands: every accepted record and online import, in order, signed.
  [[nodiscard]] Result<Bytes> checkpoint(std::uint64_t now);
  // Leaves in the log: records and online imports (no count over the records table).
  [[nodiscard]] Result<std::uint64_t> log_size();
  // Of those leaves, the records (not online imports): what /v1/health reports.
  [[nodiscard]] Result<std::uint64_t> records_in_log();
  // The inclusion proof for the record a receipt code names, against a fresh checkpoint. When
  // several records share the code, `match` (1-based) chooses one and the proof says how many.
  // `client`: the asker's address; its failed lookups are limited to kReceiptLookupsPerMinute (a
  // receipt code has about 43.7 bits: guessing must stay slow); empty for the operator's command line.
  [[nodiscard]] Result<ReceiptProof> prove_receipt(std::string_view code, std::uint64_t now,
                                                   const std::string& client = {}, std::uint64_t match = 1);
  static constexpr std::size_t kReceiptLookupsPerMinute = 30;
  [[nodiscard]] Result<ReceiptProof> prove_receipt_unlimited(std::string_view code, std::uint64_t now,
                                                             std::uint64_t match = 1);

  // That the log's first `first` leaves are a prefix of its first `second` (the current size when
  // absent), with a checkpoint of `second` signed now. kNotFound: a size the log has not reached.
  [[nodiscard]] Result<ConsistencyProof> prove_consistency(std::uint64_t first, std::optional<std::uint64_t> second,
                                                           std::uint64_t now);
  // Inclusion proofs of a kiosk's records in the log's first `tree_size` leaves (a kiosk witnessing
  // the log); a record the hub does not hold at that position with that hash is "missing".
  [[nodiscard]] Result<InclusionAnswer> prove_inclusion(const InclusionRequest& request);

  // [SECTION] Online participation (online_import.cpp)

  // Checks an export of online participation against the consultations and the mapping, signs a
  // statement naming the file (its SHA-256) and stores both: the statement joins the
  // transparency log. A file with any problem is refused whole (every problem, with its line) and
  // nothing is stored. The same file again changes nothing; a newer one replaces the older.
  struct OnlineImportResult {
    OnlineImportOutcome outcome = OnlineImportOutcome::kStored;
    OnlineData data;
    Hash32 file_sha256{};
  };
  [[nodiscard]] Result<OnlineImportResult> import_online(OnlineFormat format, const std::string& source,
                                                         const std::string& file_name, const std::string& file_text,
                                                         const std::string& mapping_json, std::uint64_t now);
  // The current imports' data, for the tally.
  [[nodiscard]] Result<std::vector<OnlineData>> current_online_data();
  // Every import's statement with its inclusion proof against a fresh checkpoint (PROTOCOL.md
  // "Online import proof"): anyone can check which online data results used.
  [[nodiscard]] Result<std::vector<OnlineImportProof>> prove_online_imports(std::uint64_t now);

  HubStore& store() { return *store_; }
  const HubKeys& keys() const { return keys_; }
  const HubConfig& config() const { return config_; }

 private:
  void note(const HubEvent& event);

  std::unique_ptr<HubStore> store_;
  HubKeys keys_;
  MemoryLock signing_key_lock_{&keys_.signing, sizeof keys_.signing};  // after keys_: wipes it at the end
  HubConfig config_;
  RateLimiter enrolment_failures_;  // failed enrolments per client address
  RateLimiter receipt_lookups_;     // failed receipt lookups per client address
  // The transparency log's tree lives in the store, extended with what arrived since the last
  // look (HubStore::extend_log): checkpoints and proofs read O(log^2 n) stored subtrees and
  // nothing of the log is held in memory. Returns the log's size.
  [[nodiscard]] Result<std::uint64_t> refresh_log_locked();
  std::mutex log_mutex_;
};

}  // namespace civic
