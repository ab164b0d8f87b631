// The SQLite implementation of HubStore. One connection, serialised by a mutex: SQLite serialises
// writers anyway. Uploads arriving together share one short transaction (group commit).
#include <algorithm>
#include <iterator>
#include <mutex>
#include <optional>

#include "group_commit.h"
#include "store.h"
#include "sync/common/human.h"
#include "sync/sqlite/sqlite.h"

namespace civic {

namespace {

constexpr std::uint32_t kHubApplicationId = 0x434B4855;  // "CKHU"
constexpr const char* kHubMigrations[] = {
    R"sql(
    CREATE TABLE kiosks (
      kiosk_id BLOB PRIMARY KEY,
      public_key BLOB NOT NULL UNIQUE,
      name TEXT NOT NULL,
      enrolled_at INTEGER NOT NULL,
      revoked_at INTEGER,
      last_contact INTEGER,
      contiguous_position INTEGER NOT NULL DEFAULT 0,
      contiguous_head BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE enrolment_tokens (
      token_hash BLOB PRIMARY KEY,
      label TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      used_at INTEGER,
      used_by BLOB
    ) WITHOUT ROWID;
    CREATE TABLE batches (
      kiosk_id BLOB NOT NULL,
      sequence INTEGER NOT NULL,
      first_position INTEGER NOT NULL,
      record_count INTEGER NOT NULL,
      previous_head BLOB NOT NULL,
      new_head BLOB NOT NULL,
      batch_id BLOB NOT NULL,
      ack BLOB NOT NULL,
      received_at INTEGER NOT NULL,
      via TEXT NOT NULL,
      PRIMARY KEY (kiosk_id, sequence)
    ) WITHOUT ROWID;
    CREATE INDEX batches_by_first_position ON batches (kiosk_id, first_position);
    -- Blobs last: SQLite reads columns in order.
    CREATE TABLE records (
      id INTEGER PRIMARY KEY,
      kiosk_id BLOB NOT NULL,
      position INTEGER NOT NULL,
      record_hash BLOB NOT NULL,
      receipt TEXT NOT NULL,
      batch_sequence INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      sealed BLOB NOT NULL,
      UNIQUE (kiosk_id, position)
    );
    CREATE INDEX records_by_receipt ON records (receipt);
    CREATE TABLE events (
      id INTEGER PRIMARY KEY,
      at INTEGER NOT NULL,
      kind TEXT NOT NULL,
      kiosk TEXT NOT NULL,
      detail TEXT NOT NULL
    );
    CREATE TABLE content (
      version INTEGER PRIMARY KEY,
      published_at INTEGER NOT NULL,
      bundle BLOB NOT NULL
    );
    )sql",
    // v2: consultations and moderation.
    R"sql(
    CREATE TABLE consultation_file (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      json TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE TABLE moderation (
      record_id INTEGER PRIMARY KEY REFERENCES records (id),
      moderation_id TEXT NOT NULL UNIQUE,
      consultation_id TEXT NOT NULL,
      language TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
      reason TEXT NOT NULL DEFAULT '',
      published_text TEXT,
      redacted INTEGER NOT NULL DEFAULT 0,
      decided_at INTEGER
    );
    CREATE TABLE moderation_scan (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      scanned_up_to INTEGER NOT NULL
    );
    )sql",
    // v3: town-hall event reports.
    R"sql(
    CREATE TABLE event_reports (
      kiosk_id BLOB NOT NULL,
      event_id TEXT NOT NULL,
      name TEXT NOT NULL,
      place TEXT NOT NULL,
      date TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      closed_at INTEGER NOT NULL,
      headcount INTEGER NOT NULL,
      town_hall_records INTEGER NOT NULL,
      paper_records INTEGER NOT NULL,
      report BLOB NOT NULL,
      received_at INTEGER NOT NULL,
      via TEXT NOT NULL,
      PRIMARY KEY (kiosk_id, event_id)
    ) WITHOUT ROWID;
    )sql",
    // v4: the same sealed record stored at two chain positions is moderated once: moderation
    // items are keyed by the record's hash too (NULL for items queued before this version).
    R"sql(
    ALTER TABLE moderation ADD COLUMN record_hash BLOB;
    CREATE UNIQUE INDEX moderation_by_record_hash ON moderation (record_hash);
    )sql",
    // v5: every moderation decision, kept (who, when, what, why; never the idea's words).
    R"sql(
    CREATE TABLE moderation_log (
      id INTEGER PRIMARY KEY,
      moderation_id TEXT NOT NULL,
      at INTEGER NOT NULL,
      operator TEXT NOT NULL,
      action TEXT NOT NULL,
      reason TEXT NOT NULL,
      redacted INTEGER NOT NULL
    );
    )sql",
    // v6: batches a revoked kiosk handed over on a USB drive, held for an operator's decision.
    R"sql(
    CREATE TABLE held_batches (
      id INTEGER PRIMARY KEY,
      kiosk_id BLOB NOT NULL,
      sequence INTEGER NOT NULL,
      first_position INTEGER NOT NULL,
      record_count INTEGER NOT NULL,
      batch BLOB NOT NULL,
      received_at INTEGER NOT NULL,
      via TEXT NOT NULL,
      UNIQUE (kiosk_id, sequence)
    );
    )sql",
    // v7: online participation imported from the city's platform, each in the transparency log.
    R"sql(
    CREATE TABLE online_imports (
      id INTEGER PRIMARY KEY,
      source TEXT NOT NULL,
      consultation TEXT NOT NULL,
      format TEXT NOT NULL,
      file_sha256 BLOB NOT NULL,
      imported_at INTEGER NOT NULL,
      rows INTEGER NOT NULL,
      statement BLOB NOT NULL,
      leaf BLOB NOT NULL,
      data TEXT NOT NULL,
      current INTEGER NOT NULL,
      after_record INTEGER NOT NULL,
      UNIQUE (source, consultation, file_sha256)
    );
    CREATE INDEX online_imports_in_log ON online_imports (after_record, id);
    )sql",
    // v8: kiosks' health reports (signed by the kiosk; a bounded history per kiosk), and the
    // operator console's accounts and sessions.
    R"sql(
    CREATE TABLE health_reports (
      kiosk_id BLOB NOT NULL,
      sequence INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      via TEXT NOT NULL,
      report BLOB NOT NULL,
      PRIMARY KEY (kiosk_id, sequence)
    ) WITHOUT ROWID;
    CREATE TABLE operators (
      name TEXT PRIMARY KEY,
      role TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      failures INTEGER NOT NULL,
      locked_until INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE console_sessions (
      token_hash BLOB PRIMARY KEY,
      operator TEXT NOT NULL REFERENCES operators (name),
      csrf TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    )sql",
    // v9: the transparency log stored as it grows: each leaf's place, and each complete subtree's
    // hash (level 0: the leaves), so that roots and proofs read O(log^2 n) rows (filled from the
    // records and imports already stored at the first extend_log).
    R"sql(
    CREATE TABLE log_entries (
      leaf INTEGER PRIMARY KEY,
      record_id INTEGER NOT NULL,
      import_id INTEGER NOT NULL,
      UNIQUE (record_id, import_id)
    );
    CREATE TABLE log_nodes (
      level INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      hash BLOB NOT NULL,
      PRIMARY KEY (level, idx)
    ) WITHOUT ROWID;
    )sql",
};

const sql::Schema kHubSchema{kHubApplicationId, kHubMigrations,
                             "check the state directory (this is not a civic-hub database)"};

class SqliteHubStore final : public HubStore {
 public:
  explicit SqliteHubStore(std::unique_ptr<sql::Database> db) : db_(std::move(db)) {}

  Status init();
  Status add_enrolment_token(const Hash32& token_hash, const std::string& label, std::uint64_t expires_at,
                             std::uint64_t now) override;
  Result<KioskInfo> enrol(const Hash32& token_hash, const SigningPublicKey& key, const std::string& name,
                          std::uint64_t now) override;
  Result<std::optional<KioskInfo>> kiosk(const KioskId& id) override;
  Result<std::vector<KioskInfo>> kiosks() override;
  Status revoke(const KioskId& id, std::uint64_t now) override;
  Result<StoredBatch> store_batch(const ParsedBatch& batch, const AckSigner& sign, std::uint64_t now,
                                  const std::string& via) override;
  Status log_event(const HubEvent& event) override;
  Result<std::vector<HubEvent>> events(std::size_t limit) override;
  Status publish_content(ByteView bundle, std::uint64_t version, std::uint64_t now) override;
  Result<std::optional<Bytes>> latest_content() override;
  Result<std::uint64_t> latest_content_version() override;
  Result<std::uint64_t> record_count() override;
  Result<std::uint64_t> record_count(const KioskId& kiosk) override;
  Result<std::vector<HubRecord>> records(std::uint64_t after, std::size_t limit) override;
  Result<std::optional<HubRecord>> record(std::uint64_t id) override;
  Result<std::uint64_t> extend_log() override;
  Result<Hash32> log_node(unsigned level, std::uint64_t index) override;
  Result<std::optional<std::uint64_t>> log_leaf_index(LogKey key) override;
  Result<std::uint64_t> log_import_count() override;
  Result<OnlineImportOutcome> store_online_import(const OnlineImport& import) override;
  Result<std::vector<OnlineImport>> online_imports(bool current_only) override;
  Status set_consultations(const std::string& json, std::uint64_t now) override;
  Result<std::optional<std::string>> consultations() override;
  Result<std::uint64_t> moderation_scanned_up_to() override;
  Status queue_for_moderation(const std::vector<ModerationItem>& items, std::uint64_t scanned_up_to) override;
  Result<std::vector<ModerationItem>> moderation(const std::string& status) override;
  Result<std::optional<ModerationItem>> moderation_item(const std::string& moderation_id) override;
  Status decide(const ModerationItem& d, const ModerationLogEntry& entry) override;

  // A held batch's columns, in the order read_held() reads them; its bytes come last (or NULL).
  static constexpr const char* kHeldColumns = "id, kiosk_id, sequence, first_position, record_count, received_at, via";
  static Result<HeldBatch> read_held(sql::Statement& stmt);
  Result<bool> hold_batch(const HeldBatch& held) override;
  Result<std::vector<HeldBatch>> held_batches() override;
  Result<std::optional<HeldBatch>> held_batch(std::uint64_t id) override;
  Status release_held_batch(std::uint64_t id, const HubEvent& decision) override;
  Result<std::vector<ModerationLogEntry>> moderation_log() override;
  Status store_event_report(const EventReport& e, ByteView bytes, const std::string& via, std::uint64_t now) override;
  Result<std::vector<EventReport>> event_reports() override;
  Result<std::vector<HubRecord>> records_by_receipt(const std::string& receipt) override;
  Result<std::vector<HubRecord>> kiosk_records(const KioskId& kiosk, std::uint64_t after_position,
                                               std::size_t limit) override;
  Result<HealthReportOutcome> store_health_report(const HealthReport& report, ByteView bytes, const std::string& via,
                                                  std::uint64_t now) override;
  Result<std::vector<StoredHealthReport>> health_reports(const KioskId& kiosk, std::size_t limit) override;
  Result<std::vector<StoredHealthReport>> latest_health_reports() override;
  Result<std::vector<EnrolmentTokenInfo>> enrolment_tokens() override;
  Status add_operator(const OperatorAccount& account) override;
  Status update_operator(const OperatorAccount& account) override;
  Status remove_operator(const std::string& name) override;
  Result<std::optional<OperatorAccount>> operator_account(const std::string& name) override;
  Result<std::vector<OperatorAccount>> operator_accounts() override;
  Status add_console_session(const ConsoleSession& session, std::uint64_t now) override;
  Result<std::optional<ConsoleSession>> console_session(const Hash32& token_hash) override;
  Status remove_console_session(const Hash32& token_hash) override;

 private:
  // A stored health report, read as (report, public key of its kiosk, received_at, via): checked
  // against the key again, so what the hub shows is what the kiosk signed.
  static Result<StoredHealthReport> read_health(sql::Statement& row);
  static constexpr const char* kKioskSelect =
      "SELECT k.kiosk_id, k.public_key, k.name, k.enrolled_at, k.revoked_at, k.last_contact, k.contiguous_position, "
      "k.contiguous_head FROM kiosks k";
  static constexpr const char* kRecordSelect =
      "SELECT id, kiosk_id, position, sealed, record_hash, receipt, received_at FROM records";
  static Result<KioskInfo> read_kiosk(sql::Statement& s);
  static constexpr const char* kModerationSelect =
      "SELECT moderation_id, record_id, consultation_id, language, status, reason, coalesce(published_text, ''), "
      "redacted, coalesce(decided_at, 0) FROM moderation";
  static ModerationItem read_moderation(sql::Statement& s);
  static Result<HubRecord> read_record(sql::Statement& s);
  Result<std::optional<KioskInfo>> kiosk_locked(const KioskId& id);
  Status insert_event(const HubEvent& e);
  Status touch(const KioskId& id, std::uint64_t now);
  Error fork(const BatchHeader& h, std::uint64_t now, const std::string& why);
  std::vector<Result<StoredBatch>> commit_group(const std::vector<const BatchGroupCommit::Pending*>& group);
  Result<StoredBatch> store_batch_locked(const ParsedBatch& batch, const AckSigner& sign, std::uint64_t now,
                                         const std::string& via);
  BatchGroupCommit group_;
  Status advance_contiguous(const KioskId& id, const KioskInfo& before, std::uint64_t now);
  std::mutex mutex_;
  std::unique_ptr<sql::Database> db_;
};

Status SqliteHubStore::init() {
  CIVIC_ASSIGN(version, sql::schema_version(*db_, kHubSchema));
  CIVIC_TRY(db_->exec("PRAGMA journal_mode = WAL"));
  CIVIC_TRY(db_->exec("PRAGMA synchronous = FULL"));  // an ack promises durability
  if (version > 0) {
    CIVIC_TRY(sql::check_integrity(*db_, false, "restore the hub database from a backup"));
  }
  CIVIC_TRY(sql::migrate(*db_, kHubSchema, version));
  return {};
}

Status SqliteHubStore::add_enrolment_token(const Hash32& token_hash, const std::string& label, std::uint64_t expires_at,
                                           std::uint64_t now) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("INSERT INTO enrolment_tokens (token_hash, label, created_at, expires_at) "
                                  "VALUES (?, ?, ?, ?)"));
  return stmt.bind(1, ByteView(token_hash)).bind(2, std::string_view(label)).bind(3, now).bind(4, expires_at).run();
}

Result<KioskInfo> SqliteHubStore::enrol(const Hash32& token_hash, const SigningPublicKey& key, const std::string& name,
                                        std::uint64_t now) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(token, db_->prepare("SELECT expires_at, used_at FROM enrolment_tokens WHERE token_hash = ?"));
  token.bind(1, ByteView(token_hash));
  CIVIC_ASSIGN(row, token.step());
  if (!row) return make_error(ErrorCode::kUnauthorized, "this enrolment token is not known to the hub");
  if (!token.is_null(1)) {
    return make_error(ErrorCode::kUnauthorized, "this enrolment token was used already; ask the hub operators "
                                                "for a new one");
  }
  if (token.uint64(0) <= now) {
    return make_error(ErrorCode::kUnauthorized, "this enrolment token has expired; ask the hub operators for a "
                                                "new one");
  }
  token.reset();
  const KioskId id = kiosk_id_from_key(key);
  CIVIC_ASSIGN(existing, kiosk_locked(id));
  if (existing) {
    return make_error(ErrorCode::kConflict, "kiosk " + to_hex(id) + " is enrolled already; a kiosk enrols once "
                                            "(to move it, revoke it and enrol a new key)");
  }
  CIVIC_ASSIGN(insert, db_->prepare("INSERT INTO kiosks (kiosk_id, public_key, name, enrolled_at, contiguous_head) "
                                    "VALUES (?, ?, ?, ?, ?)"));
  CIVIC_TRY(insert.bind(1, ByteView(id)).bind(2, ByteView(key.bytes)).bind(3, std::string_view(name)).bind(4, now)
                .bind(5, ByteView(kGenesisHead)).run());
  CIVIC_ASSIGN(use, db_->prepare("UPDATE enrolment_tokens SET used_at = ?, used_by = ? WHERE token_hash = ?"));
  CIVIC_TRY(use.bind(1, now).bind(2, ByteView(id)).bind(3, ByteView(token_hash)).run());
  CIVIC_TRY(insert_event({now, "enrolled", to_hex(id), "name '" + name + "'"}));
  CIVIC_TRY(txn.commit());
  CIVIC_ASSIGN(info, kiosk_locked(id));
  return *info;
}

Result<std::optional<KioskInfo>> SqliteHubStore::kiosk(const KioskId& id) {
  std::lock_guard lock(mutex_);
  return kiosk_locked(id);
}

Result<std::vector<KioskInfo>> SqliteHubStore::kiosks() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kKioskSelect) + " ORDER BY k.enrolled_at"));
  return sql::collect_rows(stmt, read_kiosk);
}

Status SqliteHubStore::revoke(const KioskId& id, std::uint64_t now) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(stmt, db_->prepare("UPDATE kiosks SET revoked_at = ? WHERE kiosk_id = ? AND revoked_at IS NULL"));
  CIVIC_TRY(stmt.bind(1, now).bind(2, ByteView(id)).run());
  if (sqlite3_changes(db_->handle()) == 0) {
    CIVIC_ASSIGN(k, kiosk_locked(id));
    if (!k) return make_error(ErrorCode::kNotFound, "no kiosk " + to_hex(id) + " is enrolled");
    return make_error(ErrorCode::kConflict, "kiosk " + to_hex(id) + " was revoked already");
  }
  CIVIC_TRY(insert_event({now, "revoked", to_hex(id), "by an operator"}));
  return txn.commit();
}

// Concurrent uploads share one transaction and one durable commit (group_commit.h): each batch in
// a savepoint of its own.
Result<StoredBatch> SqliteHubStore::store_batch(const ParsedBatch& batch, const AckSigner& sign, std::uint64_t now,
                                                const std::string& via) {
  return group_.store(batch, sign, now, via, [this](const auto& group) { return commit_group(group); });
}

std::vector<Result<StoredBatch>> SqliteHubStore::commit_group(const std::vector<const BatchGroupCommit::Pending*>& group) {
  std::lock_guard lock(mutex_);
  const auto all = [&](const Error& e) { return std::vector<Result<StoredBatch>>(group.size(), e); };
  sql::Transaction txn(*db_);
  if (auto s = txn.begin(); !s.ok()) return all(s.error());
  std::vector<Result<StoredBatch>> out;
  out.reserve(group.size());
  for (const auto* p : group) {
    if (auto s = db_->exec("SAVEPOINT batch"); !s.ok()) {
      out.emplace_back(s.error());
      continue;
    }
    out.push_back(store_batch_locked(*p->batch, *p->sign, p->now, *p->via));
    // A fork is refused but its event is kept; anything else that failed leaves no trace.
    const bool keep = out.back().ok() || out.back().code() == ErrorCode::kConflict;
    if (auto s = db_->exec(keep ? "RELEASE batch" : "ROLLBACK TO batch; RELEASE batch"); !s.ok()) {
      return all(s.error());  // the transaction rolls back: nothing of the group is stored or acknowledged
    }
  }
  if (auto s = txn.commit(); !s.ok()) return all(s.error());
  return out;
}

Result<StoredBatch> SqliteHubStore::store_batch_locked(const ParsedBatch& batch, const AckSigner& sign,
                                                       std::uint64_t now, const std::string& via) {
  const BatchHeader& h = batch.header;
  const std::string kiosk_hex = to_hex(h.kiosk_id);
  const std::uint64_t last = batch.last_position();

  // A repeat of an accepted batch: the same ack, nothing stored twice.
  CIVIC_ASSIGN(same_seq, db_->prepare("SELECT batch_id, ack FROM batches WHERE kiosk_id = ? AND sequence = ?"));
  same_seq.bind(1, ByteView(h.kiosk_id)).bind(2, h.sequence);
  CIVIC_ASSIGN(seq_row, same_seq.step());
  if (seq_row) {
    CIVIC_ASSIGN(stored_id, same_seq.fixed<kHashSize>(0));
    if (stored_id == batch.batch_id) {
      StoredBatch out{same_seq.blob(1), true, 0};
      same_seq.reset();
      CIVIC_TRY(touch(h.kiosk_id, now));
      return out;
    }
    same_seq.reset();
    return fork(h, now, "batch " + std::to_string(h.sequence) +
                                 " was accepted before with different content");
  }
  same_seq.reset();

  CIVIC_ASSIGN(overlap, db_->prepare("SELECT count(*) FROM records WHERE kiosk_id = ? AND position BETWEEN ? AND ?"));
  overlap.bind(1, ByteView(h.kiosk_id)).bind(2, h.first_position).bind(3, last);
  CIVIC_ASSIGN(orow, overlap.step());
  if (orow && overlap.int64(0) > 0) {
    overlap.reset();
    return fork(h, now, "positions " + std::to_string(h.first_position) + ".." + std::to_string(last) +
                                 " overlap records received in another batch");
  }
  overlap.reset();

  CIVIC_ASSIGN(k, kiosk_locked(h.kiosk_id));
  if (!k) return make_error(ErrorCode::kUnauthorized, "kiosk " + kiosk_hex + " is not enrolled");
  if (h.first_position <= k->contiguous_position) {
    return fork(h, now, "positions from " + std::to_string(h.first_position) + " were received already");
  }
  if (h.first_position == k->contiguous_position + 1 && h.previous_head != k->contiguous_head) {
    return fork(h, now, "the batch does not continue the kiosk's chain at position " +
                                 std::to_string(k->contiguous_position));
  }
  // A batch stored earlier after a gap must continue from this one.
  // INDEXED BY: without statistics SQLite prefers the primary key's kiosk_id prefix, a walk through
  // every batch of the kiosk, which made each upload slower as the kiosk's history grew.
  CIVIC_ASSIGN(next, db_->prepare("SELECT previous_head FROM batches INDEXED BY batches_by_first_position "
                                  "WHERE kiosk_id = ? AND first_position = ?"));
  next.bind(1, ByteView(h.kiosk_id)).bind(2, last + 1);
  CIVIC_ASSIGN(nrow, next.step());
  if (nrow) {
    CIVIC_ASSIGN(next_prev, next.fixed<kHashSize>(0));
    next.reset();
    if (next_prev != h.new_head) {
      return fork(h, now, "the batch does not lead into the batch received after it");
    }
  }
  next.reset();

  Ack ack{h.kiosk_id, h.sequence, h.first_position, static_cast<std::uint32_t>(batch.records.size()), h.new_head,
          batch.batch_id, now};
  const Bytes ack_bytes = sign(ack);
  CIVIC_ASSIGN(insert_batch, db_->prepare("INSERT INTO batches (kiosk_id, sequence, first_position, record_count, "
                                          "previous_head, new_head, batch_id, ack, received_at, via) "
                                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  CIVIC_TRY(insert_batch.bind(1, ByteView(h.kiosk_id)).bind(2, h.sequence).bind(3, h.first_position)
                .bind(4, static_cast<std::uint64_t>(batch.records.size())).bind(5, ByteView(h.previous_head))
                .bind(6, ByteView(h.new_head)).bind(7, ByteView(batch.batch_id)).bind(8, ByteView(ack_bytes))
                .bind(9, now).bind(10, std::string_view(via)).run());
  CIVIC_ASSIGN(insert_record, db_->prepare("INSERT INTO records (kiosk_id, position, sealed, record_hash, receipt, "
                                           "batch_sequence, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    const Hash32& rh = batch.record_hashes[i];
    insert_record.bind(1, ByteView(h.kiosk_id)).bind(2, h.first_position + i).bind(3, ByteView(batch.records[i]))
        .bind(4, ByteView(rh)).bind(5, std::string_view(make_receipt_code(h.kiosk_id, rh))).bind(6, h.sequence)
        .bind(7, now);
    Status s = insert_record.run();
    insert_record.reset();
    CIVIC_TRY(s);
  }
  if (h.first_position > k->contiguous_position + 1) {
    CIVIC_TRY(insert_event({now, "gap", kiosk_hex,
                            "positions " + std::to_string(k->contiguous_position + 1) + ".." +
                                std::to_string(h.first_position - 1) + " have not arrived (batch " +
                                std::to_string(h.sequence) + " came first, via " + via + ")"}));
  }
  CIVIC_TRY(advance_contiguous(h.kiosk_id, *k, now));
  CIVIC_TRY(touch(h.kiosk_id, now));
  return StoredBatch{ack_bytes, false, static_cast<std::uint32_t>(batch.records.size())};
}

Status SqliteHubStore::log_event(const HubEvent& event) {
  std::lock_guard lock(mutex_);
  return insert_event(event);
}

Result<std::vector<HubEvent>> SqliteHubStore::events(std::size_t limit) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT at, kind, kiosk, detail FROM events ORDER BY id DESC LIMIT ?"));
  stmt.bind(1, static_cast<std::uint64_t>(limit));
  return sql::collect_rows(stmt, [](sql::Statement& row) {
    return HubEvent{row.uint64(0), row.text(1), row.text(2), row.text(3)};
  });
}

Status SqliteHubStore::publish_content(ByteView bundle, std::uint64_t version, std::uint64_t now) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(latest, db_->query_int("SELECT coalesce(max(version), 0) FROM content"));
  if (static_cast<std::uint64_t>(latest) >= version) {
    return make_error(ErrorCode::kConflict, "content version " + std::to_string(version) +
                                                " is not newer than the published version " +
                                                std::to_string(latest));
  }
  CIVIC_ASSIGN(stmt, db_->prepare("INSERT INTO content (version, bundle, published_at) VALUES (?, ?, ?)"));
  CIVIC_TRY(stmt.bind(1, version).bind(2, bundle).bind(3, now).run());
  return txn.commit();
}

Result<std::optional<Bytes>> SqliteHubStore::latest_content() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT bundle FROM content ORDER BY version DESC LIMIT 1"));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<Bytes>{};
  return std::optional<Bytes>(stmt.blob(0));
}

Result<std::uint64_t> SqliteHubStore::latest_content_version() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(v, db_->query_int("SELECT coalesce(max(version), 0) FROM content"));
  return static_cast<std::uint64_t>(v);
}

Result<std::uint64_t> SqliteHubStore::record_count() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(n, db_->query_int("SELECT count(*) FROM records"));
  return static_cast<std::uint64_t>(n);
}

Result<std::uint64_t> SqliteHubStore::record_count(const KioskId& kiosk) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT count(*) FROM records WHERE kiosk_id = ?"));
  stmt.bind(1, ByteView(kiosk));
  CIVIC_ASSIGN(row, stmt.step());
  return row ? stmt.uint64(0) : std::uint64_t{0};
}

Result<std::vector<HubRecord>> SqliteHubStore::records(std::uint64_t after, std::size_t limit) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kRecordSelect) + " WHERE id > ? ORDER BY id LIMIT ?"));
  stmt.bind(1, after).bind(2, static_cast<std::uint64_t>(limit));
  return sql::collect_rows(stmt, read_record);
}

Result<std::optional<HubRecord>> SqliteHubStore::record(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kRecordSelect) + " WHERE id = ?"));
  stmt.bind(1, id);
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<HubRecord>{};
  CIVIC_ASSIGN(r, read_record(stmt));
  return std::optional<HubRecord>(std::move(r));
}

Result<std::uint64_t> SqliteHubStore::extend_log() {
  std::lock_guard lock(mutex_);
  // One write transaction: another process may store a record and then an import placed after it
  // meanwhile, and the log must take both or neither; two hubs extending at once take turns.
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(last, db_->prepare("SELECT leaf, record_id, import_id FROM log_entries ORDER BY leaf DESC LIMIT 1"));
  CIVIC_ASSIGN(has_last, last.step());
  std::uint64_t size = has_last ? last.uint64(0) + 1 : 0;
  LogKey after = has_last ? LogKey{last.uint64(1), last.uint64(2)} : LogKey{};
  last.reset();
  CIVIC_ASSIGN(records, db_->prepare("SELECT id, record_hash FROM records WHERE id > ? ORDER BY id LIMIT ?"));
  CIVIC_ASSIGN(imports, db_->prepare("SELECT after_record, id, leaf FROM online_imports WHERE (after_record > ?1 OR "
                                     "(after_record = ?1 AND id > ?2)) AND after_record <= ?3 "
                                     "ORDER BY after_record, id"));
  CIVIC_ASSIGN(entry, db_->prepare("INSERT INTO log_entries (leaf, record_id, import_id) VALUES (?, ?, ?)"));
  CIVIC_ASSIGN(node, db_->prepare("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)"));
  CIVIC_ASSIGN(sibling, db_->prepare("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?"));
  // Appends one leaf and every complete subtree it completes: the parent of a right child.
  const auto append = [&](const LogLeaf& leaf) -> Status {
    CIVIC_TRY(entry.bind(1, size).bind(2, leaf.key.record).bind(3, leaf.key.import).run());
    entry.reset();
    Hash32 hash = merkle_leaf_hash(leaf.data);
    std::uint64_t index = size;
    for (unsigned level = 0;; ++level) {
      CIVIC_TRY(node.bind(1, static_cast<std::uint64_t>(level)).bind(2, index).bind(3, ByteView(hash)).run());
      node.reset();
      if ((index & 1) == 0) break;
      sibling.bind(1, static_cast<std::uint64_t>(level)).bind(2, index - 1);
      CIVIC_ASSIGN(found, sibling.step());
      if (!found) return make_error(ErrorCode::kCorruptDatabase, "the stored log misses a subtree; restore the hub "
                                                                 "database from a backup");
      CIVIC_ASSIGN(left, sibling.fixed<kHashSize>(0));
      sibling.reset();
      hash = merkle_node_hash(left, hash);
      index >>= 1;
    }
    ++size;
    return {};
  };
  constexpr std::uint64_t kChunk = 4096;
  for (;;) {
    records.bind(1, after.record).bind(2, kChunk);
    CIVIC_ASSIGN(record_leaves, sql::collect_rows(records, [](sql::Statement& row) -> Result<LogLeaf> {
      CIVIC_ASSIGN(hash, row.fixed<kHashSize>(1));
      return LogLeaf{{row.uint64(0), 0}, hash};
    }));
    records.reset();
    // Imports up to the chunk's last record (all that remain when this is the last chunk).
    const bool last_chunk = record_leaves.size() < kChunk;
    const std::uint64_t up_to = last_chunk ? UINT64_MAX >> 1 : record_leaves.back().key.record;
    imports.bind(1, after.record).bind(2, after.import).bind(3, up_to);
    CIVIC_ASSIGN(import_leaves, sql::collect_rows(imports, [](sql::Statement& row) -> Result<LogLeaf> {
      CIVIC_ASSIGN(hash, row.fixed<kHashSize>(2));
      return LogLeaf{{row.uint64(0), row.uint64(1)}, hash};
    }));
    imports.reset();
    std::vector<LogLeaf> leaves;
    leaves.reserve(record_leaves.size() + import_leaves.size());
    std::merge(record_leaves.begin(), record_leaves.end(), import_leaves.begin(), import_leaves.end(),
               std::back_inserter(leaves), [](const LogLeaf& a, const LogLeaf& b) { return a.key < b.key; });
    for (const auto& leaf : leaves) CIVIC_TRY(append(leaf));
    if (!leaves.empty()) after = leaves.back().key;
    if (last_chunk) break;
  }
  CIVIC_TRY(txn.commit());
  return size;
}

Result<Hash32> SqliteHubStore::log_node(unsigned level, std::uint64_t index) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT hash FROM log_nodes WHERE level = ? AND idx = ?"));
  stmt.bind(1, static_cast<std::uint64_t>(level)).bind(2, index);
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return make_error(ErrorCode::kNotFound, "the log has no subtree " + std::to_string(level) + "/" +
                                                        std::to_string(index) + " yet");
  return stmt.fixed<kHashSize>(0);
}

Result<std::optional<std::uint64_t>> SqliteHubStore::log_leaf_index(LogKey key) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT leaf FROM log_entries WHERE record_id = ? AND import_id = ?"));
  stmt.bind(1, key.record).bind(2, key.import);
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<std::uint64_t>{};
  return std::optional(stmt.uint64(0));
}

Result<std::uint64_t> SqliteHubStore::log_import_count() {
  std::lock_guard lock(mutex_);
  // Imports are few: each is looked up in the log by its key (never a scan of every leaf).
  CIVIC_ASSIGN(n, db_->query_int("SELECT count(*) FROM online_imports o WHERE EXISTS (SELECT 1 FROM log_entries e "
                                 "WHERE e.record_id = o.after_record AND e.import_id = o.id)"));
  return static_cast<std::uint64_t>(n);
}

Result<OnlineImportOutcome> SqliteHubStore::store_online_import(const OnlineImport& in) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(known, db_->prepare("SELECT current, imported_at FROM online_imports WHERE source = ? AND "
                                   "consultation = ? AND file_sha256 = ?"));
  known.bind(1, std::string_view(in.source)).bind(2, std::string_view(in.consultation)).bind(3, ByteView(in.file_sha256));
  CIVIC_ASSIGN(row, known.step());
  if (row) {
    const bool current = known.int64(0) != 0;
    const std::uint64_t at = known.uint64(1);
    known.reset();
    if (current) return OnlineImportOutcome::kUnchanged;
    return make_error(ErrorCode::kConflict,
                      "this file was imported for source '" + in.source + "' and consultation '" + in.consultation +
                          "' on " + format_utc(at) + " and a newer export has replaced it since: an older "
                          "export cannot undo a newer one (import the newest export of the platform)");
  }
  known.reset();
  CIVIC_ASSIGN(retire, db_->prepare("UPDATE online_imports SET current = 0 WHERE source = ? AND consultation = ? AND "
                                    "current = 1"));
  CIVIC_TRY(retire.bind(1, std::string_view(in.source)).bind(2, std::string_view(in.consultation)).run());
  const bool replaced = db_->changes() > 0;
  CIVIC_ASSIGN(insert, db_->prepare(
      "INSERT INTO online_imports (source, consultation, format, file_sha256, imported_at, rows, statement, leaf, "
      "data, current, after_record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, (SELECT coalesce(max(id), 0) FROM records))"));
  const Hash32 leaf = online_import_leaf_data(in.statement);
  CIVIC_TRY(insert.bind(1, std::string_view(in.source)).bind(2, std::string_view(in.consultation))
                .bind(3, std::string_view(in.format)).bind(4, ByteView(in.file_sha256)).bind(5, in.imported_at)
                .bind(6, in.rows).bind(7, ByteView(in.statement)).bind(8, ByteView(leaf))
                .bind(9, std::string_view(in.data)).run());
  CIVIC_TRY(insert_event({in.imported_at, replaced ? "online-import-replaced" : "online-import", "",
                          "source '" + in.source + "', consultation '" + in.consultation + "', " + in.format + ", " +
                              std::to_string(in.rows) + " rows, file SHA-256 " + to_hex(in.file_sha256)}));
  CIVIC_TRY(txn.commit());
  return replaced ? OnlineImportOutcome::kReplaced : OnlineImportOutcome::kStored;
}

Result<std::vector<OnlineImport>> SqliteHubStore::online_imports(bool current_only) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string("SELECT id, source, consultation, format, file_sha256, imported_at, rows, "
                                              "statement, data, current, after_record FROM online_imports") +
                                  (current_only ? " WHERE current = 1" : "") + " ORDER BY id"));
  return sql::collect_rows(stmt, [](sql::Statement& row) -> Result<OnlineImport> {
    OnlineImport i;
    i.id = row.uint64(0);
    i.source = row.text(1);
    i.consultation = row.text(2);
    i.format = row.text(3);
    CIVIC_ASSIGN(hash, row.fixed<kHashSize>(4));
    i.file_sha256 = hash;
    i.imported_at = row.uint64(5);
    i.rows = row.uint64(6);
    i.statement = row.blob(7);
    i.data = row.text(8);
    i.current = row.int64(9) != 0;
    i.after_record = row.uint64(10);
    return i;
  });
}

Status SqliteHubStore::set_consultations(const std::string& json, std::uint64_t now) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("INSERT INTO consultation_file (id, json, updated_at) VALUES (1, ?, ?) "
                                  "ON CONFLICT (id) DO UPDATE SET json = excluded.json, "
                                  "updated_at = excluded.updated_at"));
  return stmt.bind(1, std::string_view(json)).bind(2, now).run();
}

Result<std::optional<std::string>> SqliteHubStore::consultations() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT json FROM consultation_file WHERE id = 1"));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<std::string>{};
  return std::optional<std::string>(stmt.text(0));
}

Result<std::uint64_t> SqliteHubStore::moderation_scanned_up_to() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(v, db_->query_int("SELECT coalesce(max(scanned_up_to), 0) FROM moderation_scan"));
  return static_cast<std::uint64_t>(v);
}

Status SqliteHubStore::queue_for_moderation(const std::vector<ModerationItem>& items, std::uint64_t scanned_up_to) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  for (const auto& item : items) {
    // OR IGNORE: a record already queued, or the same sealed record at another position.
    CIVIC_ASSIGN(stmt, db_->prepare("INSERT OR IGNORE INTO moderation (record_id, moderation_id, consultation_id, "
                                    "language, status, record_hash) VALUES (?, ?, ?, ?, 'pending', ?)"));
    CIVIC_TRY(stmt.bind(1, item.record_id).bind(2, std::string_view(item.moderation_id))
                  .bind(3, std::string_view(item.consultation_id)).bind(4, std::string_view(item.language))
                  .bind(5, ByteView(item.record_hash)).run());
  }
  CIVIC_ASSIGN(scan, db_->prepare("INSERT INTO moderation_scan (id, scanned_up_to) VALUES (1, ?) ON CONFLICT (id) "
                                  "DO UPDATE SET scanned_up_to = max(scanned_up_to, excluded.scanned_up_to)"));
  CIVIC_TRY(scan.bind(1, scanned_up_to).run());
  return txn.commit();
}

Result<std::vector<ModerationItem>> SqliteHubStore::moderation(const std::string& status) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kModerationSelect) + " WHERE status = ? ORDER BY record_id"));
  stmt.bind(1, std::string_view(status));
  return sql::collect_rows(stmt, read_moderation);
}

Result<std::optional<ModerationItem>> SqliteHubStore::moderation_item(const std::string& moderation_id) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kModerationSelect) + " WHERE moderation_id = ?"));
  stmt.bind(1, std::string_view(moderation_id));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<ModerationItem>{};
  return std::optional<ModerationItem>(read_moderation(stmt));
}

Status SqliteHubStore::decide(const ModerationItem& d, const ModerationLogEntry& entry) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  // The published text stays after a rejection (only approved items are published): a later
  // approval starts from it, so a redaction survives every decision.
  CIVIC_ASSIGN(stmt, db_->prepare("UPDATE moderation SET status = ?, reason = ?, published_text = ?, redacted = ?, "
                                  "decided_at = ? WHERE moderation_id = ?"));
  stmt.bind(1, std::string_view(d.status)).bind(2, std::string_view(d.reason));
  if (!d.published_text.empty()) stmt.bind(3, std::string_view(d.published_text));
  else stmt.bind_null(3);
  CIVIC_TRY(stmt.bind(4, d.redacted ? 1 : 0).bind(5, d.decided_at).bind(6, std::string_view(d.moderation_id)).run());
  if (db_->changes() != 1) {
    return make_error(ErrorCode::kNotFound, "no idea " + d.moderation_id + " is in moderation");
  }
  CIVIC_ASSIGN(log, db_->prepare("INSERT INTO moderation_log (moderation_id, at, operator, action, reason, redacted) "
                                 "VALUES (?, ?, ?, ?, ?, ?)"));
  CIVIC_TRY(log.bind(1, std::string_view(entry.moderation_id)).bind(2, entry.at)
                .bind(3, std::string_view(entry.operator_name)).bind(4, std::string_view(entry.action))
                .bind(5, std::string_view(entry.reason)).bind(6, entry.redacted ? 1 : 0).run());
  return txn.commit();
}

Result<HeldBatch> SqliteHubStore::read_held(sql::Statement& stmt) {
  HeldBatch h;
  h.id = stmt.uint64(0);
  CIVIC_ASSIGN(kiosk, stmt.fixed<kKioskIdSize>(1));
  h.kiosk = kiosk;
  h.sequence = stmt.uint64(2);
  h.first_position = stmt.uint64(3);
  h.record_count = stmt.uint64(4);
  h.received_at = stmt.uint64(5);
  h.via = stmt.text(6);
  if (!stmt.is_null(7)) h.batch = stmt.blob(7);
  return h;
}

Result<bool> SqliteHubStore::hold_batch(const HeldBatch& held) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("INSERT OR IGNORE INTO held_batches (kiosk_id, sequence, first_position, "
                                  "record_count, batch, received_at, via) VALUES (?, ?, ?, ?, ?, ?, ?)"));
  CIVIC_TRY(stmt.bind(1, ByteView(held.kiosk)).bind(2, held.sequence).bind(3, held.first_position)
                .bind(4, held.record_count).bind(5, ByteView(held.batch)).bind(6, held.received_at)
                .bind(7, std::string_view(held.via)).run());
  return db_->changes() == 1;
}

Result<std::vector<HeldBatch>> SqliteHubStore::held_batches() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT " + std::string(kHeldColumns) + ", NULL FROM held_batches ORDER BY id"));
  return sql::collect_rows(stmt, read_held);
}

Result<std::optional<HeldBatch>> SqliteHubStore::held_batch(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT " + std::string(kHeldColumns) + ", batch FROM held_batches WHERE id = ?"));
  stmt.bind(1, id);
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<HeldBatch>();
  CIVIC_ASSIGN(held, read_held(stmt));
  return std::optional<HeldBatch>(std::move(held));
}

Status SqliteHubStore::release_held_batch(std::uint64_t id, const HubEvent& decision) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(stmt, db_->prepare("DELETE FROM held_batches WHERE id = ?"));
  CIVIC_TRY(stmt.bind(1, id).run());
  if (db_->changes() != 1) return make_error(ErrorCode::kNotFound, "no held batch " + std::to_string(id));
  CIVIC_TRY(insert_event(decision));
  return txn.commit();
}

Result<std::vector<ModerationLogEntry>> SqliteHubStore::moderation_log() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT moderation_id, at, operator, action, reason, redacted FROM moderation_log "
                                  "ORDER BY id"));
  return sql::collect_rows(stmt, [](sql::Statement& row) {
    return ModerationLogEntry{row.text(0), row.uint64(1), row.text(2), row.text(3), row.text(4), row.uint64(5) != 0};
  });
}

Status SqliteHubStore::store_event_report(const EventReport& e, ByteView bytes, const std::string& via,
                                          std::uint64_t now) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("INSERT OR REPLACE INTO event_reports (kiosk_id, event_id, name, place, date, "
                                  "started_at, closed_at, headcount, town_hall_records, paper_records, report, "
                                  "received_at, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return stmt.bind(1, ByteView(e.kiosk_id)).bind(2, std::string_view(e.event_id)).bind(3, std::string_view(e.name))
      .bind(4, std::string_view(e.place)).bind(5, std::string_view(e.date)).bind(6, e.started_at)
      .bind(7, e.closed_at).bind(8, e.headcount).bind(9, e.town_hall_records).bind(10, e.paper_records)
      .bind(11, bytes).bind(12, now).bind(13, std::string_view(via)).run();
}

Result<std::vector<EventReport>> SqliteHubStore::event_reports() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT kiosk_id, event_id, name, place, date, started_at, closed_at, headcount, "
                                  "town_hall_records, paper_records FROM event_reports ORDER BY started_at"));
  return sql::collect_rows(stmt, [](sql::Statement& row) -> Result<EventReport> {
    CIVIC_ASSIGN(kiosk, row.fixed<kKioskIdSize>(0));
    return EventReport{kiosk, row.text(1), row.text(2), row.text(3), row.text(4), row.uint64(5),
                       row.uint64(6), row.uint64(7), row.uint64(8), row.uint64(9)};
  });
}

Result<std::vector<HubRecord>> SqliteHubStore::records_by_receipt(const std::string& receipt) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kRecordSelect) + " WHERE receipt = ? ORDER BY id"));
  stmt.bind(1, std::string_view(receipt));
  return sql::collect_rows(stmt, read_record);
}

Result<std::vector<HubRecord>> SqliteHubStore::kiosk_records(const KioskId& kiosk, std::uint64_t after_position,
                                                             std::size_t limit) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kRecordSelect) +
                                  " WHERE kiosk_id = ? AND position > ? ORDER BY position LIMIT ?"));
  stmt.bind(1, ByteView(kiosk)).bind(2, after_position).bind(3, static_cast<std::uint64_t>(limit));
  return sql::collect_rows(stmt, read_record);
}

Result<HealthReportOutcome> SqliteHubStore::store_health_report(const HealthReport& report, ByteView bytes,
                                                               const std::string& via, std::uint64_t now) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(latest, db_->prepare("SELECT max(sequence) FROM health_reports WHERE kiosk_id = ?"));
  latest.bind(1, ByteView(report.kiosk_id));
  CIVIC_ASSIGN(has_row, latest.step());
  const bool any = has_row && !latest.is_null(0);
  const std::uint64_t newest = any ? latest.uint64(0) : 0;
  CIVIC_ASSIGN(insert, db_->prepare("INSERT OR IGNORE INTO health_reports (kiosk_id, sequence, received_at, via, "
                                    "report) VALUES (?, ?, ?, ?, ?)"));
  CIVIC_TRY(insert.bind(1, ByteView(report.kiosk_id)).bind(2, report.sequence).bind(3, now)
                .bind(4, std::string_view(via)).bind(5, bytes).run());
  if (db_->changes() == 0) return HealthReportOutcome::kRepeat;
  // The history stays bounded: the oldest reports beyond the limit go.
  CIVIC_ASSIGN(trim, db_->prepare("DELETE FROM health_reports WHERE kiosk_id = ?1 AND sequence NOT IN (SELECT sequence "
                                  "FROM health_reports WHERE kiosk_id = ?1 ORDER BY sequence DESC LIMIT ?2)"));
  CIVIC_TRY(trim.bind(1, ByteView(report.kiosk_id)).bind(2, static_cast<std::uint64_t>(kHealthHistoryPerKiosk)).run());
  CIVIC_TRY(touch(report.kiosk_id, now));
  CIVIC_TRY(txn.commit());
  return any && report.sequence < newest ? HealthReportOutcome::kOlder : HealthReportOutcome::kLatest;
}

Result<StoredHealthReport> SqliteHubStore::read_health(sql::Statement& row) {
  CIVIC_ASSIGN(key, row.fixed<kPublicKeySize>(1));
  CIVIC_ASSIGN(report, verify_health_report(row.blob(0), SigningPublicKey{key}));
  return StoredHealthReport{std::move(report), row.uint64(2), row.text(3)};
}

Result<std::vector<StoredHealthReport>> SqliteHubStore::health_reports(const KioskId& kiosk, std::size_t limit) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT h.report, k.public_key, h.received_at, h.via FROM health_reports h JOIN "
                                  "kiosks k USING (kiosk_id) WHERE h.kiosk_id = ? ORDER BY h.sequence DESC LIMIT ?"));
  stmt.bind(1, ByteView(kiosk)).bind(2, static_cast<std::uint64_t>(limit));
  return sql::collect_rows(stmt, read_health);
}

Result<std::vector<StoredHealthReport>> SqliteHubStore::latest_health_reports() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT h.report, k.public_key, h.received_at, h.via FROM health_reports h JOIN "
                                  "kiosks k USING (kiosk_id) WHERE h.sequence = (SELECT max(sequence) FROM "
                                  "health_reports l WHERE l.kiosk_id = h.kiosk_id)"));
  return sql::collect_rows(stmt, read_health);
}

Result<std::vector<EnrolmentTokenInfo>> SqliteHubStore::enrolment_tokens() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT label, created_at, expires_at, used_at, used_by FROM enrolment_tokens "
                                  "ORDER BY created_at DESC"));
  return sql::collect_rows(stmt, [](sql::Statement& row) -> Result<EnrolmentTokenInfo> {
    EnrolmentTokenInfo t{row.text(0), row.uint64(1), row.uint64(2), std::nullopt, std::nullopt};
    if (!row.is_null(3)) t.used_at = row.uint64(3);
    if (!row.is_null(4)) {
      CIVIC_ASSIGN(kiosk, row.fixed<kKioskIdSize>(4));
      t.used_by = kiosk;
    }
    return t;
  });
}

namespace {
constexpr const char* kOperatorSelect =
    "SELECT name, role, password_hash, failures, locked_until, created_at FROM operators";
OperatorAccount read_operator(sql::Statement& row) {
  return OperatorAccount{row.text(0), row.text(1), row.text(2), row.uint64(3), row.uint64(4), row.uint64(5)};
}
}  // namespace

Status SqliteHubStore::add_operator(const OperatorAccount& a) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("INSERT OR IGNORE INTO operators (name, role, password_hash, failures, locked_until, "
                                  "created_at) VALUES (?, ?, ?, ?, ?, ?)"));
  CIVIC_TRY(stmt.bind(1, std::string_view(a.name)).bind(2, std::string_view(a.role))
                .bind(3, std::string_view(a.password_hash)).bind(4, a.failures).bind(5, a.locked_until)
                .bind(6, a.created_at).run());
  if (db_->changes() == 0) return make_error(ErrorCode::kConflict, "there is already an operator named '" + a.name + "'");
  return {};
}

Status SqliteHubStore::update_operator(const OperatorAccount& a) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("UPDATE operators SET role = ?, password_hash = ?, failures = ?, locked_until = ? "
                                  "WHERE name = ?"));
  CIVIC_TRY(stmt.bind(1, std::string_view(a.role)).bind(2, std::string_view(a.password_hash)).bind(3, a.failures)
                .bind(4, a.locked_until).bind(5, std::string_view(a.name)).run());
  if (db_->changes() == 0) return make_error(ErrorCode::kNotFound, "there is no operator named '" + a.name + "'");
  return {};
}

Status SqliteHubStore::remove_operator(const std::string& name) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(sessions, db_->prepare("DELETE FROM console_sessions WHERE operator = ?"));
  CIVIC_TRY(sessions.bind(1, std::string_view(name)).run());
  CIVIC_ASSIGN(stmt, db_->prepare("DELETE FROM operators WHERE name = ?"));
  CIVIC_TRY(stmt.bind(1, std::string_view(name)).run());
  if (db_->changes() == 0) return make_error(ErrorCode::kNotFound, "there is no operator named '" + name + "'");
  return txn.commit();
}

Result<std::optional<OperatorAccount>> SqliteHubStore::operator_account(const std::string& name) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kOperatorSelect) + " WHERE name = ?"));
  stmt.bind(1, std::string_view(name));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<OperatorAccount>();
  return std::optional<OperatorAccount>(read_operator(stmt));
}

Result<std::vector<OperatorAccount>> SqliteHubStore::operator_accounts() {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kOperatorSelect) + " ORDER BY name"));
  return sql::collect_rows(stmt, read_operator);
}

Status SqliteHubStore::add_console_session(const ConsoleSession& s, std::uint64_t now) {
  std::lock_guard lock(mutex_);
  sql::Transaction txn(*db_);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(expired, db_->prepare("DELETE FROM console_sessions WHERE expires_at <= ?"));
  CIVIC_TRY(expired.bind(1, now).run());
  CIVIC_ASSIGN(stmt, db_->prepare("INSERT INTO console_sessions (token_hash, operator, csrf, created_at, expires_at) "
                                  "VALUES (?, ?, ?, ?, ?)"));
  CIVIC_TRY(stmt.bind(1, ByteView(s.token_hash)).bind(2, std::string_view(s.operator_name))
                .bind(3, std::string_view(s.csrf)).bind(4, s.created_at).bind(5, s.expires_at).run());
  return txn.commit();
}

Result<std::optional<ConsoleSession>> SqliteHubStore::console_session(const Hash32& token_hash) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("SELECT operator, csrf, created_at, expires_at FROM console_sessions WHERE "
                                  "token_hash = ?"));
  stmt.bind(1, ByteView(token_hash));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<ConsoleSession>();
  return std::optional<ConsoleSession>(
      ConsoleSession{token_hash, stmt.text(0), stmt.text(1), stmt.uint64(2), stmt.uint64(3)});
}

Status SqliteHubStore::remove_console_session(const Hash32& token_hash) {
  std::lock_guard lock(mutex_);
  CIVIC_ASSIGN(stmt, db_->prepare("DELETE FROM console_sessions WHERE token_hash = ?"));
  return stmt.bind(1, ByteView(token_hash)).run();
}

Result<KioskInfo> SqliteHubStore::read_kiosk(sql::Statement& s) {
  KioskInfo k;
  CIVIC_ASSIGN(id, s.fixed<kKioskIdSize>(0));
  CIVIC_ASSIGN(key, s.fixed<kPublicKeySize>(1));
  CIVIC_ASSIGN(head, s.fixed<kHashSize>(7));
  k.id = id;
  k.key.bytes = key;
  k.name = s.text(2);
  k.enrolled_at = s.uint64(3);
  if (!s.is_null(4)) k.revoked_at = s.uint64(4);
  if (!s.is_null(5)) k.last_contact = s.uint64(5);
  k.contiguous_position = s.uint64(6);
  k.contiguous_head = head;
  return k;
}

ModerationItem SqliteHubStore::read_moderation(sql::Statement& s) {
  return ModerationItem{s.text(0), s.uint64(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6),
                        s.int64(7) != 0, s.uint64(8)};
}

Result<HubRecord> SqliteHubStore::read_record(sql::Statement& s) {
  HubRecord r;
  r.id = s.uint64(0);
  CIVIC_ASSIGN(kiosk, s.fixed<kKioskIdSize>(1));
  CIVIC_ASSIGN(rh, s.fixed<kHashSize>(4));
  r.kiosk = kiosk;
  r.position = s.uint64(2);
  r.sealed = s.blob(3);
  r.record_hash = rh;
  r.receipt = s.text(5);
  r.received_at = s.uint64(6);
  return r;
}

Result<std::optional<KioskInfo>> SqliteHubStore::kiosk_locked(const KioskId& id) {
  CIVIC_ASSIGN(stmt, db_->prepare(std::string(kKioskSelect) + " WHERE k.kiosk_id = ?"));
  stmt.bind(1, ByteView(id));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<KioskInfo>{};
  CIVIC_ASSIGN(info, read_kiosk(stmt));
  return std::optional<KioskInfo>(info);
}

Status SqliteHubStore::insert_event(const HubEvent& e) {
  CIVIC_ASSIGN(stmt, db_->prepare("INSERT INTO events (at, kind, kiosk, detail) VALUES (?, ?, ?, ?)"));
  return stmt.bind(1, e.at).bind(2, std::string_view(e.kind)).bind(3, std::string_view(e.kiosk))
      .bind(4, std::string_view(e.detail)).run();
}

Status SqliteHubStore::touch(const KioskId& id, std::uint64_t now) {
  CIVIC_ASSIGN(stmt, db_->prepare("UPDATE kiosks SET last_contact = ? WHERE kiosk_id = ?"));
  return stmt.bind(1, now).bind(2, ByteView(id)).run();
}

// Refuses the batch, but keeps the event: its savepoint is released with only the event in it.
Error SqliteHubStore::fork(const BatchHeader& h, std::uint64_t now, const std::string& why) {
  const std::string detail = "batch " + std::to_string(h.sequence) + " (positions from " +
                             std::to_string(h.first_position) + ") refused: " + why;
  // Kept with the group's commit (the batch itself is not stored).
  (void)insert_event({now, "fork", to_hex(h.kiosk_id), detail});
  return make_error(ErrorCode::kConflict, "kiosk " + to_hex(h.kiosk_id) + ": " + detail +
                                              ". The hub operators have been alerted; do not resend.");
}

Status SqliteHubStore::advance_contiguous(const KioskId& id, const KioskInfo& before, std::uint64_t now) {
  std::uint64_t position = before.contiguous_position;
  Hash32 head = before.contiguous_head;
  CIVIC_ASSIGN(next, db_->prepare("SELECT previous_head, first_position + record_count - 1, new_head FROM batches "
                                  "INDEXED BY batches_by_first_position WHERE kiosk_id = ? AND first_position = ?"));
  bool filled_gap = false;
  for (;;) {
    next.bind(1, ByteView(id)).bind(2, position + 1);
    CIVIC_ASSIGN(row, next.step());
    if (!row) break;
    CIVIC_ASSIGN(prev, next.fixed<kHashSize>(0));
    CIVIC_ASSIGN(new_head, next.fixed<kHashSize>(2));
    const std::uint64_t last = next.uint64(1);
    next.reset();
    if (prev != head) break;  // checked before storing; a mismatch here would have been refused
    if (position != before.contiguous_position) filled_gap = true;
    position = last;
    head = new_head;
  }
  next.reset();
  if (filled_gap) {
    CIVIC_TRY(insert_event({now, "gap-filled", to_hex(id), "received contiguously up to position " +
                                                             std::to_string(position)}));
  }
  CIVIC_ASSIGN(update,
               db_->prepare("UPDATE kiosks SET contiguous_position = ?, contiguous_head = ? WHERE kiosk_id = ?"));
  return update.bind(1, position).bind(2, ByteView(head)).bind(3, ByteView(id)).run();
}

}  // namespace

Result<std::unique_ptr<HubStore>> open_sqlite_hub_store(const std::filesystem::path& path) {
  CIVIC_TRY(crypto_init());
  CIVIC_ASSIGN(db, sql::Database::open(path, true, "", "hub database " + path.string()));
  auto store = std::make_unique<SqliteHubStore>(std::move(db));
  CIVIC_TRY(store->init());
  return std::unique_ptr<HubStore>(std::move(store));
}

}  // namespace civic
