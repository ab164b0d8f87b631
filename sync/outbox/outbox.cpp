#include "outbox.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <limits>

#include "sync/sqlite/sqlite.h"

namespace civic {

// [SECTION] Schema and migrations

namespace {

// MIGRATIONS[v] takes a database at user_version v to v + 1. Never edit a step that has shipped;
// add a new one.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    R"sql(
    CREATE TABLE outbox_meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    -- Appends write only their own row: the chain's tip is the last record (or the pruned head
    -- when every record has been pruned), and records above last_batched_position are pending.
    CREATE TABLE chain_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      last_batch_sequence INTEGER NOT NULL,
      last_batched_position INTEGER NOT NULL,
      pruned_position INTEGER NOT NULL,      -- every record at or below this was pruned
      pruned_head BLOB NOT NULL              -- the chain head at pruned_position
    );
    -- A record is written once. Its state follows from positions: above last_batched_position
    -- it is pending; otherwise the batch whose range holds it says whether the hub has it.
    -- Large blobs go last in every table: SQLite reads columns in order, so a small column
    -- stored after a blob costs a walk through the blob's overflow pages.
    CREATE TABLE records (
      position INTEGER PRIMARY KEY,
      record_hash BLOB NOT NULL,
      chain_head BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      sealed BLOB NOT NULL
    );
    -- Batches keep no bytes: Ed25519 signatures are deterministic, so signing the same header
    -- and records again rebuilds exactly the bytes first sent (checked against batch_id).
    CREATE TABLE batches (
      sequence INTEGER PRIMARY KEY,
      first_position INTEGER NOT NULL,
      record_count INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      previous_head BLOB NOT NULL,
      batch_id BLOB NOT NULL,
      acked_at INTEGER,
      ack BLOB
    );
    CREATE INDEX batches_unacknowledged ON batches (sequence) WHERE acked_at IS NULL;
    CREATE TABLE content (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      version INTEGER NOT NULL,
      clock_floor INTEGER NOT NULL,
      bundle_hash BLOB NOT NULL,
      expires_at INTEGER NOT NULL,
      installed_at INTEGER NOT NULL,
      bundle BLOB NOT NULL
    );
    )sql",
    // 1 -> 2: the last sync's times as integers in a table of their own (they were text in
    // outbox_meta, parsed back on every read).
    R"sql(
    CREATE TABLE sync_status (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      last_sync_at INTEGER,
      last_sync_success_at INTEGER,
      last_sync_result TEXT NOT NULL
    );
    INSERT INTO sync_status (id, last_sync_at, last_sync_success_at, last_sync_result) VALUES (1,
      (SELECT CAST(CAST(value AS TEXT) AS INTEGER) FROM outbox_meta WHERE key = 'last_sync_at'),
      (SELECT CAST(CAST(value AS TEXT) AS INTEGER) FROM outbox_meta WHERE key = 'last_sync_success_at'),
      COALESCE((SELECT CAST(value AS TEXT) FROM outbox_meta WHERE key = 'last_sync_result'), ''));
    DELETE FROM outbox_meta WHERE key IN ('last_sync_at', 'last_sync_success_at', 'last_sync_result');
    )sql",
    // 2 -> 3: finding a record's batch by position (the agent asks the hub's log to prove the
    // acknowledged records it has not yet seen there); whether the last sync failed, kept as such
    // (two syncs in the same second made the times equal whatever the outcome).
    R"sql(
    CREATE INDEX IF NOT EXISTS batches_by_first_position ON batches (first_position);
    ALTER TABLE sync_status ADD COLUMN last_sync_failed INTEGER NOT NULL DEFAULT 0;
    UPDATE sync_status SET last_sync_failed = (last_sync_at IS NOT NULL AND
      (last_sync_success_at IS NULL OR last_sync_success_at <> last_sync_at));
    )sql",
};
constexpr int kLatestSchema = static_cast<int>(std::size(kMigrations));
static_assert(kLatestSchema == kOutboxSchemaVersion);

}  // namespace

const char* record_state_name(RecordState s) {
  switch (s) {
    case RecordState::kPending: return "pending";
    case RecordState::kInBatch: return "in-batch";
    case RecordState::kAcknowledged: return "acknowledged";
  }
  return "unknown";
}

namespace {
// Every stored record with its state derived from positions: 0 pending, 1 in a batch awaiting
// its ack, 2 acknowledged, -1 inconsistent (batched but in no batch).
constexpr const char* kRecordStates =
    "SELECT r.position AS position, r.sealed AS sealed, r.record_hash AS record_hash, r.chain_head AS chain_head, "
    "r.created_at AS created_at, CASE WHEN r.position > c.last_batched_position THEN 0 "
    "WHEN b.sequence IS NULL THEN -1 WHEN b.acked_at IS NULL THEN 1 ELSE 2 END AS state "
    "FROM records r CROSS JOIN chain_state c LEFT JOIN batches b "
    "ON r.position BETWEEN b.first_position AND b.first_position + b.record_count - 1";

// kRecordStates' state column as a RecordState: the one place that maps them. Nothing for -1 (a
// record batched but in no batch) or any other value: the outbox is damaged.
std::optional<RecordState> record_state_from(std::int64_t column) {
  switch (column) {
    case 0: return RecordState::kPending;
    case 1: return RecordState::kInBatch;
    case 2: return RecordState::kAcknowledged;
    default: return std::nullopt;
  }
}
}  // namespace

// [SECTION] Connection and prepared statements

struct ChainTip {
  std::uint64_t position = 0;
  Hash32 head{};
};

struct Outbox::Impl {
  std::unique_ptr<sql::Database> db;
  sql::Statement last_record;
  sql::Statement pruned_tip;
  sql::Statement insert_record;

  // Not const: a statement may change the database (clang-tidy cannot see through the pointer).
  Result<sql::Statement> prepare(std::string_view s) {  // NOLINT(readability-make-member-function-const)
    return db->prepare(s);
  }

  Error mismatch(const std::string& what) const {
    return make_error(ErrorCode::kCorruptDatabase, db->context() + ": " + what +
                                                       "; the outbox is inconsistent: keep the file for "
                                                       "investigation and contact support");
  }

  // The last position in the chain and the head after it.
  Result<ChainTip> tip();
  Result<Hash32> head_before(std::uint64_t position);
  // The chain head stored with the record at `position`; none when that record is not kept.
  Result<std::optional<Hash32>> stored_chain_head(std::uint64_t position);
  // Batches not yet acknowledged, oldest first, rebuilt from their records.
  Result<std::vector<OutgoingBatch>> unacknowledged(const KioskId& kiosk, const SigningKeyPair& key,
                                                    std::size_t limit);
  Result<std::optional<OutgoingBatch>> create_batch(const KioskId& kiosk, const SigningKeyPair& key,
                                                    const BatchLimits& limits, std::uint64_t now);
};

Outbox::Outbox(std::unique_ptr<Impl> impl, KioskId kiosk, std::filesystem::path path)
    : impl_(std::move(impl)), kiosk_(kiosk), path_(std::move(path)) {}
Outbox::~Outbox() = default;

namespace {

Status configure(sql::Database& db, const OutboxOptions& o) {
  CIVIC_ASSIGN(stmt, db.prepare("PRAGMA journal_mode = WAL"));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row || stmt.text(0) != "wal") {
    return make_error(ErrorCode::kIo, db.context() + ": cannot switch to write-ahead logging; is the "
                                                     "directory on a local, writable file system?");
  }
  CIVIC_TRY(db.exec("PRAGMA synchronous = FULL"));
  CIVIC_TRY(db.exec("PRAGMA secure_delete = ON"));
  CIVIC_TRY(db.exec("PRAGMA journal_size_limit = " + std::to_string(o.journal_size_limit)));
  return {};
}

const sql::Schema kOutboxSchema{kOutboxApplicationId, kMigrations,
                                "check the configured path (this is not a civic-kiosk outbox)"};

Result<std::unique_ptr<Outbox::Impl>> open_impl(const std::filesystem::path& path, bool create,
                                                 const OutboxOptions& options) {
  auto impl = std::make_unique<Outbox::Impl>();
  CIVIC_ASSIGN(db, sql::Database::open(path, create, options.vfs, "outbox " + path.string(),
                                         options.busy_timeout_ms));
  impl->db = std::move(db);
  sql::Database& d = *impl->db;
  // The first read of the header tells a non-database file apart.
  auto app_id = d.query_int("PRAGMA application_id");
  if (!app_id.ok()) {
    if (app_id.code() == ErrorCode::kCorruptDatabase) {
      return make_error(ErrorCode::kCorruptDatabase,
                        d.context() + " is not an outbox database, or it is damaged; it was left "
                                      "untouched: move it aside for investigation before starting again");
    }
    return app_id.error();
  }
  CIVIC_ASSIGN(version, sql::schema_version(d, kOutboxSchema));
  CIVIC_TRY(configure(d, options));
  if (version > 0) {
    CIVIC_TRY(sql::check_integrity(d, options.full_integrity_check,
                                   "it was left untouched: keep it for investigation and restore from a backup"));
  }
  CIVIC_TRY(sql::migrate(d, kOutboxSchema, version));
  return impl;
}

Status prepare_statements(Outbox::Impl& impl) {
  CIVIC_ASSIGN(last_record, impl.prepare("SELECT position, chain_head FROM records ORDER BY position DESC LIMIT 1"));
  CIVIC_ASSIGN(pruned_tip, impl.prepare("SELECT pruned_position, pruned_head FROM chain_state"));
  CIVIC_ASSIGN(insert_record, impl.prepare("INSERT INTO records (position, sealed, record_hash, chain_head, "
                                           "created_at) VALUES (?, ?, ?, ?, ?)"));
  impl.last_record = std::move(last_record);
  impl.pruned_tip = std::move(pruned_tip);
  impl.insert_record = std::move(insert_record);
  return {};
}

Result<KioskId> stored_kiosk(Outbox::Impl& impl) {
  CIVIC_ASSIGN(stmt, impl.prepare("SELECT value FROM outbox_meta WHERE key = 'kiosk_id'"));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return make_error(ErrorCode::kNotFound, impl.db->context() + " has no kiosk id yet");
  return stmt.fixed<kKioskIdSize>(0);
}

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::open(const std::filesystem::path& path, const KioskId& kiosk,
                                             const OutboxOptions& options) {
  CIVIC_TRY(crypto_init());
  CIVIC_ASSIGN(impl, open_impl(path, /*create=*/true, options));
  auto existing = stored_kiosk(*impl);
  if (existing.ok()) {
    if (*existing != kiosk) {
      return make_error(ErrorCode::kForeignDatabase,
                        impl->db->context() + " belongs to kiosk " + to_hex(*existing) + ", not to this kiosk (" +
                            to_hex(kiosk) + "); it was left untouched: check the configured path and key");
    }
  } else if (existing.code() == ErrorCode::kNotFound) {
    sql::Transaction txn(*impl->db);
    CIVIC_TRY(txn.begin());
    CIVIC_ASSIGN(meta, impl->prepare("INSERT INTO outbox_meta (key, value) VALUES ('kiosk_id', ?)"));
    CIVIC_TRY(meta.bind(1, ByteView(kiosk)).run());
    CIVIC_ASSIGN(chain, impl->prepare("INSERT INTO chain_state VALUES (1, 0, 0, 0, ?)"));
    CIVIC_TRY(chain.bind(1, ByteView(kGenesisHead)).run());
    CIVIC_TRY(txn.commit());
  } else {
    return existing.error();
  }
  CIVIC_TRY(prepare_statements(*impl));
  return std::unique_ptr<Outbox>(new Outbox(std::move(impl), kiosk, path));
}

Result<std::unique_ptr<Outbox>> Outbox::open_existing(const std::filesystem::path& path,
                                                      const OutboxOptions& options) {
  CIVIC_TRY(crypto_init());
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return make_error(ErrorCode::kNotFound, "outbox " + path.string() + " does not exist");
  }
  CIVIC_ASSIGN(impl, open_impl(path, /*create=*/false, options));
  CIVIC_ASSIGN(kiosk, stored_kiosk(*impl));
  CIVIC_TRY(prepare_statements(*impl));
  return std::unique_ptr<Outbox>(new Outbox(std::move(impl), kiosk, path));
}

// [SECTION] Appending

Result<AppendedRecord> Outbox::append(ByteView sealed, std::uint64_t now) {
  if (!is_valid_sealed_size(sealed.size())) {
    return make_error(ErrorCode::kInvalidArgument,
                      "only sealed records go into the outbox; " + std::to_string(sealed.size()) +
                          " bytes is not the size of one");
  }
  const Hash32 rh = record_hash(sealed);
  sql::Transaction txn(*impl_->db);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(tip, impl_->tip());
  const std::uint64_t position = tip.position + 1;
  AppendedRecord out{position, rh, chain_next(position, tip.head, rh)};

  auto& insert = impl_->insert_record;
  insert.bind(1, position).bind(2, sealed).bind(3, ByteView(rh)).bind(4, ByteView(out.chain_head)).bind(5, now);
  Status inserted = insert.run();
  insert.reset();
  CIVIC_TRY(inserted);
  CIVIC_TRY(txn.commit());
  return out;
}

// [SECTION] Batches and acks

Result<ChainTip> Outbox::Impl::tip() {
  ChainTip t;
  CIVIC_ASSIGN(row, last_record.step());
  if (row) {
    t.position = last_record.uint64(0);
    auto head = last_record.fixed<kHashSize>(1);
    last_record.reset();
    if (!head.ok()) return head.error();
    t.head = *head;
    return t;
  }
  last_record.reset();
  CIVIC_ASSIGN(prow, pruned_tip.step());
  if (!prow) {
    pruned_tip.reset();
    return mismatch("the chain state is missing");
  }
  t.position = pruned_tip.uint64(0);
  auto head = pruned_tip.fixed<kHashSize>(1);
  pruned_tip.reset();
  if (!head.ok()) return head.error();
  t.head = *head;
  return t;
}

Result<std::optional<Hash32>> Outbox::Impl::stored_chain_head(std::uint64_t position) {
  CIVIC_ASSIGN(stmt, prepare("SELECT chain_head FROM records WHERE position = ?"));
  stmt.bind(1, position);
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<Hash32>{};
  CIVIC_ASSIGN(head, stmt.fixed<kHashSize>(0));
  return std::optional<Hash32>(head);
}

Result<Hash32> Outbox::Impl::head_before(std::uint64_t position) {
  if (position <= 1) return kGenesisHead;
  CIVIC_ASSIGN(kept, stored_chain_head(position - 1));
  if (kept) return *kept;
  CIVIC_ASSIGN(pruned, prepare("SELECT pruned_position, pruned_head FROM chain_state"));
  CIVIC_ASSIGN(prow, pruned.step());
  if (prow && pruned.uint64(0) == position - 1) return pruned.fixed<kHashSize>(1);
  return mismatch("the chain head before position " + std::to_string(position) + " is missing");
}

Result<std::vector<OutgoingBatch>> Outbox::Impl::unacknowledged(const KioskId& kiosk, const SigningKeyPair& key,
                                                                std::size_t limit) {
  CIVIC_ASSIGN(stmt, prepare("SELECT sequence, first_position, record_count, created_at, previous_head, batch_id "
                             "FROM batches WHERE acked_at IS NULL ORDER BY sequence LIMIT ?"));
  stmt.bind(1, static_cast<std::uint64_t>(limit));
  CIVIC_ASSIGN(records, prepare("SELECT sealed FROM records WHERE position BETWEEN ? AND ? ORDER BY position"));
  std::vector<OutgoingBatch> out;
  for (;;) {
    CIVIC_ASSIGN(row, stmt.step());
    if (!row) break;
    BatchHeader h;
    h.kiosk_id = kiosk;
    h.sequence = stmt.uint64(0);
    h.first_position = stmt.uint64(1);
    const auto count = static_cast<std::uint32_t>(stmt.uint64(2));
    h.created_at = stmt.uint64(3);
    CIVIC_ASSIGN(previous, stmt.fixed<kHashSize>(4));
    CIVIC_ASSIGN(stored_id, stmt.fixed<kHashSize>(5));
    h.previous_head = previous;
    records.bind(1, h.first_position).bind(2, h.first_position + count - 1);
    CIVIC_ASSIGN(sealed, sql::collect_rows(records, [](sql::Statement& row) { return row.blob(0); }));
    records.reset();
    if (sealed.size() != count) {
      return mismatch("batch " + std::to_string(h.sequence) + " has lost records before its ack");
    }
    CIVIC_ASSIGN(encoded, encode_signed_batch(h, sealed, key));
    if (encoded.batch_id != stored_id) {
      return mismatch("batch " + std::to_string(h.sequence) + " no longer rebuilds to the bytes first sent");
    }
    out.push_back(OutgoingBatch{h.sequence, h.first_position, count, encoded.batch_id, std::move(encoded.bytes)});
  }
  return out;
}

Result<std::optional<OutgoingBatch>> Outbox::Impl::create_batch(const KioskId& kiosk, const SigningKeyPair& key,
                                                                const BatchLimits& limits, std::uint64_t now) {
  const std::size_t max_records = std::clamp<std::size_t>(limits.max_records, 1, kMaxBatchRecords);
  const std::size_t max_bytes = std::clamp<std::size_t>(limits.max_bytes, kBatchHeaderSize + kSignatureSize +
                                                                              kBatchRecordOverhead + kMaxSealedSize,
                                                        kMaxBatchBytes);
  CIVIC_ASSIGN(chain, prepare("SELECT last_batch_sequence, last_batched_position FROM chain_state"));
  CIVIC_ASSIGN(crow, chain.step());
  if (!crow) return mismatch("the chain state is missing");
  const std::uint64_t sequence = chain.uint64(0) + 1;
  const std::uint64_t last_batched = chain.uint64(1);
  chain.reset();
  CIVIC_ASSIGN(select, prepare("SELECT position, sealed FROM records WHERE position > ? ORDER BY position LIMIT ?"));
  select.bind(1, last_batched).bind(2, static_cast<std::uint64_t>(max_records));
  std::vector<Bytes> sealed;
  std::uint64_t first = 0;
  std::size_t bytes = kBatchHeaderSize + kSignatureSize;
  for (;;) {
    CIVIC_ASSIGN(row, select.step());
    if (!row) break;
    const std::uint64_t position = select.uint64(0);
    if (first == 0) first = position;
    if (position != first + sealed.size()) return mismatch("pending records are not contiguous");
    Bytes record = select.blob(1);
    if (bytes + kBatchRecordOverhead + record.size() > max_bytes) break;
    bytes += kBatchRecordOverhead + record.size();
    sealed.push_back(std::move(record));
  }
  select.reset();
  if (sealed.empty()) return std::optional<OutgoingBatch>{};

  BatchHeader header;
  header.kiosk_id = kiosk;
  header.sequence = sequence;
  header.first_position = first;
  header.created_at = now;
  CIVIC_ASSIGN(previous, head_before(first));
  header.previous_head = previous;
  CIVIC_ASSIGN(encoded, encode_signed_batch(header, sealed, key));

  const std::uint64_t last = first + sealed.size() - 1;
  CIVIC_ASSIGN(expected_head, stored_chain_head(last));
  if (!expected_head) return mismatch("record " + std::to_string(last) + " vanished");
  if (*expected_head != encoded.new_head) {
    return mismatch("the stored records do not chain to the stored head at position " + std::to_string(last));
  }

  CIVIC_ASSIGN(insert, prepare("INSERT INTO batches (sequence, first_position, record_count, created_at, "
                               "previous_head, batch_id) VALUES (?, ?, ?, ?, ?, ?)"));
  insert.bind(1, header.sequence).bind(2, first).bind(3, static_cast<std::uint64_t>(sealed.size())).bind(4, now)
      .bind(5, ByteView(header.previous_head)).bind(6, ByteView(encoded.batch_id));
  CIVIC_TRY(insert.run());
  CIVIC_ASSIGN(seq, prepare("UPDATE chain_state SET last_batch_sequence = ?, last_batched_position = ?"));
  CIVIC_TRY(seq.bind(1, header.sequence).bind(2, last).run());

  OutgoingBatch b;
  b.sequence = header.sequence;
  b.first_position = first;
  b.record_count = static_cast<std::uint32_t>(sealed.size());
  b.batch_id = encoded.batch_id;
  b.bytes = std::move(encoded.bytes);
  return std::optional<OutgoingBatch>(std::move(b));
}

Status Outbox::check_key(const SigningKeyPair& kiosk_key) const {
  if (kiosk_id_from_key(kiosk_key.public_key) == kiosk_) return {};
  return make_error(ErrorCode::kInvalidArgument, impl_->db->context() +
                                                     ": the signing key given is not this kiosk's key (kiosk " +
                                                     to_hex(kiosk_) + ")");
}

Result<std::optional<OutgoingBatch>> Outbox::next_batch(const SigningKeyPair& kiosk_key, const BatchLimits& limits,
                                                        std::uint64_t now) {
  CIVIC_TRY(check_key(kiosk_key));
  sql::Transaction txn(*impl_->db);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(existing, impl_->unacknowledged(kiosk_, kiosk_key, 1));
  if (!existing.empty()) {
    CIVIC_TRY(txn.commit());
    return std::optional<OutgoingBatch>(std::move(existing.front()));
  }
  CIVIC_ASSIGN(created, impl_->create_batch(kiosk_, kiosk_key, limits, now));
  CIVIC_TRY(txn.commit());
  return created;
}

Result<std::vector<OutgoingBatch>> Outbox::all_unacknowledged_batches(const SigningKeyPair& kiosk_key,
                                                                      const BatchLimits& limits,
                                                                      std::uint64_t now) {
  CIVIC_TRY(check_key(kiosk_key));
  sql::Transaction txn(*impl_->db);
  CIVIC_TRY(txn.begin());
  for (;;) {
    CIVIC_ASSIGN(created, impl_->create_batch(kiosk_, kiosk_key, limits, now));
    if (!created) break;
  }
  CIVIC_ASSIGN(all, impl_->unacknowledged(kiosk_, kiosk_key, std::numeric_limits<std::int64_t>::max()));
  CIVIC_TRY(txn.commit());
  return all;
}

Result<AckResult> Outbox::apply_ack(ByteView ack_bytes, const SigningPublicKey& hub_key, std::uint64_t now) {
  CIVIC_ASSIGN(ack, verify_ack(ack_bytes, hub_key));
  if (ack.kiosk_id != kiosk_) {
    return make_error(ErrorCode::kConflict, "the ack is for kiosk " + to_hex(ack.kiosk_id) + ", not this kiosk (" +
                                                to_hex(kiosk_) + "); it was ignored");
  }
  sql::Transaction txn(*impl_->db);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(stmt, impl_->prepare("SELECT first_position, record_count, batch_id, acked_at FROM batches "
                                    "WHERE sequence = ?"));
  stmt.bind(1, ack.batch_sequence);
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) {
    return make_error(ErrorCode::kNotFound, "the ack names batch " + std::to_string(ack.batch_sequence) +
                                                ", which this outbox does not hold (already acknowledged and "
                                                "pruned, or never made here); it was ignored");
  }
  CIVIC_ASSIGN(batch_id, stmt.fixed<kHashSize>(2));
  if (stmt.uint64(0) != ack.first_position || stmt.uint64(1) != ack.record_count || batch_id != ack.batch_id) {
    return make_error(ErrorCode::kConflict, "the ack for batch " + std::to_string(ack.batch_sequence) +
                                                " does not match the batch this kiosk sent; nothing was marked "
                                                "acknowledged: report this to the hub operators");
  }
  const bool already = !stmt.is_null(3);
  stmt.reset();
  const std::uint64_t last = ack.first_position + ack.record_count - 1;
  // A record already pruned is not checked again (its ack was checked when it came).
  CIVIC_ASSIGN(stored, impl_->stored_chain_head(last));
  if (stored && *stored != ack.new_head) {
    return make_error(ErrorCode::kConflict, "the ack's chain head does not match this kiosk's chain at position " +
                                                std::to_string(last) + "; nothing was marked acknowledged");
  }
  AckResult result{ack.batch_sequence, 0};
  if (!already) {
    result.records_acknowledged = ack.record_count;
    CIVIC_ASSIGN(batch, impl_->prepare("UPDATE batches SET acked_at = ?, ack = ? WHERE sequence = ?"));
    CIVIC_TRY(batch.bind(1, now).bind(2, ack_bytes).bind(3, ack.batch_sequence).run());
  }
  CIVIC_TRY(txn.commit());
  return result;
}

// [SECTION] Pruning

Result<std::uint64_t> Outbox::prune(std::uint64_t retention_seconds, std::uint64_t now,
                                    std::uint64_t keep_from_position) {
  const std::uint64_t cutoff = now > retention_seconds ? now - retention_seconds : 0;
  sql::Transaction txn(*impl_->db);
  CIVIC_TRY(txn.begin());
  // Only a prefix of the chain is pruned, so the head before the first stored record is always
  // known: stop at the first record that is unacknowledged or acknowledged too recently.
  CIVIC_ASSIGN(bound_stmt, impl_->prepare("SELECT coalesce((SELECT min(first_position) FROM batches WHERE acked_at "
                                          "IS NULL OR acked_at > ?), (SELECT last_batched_position + 1 FROM "
                                          "chain_state))"));
  bound_stmt.bind(1, cutoff);
  CIVIC_ASSIGN(brow, bound_stmt.step());
  if (!brow) return impl_->mismatch("cannot find the pruning bound");
  const std::uint64_t bound = std::min(bound_stmt.uint64(0), keep_from_position);
  bound_stmt.reset();
  CIVIC_ASSIGN(count_stmt, impl_->prepare("SELECT count(*) FROM records WHERE position < ?"));
  count_stmt.bind(1, bound);
  CIVIC_ASSIGN(crow, count_stmt.step());
  const std::uint64_t doomed = crow ? count_stmt.uint64(0) : 0;
  count_stmt.reset();
  if (doomed == 0) {
    CIVIC_TRY(txn.commit());
    return std::uint64_t{0};
  }
  CIVIC_ASSIGN(head, impl_->head_before(bound));
  CIVIC_ASSIGN(set_pruned, impl_->prepare("UPDATE chain_state SET pruned_position = ?, pruned_head = ?"));
  CIVIC_TRY(set_pruned.bind(1, bound - 1).bind(2, ByteView(head)).run());
  CIVIC_ASSIGN(del, impl_->prepare("DELETE FROM records WHERE position < ?"));
  CIVIC_TRY(del.bind(1, bound).run());
  CIVIC_ASSIGN(del_batches, impl_->prepare("DELETE FROM batches WHERE acked_at IS NOT NULL AND "
                                           "first_position + record_count <= ?"));
  CIVIC_TRY(del_batches.bind(1, bound).run());
  CIVIC_TRY(txn.commit());
  return doomed;
}

// [SECTION] Content cache

Result<TrustedContentState> Outbox::trusted_content_state() {
  CIVIC_ASSIGN(stmt, impl_->prepare("SELECT version, clock_floor, bundle_hash FROM content"));
  CIVIC_ASSIGN(row, stmt.step());
  TrustedContentState state;
  if (!row) return state;
  state.version = stmt.uint64(0);
  state.clock_floor = stmt.uint64(1);
  CIVIC_ASSIGN(hash, stmt.fixed<kHashSize>(2));
  state.bundle_hash = hash;
  return state;
}

Result<ContentInstall> Outbox::install_content(ByteView bundle, const SigningPublicKey& hub_key, std::uint64_t now) {
  sql::Transaction txn(*impl_->db);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(trusted, trusted_content_state());
  CIVIC_ASSIGN(verified, verify_content(bundle, hub_key, trusted, now));
  if (verified.same_as_trusted) {
    CIVIC_TRY(txn.commit());
    return ContentInstall::kAlreadyCurrent;
  }
  CIVIC_ASSIGN(put, impl_->prepare("INSERT OR REPLACE INTO content (id, bundle, version, clock_floor, bundle_hash, "
                                   "expires_at, installed_at) VALUES (1, ?, ?, ?, ?, ?, ?)"));
  put.bind(1, bundle).bind(2, verified.state.version).bind(3, verified.state.clock_floor)
      .bind(4, ByteView(verified.state.bundle_hash)).bind(5, verified.bundle.expires_at).bind(6, now);
  CIVIC_TRY(put.run());
  CIVIC_TRY(txn.commit());
  return ContentInstall::kInstalled;
}

Result<std::optional<VerifiedContent>> Outbox::current_content(const SigningPublicKey& hub_key, std::uint64_t now) {
  CIVIC_ASSIGN(stmt, impl_->prepare("SELECT bundle FROM content"));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return std::optional<VerifiedContent>{};
  Bytes bundle = stmt.blob(0);
  stmt.reset();
  CIVIC_ASSIGN(trusted, trusted_content_state());
  CIVIC_ASSIGN(verified, verify_content(bundle, hub_key, trusted, now));
  return std::optional<VerifiedContent>(std::move(verified));
}

// [SECTION] Inspection

Result<OutboxStatus> Outbox::status() {
  OutboxStatus s;
  CIVIC_ASSIGN(counts, impl_->prepare(std::string("SELECT state, count(*) FROM (") + kRecordStates + ") GROUP BY state"));
  for (;;) {
    CIVIC_ASSIGN(row, counts.step());
    if (!row) break;
    const auto n = counts.uint64(1);
    const auto state = record_state_from(counts.int64(0));
    if (!state) return impl_->mismatch("a stored record is in no batch although one was made for it");
    switch (*state) {
      case RecordState::kPending: s.pending = n; break;
      case RecordState::kInBatch: s.in_batch = n; break;
      case RecordState::kAcknowledged: s.acknowledged = n; break;
    }
  }
  CIVIC_ASSIGN(tip, impl_->tip());
  s.last_position = tip.position;
  s.chain_head = tip.head;
  CIVIC_ASSIGN(oldest, impl_->prepare(std::string("SELECT min(created_at) FROM (") + kRecordStates +
                                          ") WHERE state != 2"));
  CIVIC_ASSIGN(orow, oldest.step());
  if (orow && !oldest.is_null(0)) s.oldest_unacknowledged_at = oldest.uint64(0);
  CIVIC_ASSIGN(batches, impl_->db->query_int("SELECT count(*) FROM batches WHERE acked_at IS NULL"));
  s.unacknowledged_batches = static_cast<std::uint64_t>(batches);
  CIVIC_ASSIGN(pages, impl_->db->query_int("PRAGMA page_count"));
  CIVIC_ASSIGN(page_size, impl_->db->query_int("PRAGMA page_size"));
  s.database_bytes = static_cast<std::uint64_t>(pages * page_size);
  struct statvfs vfs {};
  const auto dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
  if (::statvfs(dir.c_str(), &vfs) == 0) s.free_disk_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  CIVIC_ASSIGN(sync, impl_->prepare("SELECT last_sync_at, last_sync_success_at, last_sync_result, last_sync_failed "
                                    "FROM sync_status"));
  CIVIC_ASSIGN(srow, sync.step());
  if (srow) {
    if (!sync.is_null(0)) s.last_sync_at = sync.uint64(0);
    if (!sync.is_null(1)) s.last_sync_success_at = sync.uint64(1);
    s.last_sync_result = sync.text(2);
    s.last_sync_failed = sync.int64(3) != 0;
  }
  CIVIC_ASSIGN(content, impl_->prepare("SELECT version, expires_at FROM content"));
  CIVIC_ASSIGN(trow, content.step());
  if (trow) {
    s.content_version = content.uint64(0);
    s.content_expires_at = content.uint64(1);
  }
  return s;
}

namespace {
Result<Outbox::AcknowledgedRecord> read_position_and_hash(sql::Statement& row) {
  Outbox::AcknowledgedRecord r;
  r.position = row.uint64(0);
  CIVIC_ASSIGN(rh, row.fixed<kHashSize>(1));
  r.record_hash = rh;
  return r;
}
}  // namespace

Result<std::vector<Outbox::AcknowledgedRecord>> Outbox::acknowledged_records(std::uint64_t after_position,
                                                                               std::size_t limit) {
  // Each record's batch is the one with the largest first position not above it (batches cover
  // the chain in order, without gaps).
  CIVIC_ASSIGN(stmt, impl_->prepare("SELECT r.position, r.record_hash FROM records r WHERE r.position > ? AND "
                                    "(SELECT b.acked_at IS NOT NULL AND r.position < b.first_position + b.record_count "
                                    "FROM batches b WHERE b.first_position <= r.position ORDER BY b.first_position "
                                    "DESC LIMIT 1) ORDER BY r.position LIMIT ?"));
  stmt.bind(1, after_position).bind(2, static_cast<std::uint64_t>(limit));
  return sql::collect_rows(stmt, read_position_and_hash);
}

Result<std::vector<Outbox::AcknowledgedRecord>> Outbox::record_hashes(std::uint64_t after_position,
                                                                        std::size_t limit) {
  CIVIC_ASSIGN(stmt, impl_->prepare("SELECT position, record_hash FROM records WHERE position > ? ORDER BY position "
                                    "LIMIT ?"));
  stmt.bind(1, after_position).bind(2, static_cast<std::uint64_t>(limit));
  return sql::collect_rows(stmt, read_position_and_hash);
}

Result<std::vector<StoredRecord>> Outbox::records() {
  CIVIC_ASSIGN(stmt, impl_->prepare(std::string("SELECT position, sealed, record_hash, chain_head, created_at, state "
                                                "FROM (") + kRecordStates + ") ORDER BY position"));
  return sql::collect_rows(stmt, [this](sql::Statement& row) -> Result<StoredRecord> {
    StoredRecord r;
    r.position = row.uint64(0);
    r.sealed = row.blob(1);
    CIVIC_ASSIGN(rh, row.fixed<kHashSize>(2));
    CIVIC_ASSIGN(ch, row.fixed<kHashSize>(3));
    r.record_hash = rh;
    r.chain_head = ch;
    r.created_at = row.uint64(4);
    const auto state = record_state_from(row.int64(5));
    if (!state) return impl_->mismatch("record " + std::to_string(r.position) + " is in no batch although one was made for it");
    r.state = *state;
    return r;
  });
}

Status Outbox::verify_integrity() {
  CIVIC_TRY(sql::check_integrity(*impl_->db, true, "keep it for investigation and restore from a backup"));
  CIVIC_ASSIGN(state, impl_->prepare("SELECT pruned_position, pruned_head, last_batched_position FROM chain_state"));
  CIVIC_ASSIGN(srow, state.step());
  if (!srow) return impl_->mismatch("the chain state is missing");
  std::uint64_t position = state.uint64(0);
  CIVIC_ASSIGN(head, state.fixed<kHashSize>(1));
  const std::uint64_t last_batched = state.uint64(2);
  CIVIC_ASSIGN(stmt, impl_->prepare(std::string("SELECT position, sealed, record_hash, chain_head, state FROM (") +
                                    kRecordStates + ") ORDER BY position"));
  for (;;) {
    CIVIC_ASSIGN(row2, stmt.step());
    if (!row2) break;
    ++position;
    if (stmt.uint64(0) != position) return impl_->mismatch("record " + std::to_string(position) + " is missing");
    Bytes sealed = stmt.blob(1);
    CIVIC_ASSIGN(rh, stmt.fixed<kHashSize>(2));
    CIVIC_ASSIGN(ch, stmt.fixed<kHashSize>(3));
    if (record_hash(sealed) != rh) return impl_->mismatch("record " + std::to_string(position) + " was altered");
    head = chain_next(position, head, rh);
    if (head != ch) return impl_->mismatch("the chain breaks at record " + std::to_string(position));
    const auto record_state = record_state_from(stmt.int64(4));
    if (!record_state || (*record_state == RecordState::kPending) != (position > last_batched)) {
      return impl_->mismatch("record " + std::to_string(position) + " has a state that disagrees with the batches");
    }
  }
  return {};
}

Status Outbox::note_sync(bool success, const std::string& summary, std::uint64_t now) {
  sql::Transaction txn(*impl_->db);
  CIVIC_TRY(txn.begin());
  CIVIC_ASSIGN(put, impl_->prepare("UPDATE sync_status SET last_sync_at = ?1, last_sync_result = ?2, "
                                    "last_sync_success_at = CASE WHEN ?3 THEN ?1 ELSE last_sync_success_at END, "
                                    "last_sync_failed = NOT ?3"));
  CIVIC_TRY(put.bind(1, now).bind(2, std::string_view(summary)).bind(3, success ? 1 : 0).run());
  return txn.commit();
}

Status Outbox::checkpoint() { return impl_->db->exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

}  // namespace civic
