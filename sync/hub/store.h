// The hub's storage: enrolled kiosks, enrolment tokens, accepted batches with their acks, sealed
// records, operator events and published content. An interface, so that a PostgreSQL backend
// can stand beside the SQLite one; every method is one transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sync/protocol/protocol.h"

namespace civic {

struct KioskInfo {
  KioskId id{};
  SigningPublicKey key;
  std::string name;
  std::uint64_t enrolled_at = 0;
  std::optional<std::uint64_t> revoked_at;
  std::optional<std::uint64_t> last_contact;
  std::uint64_t contiguous_position = 0;  // every position up to here has been received
  Hash32 contiguous_head{};               // the chain head there
};

struct HubEvent {
  std::uint64_t at = 0;
  std::string kind;  // fork, gap, gap-filled, revoked-upload, unknown-kiosk, token-guess, ...
  std::string kiosk;  // hex id, or the client address for enrolment events
  std::string detail;
};

struct StoredBatch {
  Bytes ack;
  bool repeat = false;         // this exact batch had been accepted before; the same ack again
  std::uint32_t new_records = 0;
  bool held = false;           // from a revoked kiosk, by USB: held for an operator's decision, no ack
};

struct HubRecord {
  std::uint64_t id = 0;  // arrival order on this hub
  KioskId kiosk{};
  std::uint64_t position = 0;
  Bytes sealed;
  Hash32 record_hash{};
  std::string receipt;
  std::uint64_t received_at = 0;
};

// An idea in moderation. Pending ideas are listed by decrypting their records with the operator's
// key each time: their words are never stored in clear. Only the published text of an approved
// idea (as the operator approved it, redacted or not) is stored, because it is going public; it
// stays if the idea is later rejected on reopening, so that a redaction survives every decision.
struct ModerationItem {
  std::string moderation_id;   // random, "m-" + 8 hex: links to no receipt or log position
  std::uint64_t record_id = 0;  // the hub's internal record id; never shown to anyone
  std::string consultation_id;
  std::string language;
  std::string status;          // pending, approved, rejected
  std::string reason;          // for rejections
  std::string published_text;  // approved only
  bool redacted = false;
  std::uint64_t decided_at = 0;
  Hash32 record_hash = {};  // of the sealed record: one item however often it was stored
};

// One moderation decision, as the moderation log keeps it: who, when, what and why, never the
// idea's words. Actions: approved, rejected, reopened-approved, reopened-rejected.
struct ModerationLogEntry {
  std::string moderation_id;
  std::uint64_t at = 0;
  std::string operator_name;
  std::string action;
  std::string reason;
  bool redacted = false;
};

// A batch a revoked kiosk handed over on a USB drive: verified against the kiosk's key, kept
// apart (not counted, no ack) until an operator accepts or discards it.
struct HeldBatch {
  std::uint64_t id = 0;
  KioskId kiosk{};
  std::uint64_t sequence = 0;
  std::uint64_t first_position = 0;
  std::uint64_t record_count = 0;
  Bytes batch;  // left empty by held_batches(): held_batch(id) reads it
  std::uint64_t received_at = 0;
  std::string via;
};

// A file of online participation an operator imported (sync/hub/online.h), with the hub's signed
// statement naming it, which the transparency log holds. One import is current per source and
// consultation; a newer file replaces it, and the replaced one stays (not current) so the log
// keeps its history.
struct OnlineImport {
  std::uint64_t id = 0;
  std::string source, consultation, format;
  Hash32 file_sha256{};
  std::uint64_t imported_at = 0;
  std::uint64_t rows = 0;
  Bytes statement;   // CKOI, signed by the hub
  std::string data;  // the data read from the file (OnlineData as JSON)
  bool current = true;
  std::uint64_t after_record = 0;  // its place in the log: right after this record id
};

enum class OnlineImportOutcome { kStored, kReplaced, kUnchanged };

// A transparency log leaf's place: records are (record id, 0); an online import is (the last
// record id when it was stored, import id), so it sits after that record and before the next.
struct LogKey {
  std::uint64_t record = 0;
  std::uint64_t import = 0;
  auto operator<=>(const LogKey&) const = default;
};
struct LogLeaf {
  LogKey key;
  Hash32 data{};  // a record's hash, or an online import statement's leaf data
};

// A kiosk's health report as the hub keeps it: the report (its signature checked again whenever
// it is read back), when it came and how.
struct StoredHealthReport {
  HealthReport report;
  std::uint64_t received_at = 0;
  std::string via;  // http, usb
};
enum class HealthReportOutcome { kLatest, kOlder, kRepeat };
// Reports kept per kiosk: a few months of nightly syncs.
inline constexpr std::size_t kHealthHistoryPerKiosk = 100;

// An enrolment token as operators see it (never the token itself: only its hash is stored).
struct EnrolmentTokenInfo {
  std::string label;
  std::uint64_t created_at = 0, expires_at = 0;
  std::optional<std::uint64_t> used_at;
  std::optional<KioskId> used_by;
};

// An operator of the web console: a name, a role and an Argon2id password hash (libsodium's
// crypto_pwhash_str); failed logins in a row and the lock-out they caused.
struct OperatorAccount {
  std::string name;
  std::string role;  // viewer, publisher, admin
  std::string password_hash;
  std::uint64_t failures = 0;
  std::uint64_t locked_until = 0;
  std::uint64_t created_at = 0;
};

// A logged-in console session: only the hash of the cookie's token is stored.
struct ConsoleSession {
  Hash32 token_hash{};
  std::string operator_name;
  std::string csrf;  // the token every form of this session carries
  std::uint64_t created_at = 0, expires_at = 0;
};

using AckSigner = std::function<Bytes(const Ack&)>;

class HubStore {
 public:
  virtual ~HubStore() = default;

  [[nodiscard]] virtual Status add_enrolment_token(const Hash32& token_hash, const std::string& label,
                                                   std::uint64_t expires_at, std::uint64_t now) = 0;
  // Consumes the token (single use) and enrols the key, in one transaction. kUnauthorized when the
  // token is unknown, used or expired; kConflict when the key is enrolled already.
  [[nodiscard]] virtual Result<KioskInfo> enrol(const Hash32& token_hash, const SigningPublicKey& key,
                                                const std::string& name, std::uint64_t now) = 0;
  [[nodiscard]] virtual Result<std::optional<KioskInfo>> kiosk(const KioskId& id) = 0;
  [[nodiscard]] virtual Result<std::vector<KioskInfo>> kiosks() = 0;
  [[nodiscard]] virtual Status revoke(const KioskId& id, std::uint64_t now) = 0;

  // Stores a parsed batch whose signature the caller has verified against this kiosk's enrolled
  // key. A repeat of an accepted batch returns its stored ack; a batch that overlaps stored
  // positions or reuses a sequence with other content is a fork (kConflict, logged); a batch
  // after missing positions is stored and the gap logged.
  [[nodiscard]] virtual Result<StoredBatch> store_batch(const ParsedBatch& batch, const AckSigner& sign,
                                                        std::uint64_t now, const std::string& via) = 0;

  [[nodiscard]] virtual Status log_event(const HubEvent& event) = 0;
  [[nodiscard]] virtual Result<std::vector<HubEvent>> events(std::size_t limit) = 0;

  // Stores the next content bundle; `version` must be above every stored one.
  [[nodiscard]] virtual Status publish_content(ByteView bundle, std::uint64_t version, std::uint64_t now) = 0;
  [[nodiscard]] virtual Result<std::optional<Bytes>> latest_content() = 0;
  [[nodiscard]] virtual Result<std::uint64_t> latest_content_version() = 0;

  [[nodiscard]] virtual Result<std::uint64_t> record_count() = 0;
  // Records received from one kiosk, including any after a gap (for operators; not cheap).
  [[nodiscard]] virtual Result<std::uint64_t> record_count(const KioskId& kiosk) = 0;
  // Records in arrival order, from id `after` (exclusive), at most `limit`.
  [[nodiscard]] virtual Result<std::vector<HubRecord>> records(std::uint64_t after, std::size_t limit) = 0;
  // Every record with this receipt code, in arrival order (two records can share a code: it has
  // about 43.7 bits, so one pair is expected among a few million records).
  [[nodiscard]] virtual Result<std::vector<HubRecord>> records_by_receipt(const std::string& receipt) = 0;
  // One kiosk's records with chain positions after `after_position`, in position order, at most
  // `limit` (what a kiosk witnessing the log asks to see included).
  [[nodiscard]] virtual Result<std::vector<HubRecord>> kiosk_records(const KioskId& kiosk,
                                                                     std::uint64_t after_position,
                                                                     std::size_t limit) = 0;
  [[nodiscard]] virtual Result<std::optional<HubRecord>> record(std::uint64_t id) = 0;
  // The transparency log, stored as its tree grows (PROTOCOL.md "Transparency log"): every record
  // and online import not yet in it is appended, in log order, with the hash of each complete
  // subtree it completes, in one transaction. Returns the log's size (leaves). Reading a root or a
  // proof afterwards costs O(log^2 n) node reads (log_node), never a read of every leaf.
  [[nodiscard]] virtual Result<std::uint64_t> extend_log() = 0;
  // The hash of the complete subtree of leaves [index * 2^level, (index + 1) * 2^level).
  [[nodiscard]] virtual Result<Hash32> log_node(unsigned level, std::uint64_t index) = 0;
  // Where a record (key.import 0) or an online import is in the log; nothing before extend_log.
  [[nodiscard]] virtual Result<std::optional<std::uint64_t>> log_leaf_index(LogKey key) = 0;
  // Leaves that are online imports (the rest are records).
  [[nodiscard]] virtual Result<std::uint64_t> log_import_count() = 0;

  // Online imports. Storing one for a source and consultation: the same file as the current one
  // changes nothing (kUnchanged); a file that was imported before and has since been replaced is
  // refused (kConflict: an older export must not undo a newer one); any other file replaces the
  // current one (kReplaced) or is the first (kStored). One transaction, with an event.
  [[nodiscard]] virtual Result<OnlineImportOutcome> store_online_import(const OnlineImport& import) = 0;
  // Every import (current_only: the ones results use), oldest first, with their data.
  [[nodiscard]] virtual Result<std::vector<OnlineImport>> online_imports(bool current_only) = 0;

  // The operators' consultations file (JSON, sync/consultation), as last set.
  [[nodiscard]] virtual Status set_consultations(const std::string& json, std::uint64_t now) = 0;
  [[nodiscard]] virtual Result<std::optional<std::string>> consultations() = 0;

  // Moderation: the highest record id looked at, items by id or status, and decisions.
  [[nodiscard]] virtual Result<std::uint64_t> moderation_scanned_up_to() = 0;
  // Queues new pending items and records how far the scan went, in one transaction.
  [[nodiscard]] virtual Status queue_for_moderation(const std::vector<ModerationItem>& items,
                                                    std::uint64_t scanned_up_to) = 0;
  [[nodiscard]] virtual Result<std::vector<ModerationItem>> moderation(const std::string& status) = 0;
  [[nodiscard]] virtual Result<std::optional<ModerationItem>> moderation_item(const std::string& moderation_id) = 0;
  // Stores a decision and its log entry together (one transaction).
  [[nodiscard]] virtual Status decide(const ModerationItem& decision, const ModerationLogEntry& entry) = 0;
  [[nodiscard]] virtual Result<std::vector<ModerationLogEntry>> moderation_log() = 0;

  // Held batches: false when this kiosk's batch of this sequence is held already.
  [[nodiscard]] virtual Result<bool> hold_batch(const HeldBatch& held) = 0;
  // Every held batch without its bytes (a list for operators); one with its bytes by id.
  [[nodiscard]] virtual Result<std::vector<HeldBatch>> held_batches() = 0;
  [[nodiscard]] virtual Result<std::optional<HeldBatch>> held_batch(std::uint64_t id) = 0;
  // Removes a held batch and logs the decision in one transaction (kNotFound: no such batch).
  [[nodiscard]] virtual Status release_held_batch(std::uint64_t id, const HubEvent& decision) = 0;

  // Town-hall event reports, verified by the caller; a report sent again replaces the stored one.
  [[nodiscard]] virtual Status store_event_report(const EventReport& report, ByteView bytes, const std::string& via,
                                                  std::uint64_t now) = 0;
  [[nodiscard]] virtual Result<std::vector<EventReport>> event_reports() = 0;

  // Health reports, verified by the caller. Each is kept (the newest kHealthHistoryPerKiosk per
  // kiosk); the latest is the one with the highest sequence, so an older report arriving late
  // (a USB drive carried after a network sync) never replaces a newer one.
  [[nodiscard]] virtual Result<HealthReportOutcome> store_health_report(const HealthReport& report, ByteView bytes,
                                                                       const std::string& via, std::uint64_t now) = 0;
  // One kiosk's reports, newest first, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<StoredHealthReport>> health_reports(const KioskId& kiosk,
                                                                              std::size_t limit) = 0;
  // Each kiosk's latest report (kiosks that never sent one are absent).
  [[nodiscard]] virtual Result<std::vector<StoredHealthReport>> latest_health_reports() = 0;

  [[nodiscard]] virtual Result<std::vector<EnrolmentTokenInfo>> enrolment_tokens() = 0;

  // Console operators and sessions.
  [[nodiscard]] virtual Status add_operator(const OperatorAccount& account) = 0;  // kConflict: the name exists
  // Updates role, hash, failures and lock-out; kNotFound when there is no such operator.
  [[nodiscard]] virtual Status update_operator(const OperatorAccount& account) = 0;
  // Removes the operator and every session of theirs (kNotFound when there is none).
  [[nodiscard]] virtual Status remove_operator(const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::optional<OperatorAccount>> operator_account(const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::vector<OperatorAccount>> operator_accounts() = 0;
  // Stores a session and forgets every expired one.
  [[nodiscard]] virtual Status add_console_session(const ConsoleSession& session, std::uint64_t now) = 0;
  [[nodiscard]] virtual Result<std::optional<ConsoleSession>> console_session(const Hash32& token_hash) = 0;
  [[nodiscard]] virtual Status remove_console_session(const Hash32& token_hash) = 0;
};

[[nodiscard]] Result<std::unique_ptr<HubStore>> open_sqlite_hub_store(const std::filesystem::path& path);
// PostgreSQL (libpq connection URL, postgresql://…): the schema is created on first use. Several
// hubs may share one database.
[[nodiscard]] Result<std::unique_ptr<HubStore>> open_postgres_hub_store(const std::string& url);
// Copies every table of a SQLite hub database into an empty PostgreSQL one (created when new), in
// one transaction; returns the rows copied per table. The caller checks the result (migrate-store).
[[nodiscard]] Result<std::vector<std::pair<std::string, std::uint64_t>>> copy_sqlite_store_to_postgres(
    const std::filesystem::path& sqlite_path, const std::string& url);
// The store a hub's configuration names: `url` ([store] url) when set, else SQLite at `sqlite_path`.
[[nodiscard]] Result<std::unique_ptr<HubStore>> open_hub_store(const std::string& url,
                                                               const std::filesystem::path& sqlite_path);

// The store's transparency log as the Merkle functions read it (merkle_root_at and the proofs).
class StoredLogTree final : public MerkleNodeSource {
 public:
  explicit StoredLogTree(HubStore& store) : store_(store) {}
  [[nodiscard]] Result<Hash32> complete_subtree(unsigned level, std::uint64_t index) const override {
    return store_.log_node(level, index);
  }

 private:
  HubStore& store_;
};

}  // namespace civic
