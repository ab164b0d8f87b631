// The kiosk's durable outbox: sealed records wait here, chained, until the hub has acknowledged
// them. The kiosk appends; the sync agent assembles batches, applies acks and prunes. Both may
// have it open at once (separate connections; SQLite WAL with a busy timeout).
//
// Guarantees:
// - append() returns only after COMMIT: the record, its chain link and its state are durable
//   together (WAL, synchronous=FULL), or nothing was written.
// - A record leaves the outbox only after an ack whose hub signature verifies and whose every
//   field matches the batch it names, and only once it is older than the retention period.
// - Deleted pages are overwritten (secure_delete). Records are sealed: the file holds no plaintext.
// - Opening checks the file is an outbox of this kiosk and passes an integrity check; a damaged or
//   foreign file is reported, never recreated.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sync/protocol/protocol.h"

namespace civic {

inline constexpr int kOutboxSchemaVersion = 3;
inline constexpr std::uint32_t kOutboxApplicationId = 0x434B4F42;  // "CKOB" in the file header

struct OutboxOptions {
  // SQLite VFS to use; empty for the default. Tests pass a fault-injecting one.
  std::string vfs;
  int busy_timeout_ms = 5000;
  // WAL size kept after a checkpoint.
  std::int64_t journal_size_limit = 4 * 1024 * 1024;
  // Run PRAGMA integrity_check on open (quick_check otherwise).
  bool full_integrity_check = true;
};

enum class RecordState : int { kPending = 0, kInBatch = 1, kAcknowledged = 2 };

struct AppendedRecord {
  std::uint64_t position = 0;
  Hash32 record_hash{};
  Hash32 chain_head{};
};

struct StoredRecord {
  std::uint64_t position = 0;
  Bytes sealed;
  Hash32 record_hash{};
  Hash32 chain_head{};
  std::uint64_t created_at = 0;
  RecordState state = RecordState::kPending;
};

struct BatchLimits {
  std::size_t max_records = 1000;
  std::size_t max_bytes = 4 * 1024 * 1024;
};

struct OutgoingBatch {
  std::uint64_t sequence = 0;
  std::uint64_t first_position = 0;
  std::uint32_t record_count = 0;
  Hash32 batch_id{};
  Bytes bytes;  // signed, exactly as first assembled
};

struct AckResult {
  std::uint64_t batch_sequence = 0;
  std::uint32_t records_acknowledged = 0;  // 0 when the batch was already acknowledged
};

struct InstalledContent {
  Bytes bundle;               // signed bytes as received
  TrustedContentState state;  // what rollback and freeze checks compare against
};

enum class ContentInstall { kInstalled, kAlreadyCurrent };

struct OutboxStatus {
  std::uint64_t pending = 0;
  std::uint64_t in_batch = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t unacknowledged_batches = 0;
  std::uint64_t last_position = 0;
  Hash32 chain_head{};
  std::optional<std::uint64_t> oldest_unacknowledged_at;  // created_at of the oldest not acked
  std::uint64_t database_bytes = 0;
  std::uint64_t free_disk_bytes = 0;
  std::uint64_t content_version = 0;
  std::uint64_t content_expires_at = 0;
  std::optional<std::uint64_t> last_sync_at;          // the last attempt, successful or not
  std::optional<std::uint64_t> last_sync_success_at;
  std::string last_sync_result;                       // one line for staff
  bool last_sync_failed = false;
};

class Outbox {
 public:
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Creates the file if it does not exist; otherwise opens it and checks that it is this kiosk's
  // outbox (kForeignDatabase), of a schema this software knows (kUnknownVersion), and intact
  // (kCorruptDatabase).
  [[nodiscard]] static Result<std::unique_ptr<Outbox>> open(const std::filesystem::path& path,
                                                            const KioskId& kiosk,
                                                            const OutboxOptions& options = {});
  // Opens an existing outbox without knowing the kiosk (inspection tools).
  [[nodiscard]] static Result<std::unique_ptr<Outbox>> open_existing(const std::filesystem::path& path,
                                                                     const OutboxOptions& options = {});

  // Defined in outbox.cpp only.
  struct Impl;

  const KioskId& kiosk_id() const { return kiosk_; }
  const std::filesystem::path& path() const { return path_; }

  // Appends one sealed record and links it into the chain, in one transaction.
  [[nodiscard]] Result<AppendedRecord> append(ByteView sealed_record, std::uint64_t now);

  // The oldest batch not yet acknowledged, assembling a new one from pending records if there is
  // none. std::nullopt when nothing is waiting.
  [[nodiscard]] Result<std::optional<OutgoingBatch>> next_batch(const SigningKeyPair& kiosk_key,
                                                                const BatchLimits& limits, std::uint64_t now);
  // Assembles batches until no record is pending, then returns every unacknowledged batch, oldest
  // first (for USB export).
  [[nodiscard]] Result<std::vector<OutgoingBatch>> all_unacknowledged_batches(const SigningKeyPair& kiosk_key,
                                                                              const BatchLimits& limits,
                                                                              std::uint64_t now);

  // Verifies the ack against the hub's signing key and the batch it names, then marks its
  // records acknowledged. Applying the same ack twice is harmless.
  [[nodiscard]] Result<AckResult> apply_ack(ByteView ack_bytes, const SigningPublicKey& hub_key,
                                            std::uint64_t now);

  // Deletes acknowledged records (and acknowledged batches) acknowledged at or before
  // now - retention. Never touches anything unacknowledged. Returns how many records went.
  // Records from `keep_from_position` on are kept whatever their age (the agent keeps every record
  // it has not yet seen in the hub's transparency log).
  [[nodiscard]] Result<std::uint64_t> prune(std::uint64_t retention_seconds, std::uint64_t now,
                                            std::uint64_t keep_from_position = UINT64_MAX);
  // Acknowledged records after `after_position`, in position order, at most `limit`: position and
  // record hash only (what the agent asks the hub's log to prove included).
  struct AcknowledgedRecord {
    std::uint64_t position = 0;
    Hash32 record_hash{};
  };
  [[nodiscard]] Result<std::vector<AcknowledgedRecord>> acknowledged_records(std::uint64_t after_position,
                                                                              std::size_t limit);
  // Every stored record after `after_position`, whatever its state (what a drive's log request
  // names: the records exported with it too).
  [[nodiscard]] Result<std::vector<AcknowledgedRecord>> record_hashes(std::uint64_t after_position, std::size_t limit);

  // Verifies the bundle against the stored trusted state (protocol rules) and, if it is new,
  // replaces the stored bundle and state atomically.
  [[nodiscard]] Result<ContentInstall> install_content(ByteView bundle, const SigningPublicKey& hub_key,
                                                       std::uint64_t now);
  // The installed bundle, re-verified (signature and expiry) against its stored trusted state.
  [[nodiscard]] Result<std::optional<VerifiedContent>> current_content(const SigningPublicKey& hub_key,
                                                                       std::uint64_t now);
  [[nodiscard]] Result<TrustedContentState> trusted_content_state();

  // Remembers how the last sync went, for status screens.
  [[nodiscard]] Status note_sync(bool success, const std::string& summary, std::uint64_t now);

  [[nodiscard]] Result<OutboxStatus> status();
  // Every record still stored, in chain order (tests and audits).
  [[nodiscard]] Result<std::vector<StoredRecord>> records();
  // Recomputes the chain over the stored records from the first one's predecessor and checks it
  // ends at the stored head; PRAGMA integrity_check must say ok.
  [[nodiscard]] Status verify_integrity();
  // Moves the WAL's contents into the database file and truncates the WAL.
  [[nodiscard]] Status checkpoint();

 private:
  Status check_key(const SigningKeyPair& kiosk_key) const;
  Outbox(std::unique_ptr<Impl> impl, KioskId kiosk, std::filesystem::path path);
  std::unique_ptr<Impl> impl_;
  KioskId kiosk_{};
  std::filesystem::path path_;
};

const char* record_state_name(RecordState s);

}  // namespace civic
