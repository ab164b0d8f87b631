// The PostgreSQL implementation of HubStore (libpq), for hubs that several `civic-hub serve`
// processes share, replicate or back up with the city's own PostgreSQL. The same rules as the
// SQLite store, method by method; what differs is how writers take turns across processes:
// every transaction that adds records or log leaves takes one advisory lock, so record ids are
// committed in order and the log appends them in that order whichever process stored them.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <optional>
#include <type_traits>

#include "group_commit.h"
#include "store.h"
#include "sync/common/human.h"
#include "sync/config/config.h"
#include "sync/sqlite/sqlite.h"

namespace civic {

namespace {

// The advisory lock that writers of records and log leaves hold for their transaction.
constexpr const char* kWriterLock = "SELECT pg_advisory_xact_lock(4346582885)";  // "CKHU" and a little

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS civic_schema (version BIGINT NOT NULL);
CREATE TABLE kiosks (
  kiosk_id BYTEA PRIMARY KEY,
  public_key BYTEA NOT NULL UNIQUE,
  name TEXT NOT NULL,
  enrolled_at BIGINT NOT NULL,
  revoked_at BIGINT,
  last_contact BIGINT,
  contiguous_position BIGINT NOT NULL DEFAULT 0,
  contiguous_head BYTEA NOT NULL
);
CREATE TABLE enrolment_tokens (
  token_hash BYTEA PRIMARY KEY,
  label TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  used_by BYTEA
);
CREATE TABLE batches (
  kiosk_id BYTEA NOT NULL,
  sequence BIGINT NOT NULL,
  first_position BIGINT NOT NULL,
  record_count BIGINT NOT NULL,
  previous_head BYTEA NOT NULL,
  new_head BYTEA NOT NULL,
  batch_id BYTEA NOT NULL,
  ack BYTEA NOT NULL,
  received_at BIGINT NOT NULL,
  via TEXT NOT NULL,
  PRIMARY KEY (kiosk_id, sequence)
);
CREATE INDEX batches_by_first_position ON batches (kiosk_id, first_position);
CREATE TABLE records (
  id BIGINT PRIMARY KEY,
  kiosk_id BYTEA NOT NULL,
  position BIGINT NOT NULL,
  record_hash BYTEA NOT NULL,
  receipt TEXT NOT NULL,
  batch_sequence BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  sealed BYTEA NOT NULL,
  UNIQUE (kiosk_id, position)
);
CREATE INDEX records_by_receipt ON records (receipt);
CREATE TABLE events (
  id BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  kiosk TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE TABLE content (
  version BIGINT PRIMARY KEY,
  published_at BIGINT NOT NULL,
  bundle BYTEA NOT NULL
);
CREATE TABLE consultation_file (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  json TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE moderation (
  record_id BIGINT PRIMARY KEY REFERENCES records (id),
  moderation_id TEXT NOT NULL UNIQUE,
  consultation_id TEXT NOT NULL,
  language TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  reason TEXT NOT NULL DEFAULT '',
  published_text TEXT,
  redacted INTEGER NOT NULL DEFAULT 0,
  decided_at BIGINT,
  record_hash BYTEA UNIQUE
);
CREATE TABLE moderation_scan (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  scanned_up_to BIGINT NOT NULL
);
CREATE TABLE event_reports (
  kiosk_id BYTEA NOT NULL,
  event_id TEXT NOT NULL,
  name TEXT NOT NULL,
  place TEXT NOT NULL,
  date TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  closed_at BIGINT NOT NULL,
  headcount BIGINT NOT NULL,
  town_hall_records BIGINT NOT NULL,
  paper_records BIGINT NOT NULL,
  report BYTEA NOT NULL,
  received_at BIGINT NOT NULL,
  via TEXT NOT NULL,
  PRIMARY KEY (kiosk_id, event_id)
);
CREATE TABLE moderation_log (
  id BIGSERIAL PRIMARY KEY,
  moderation_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  operator TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL,
  redacted INTEGER NOT NULL
);
CREATE TABLE held_batches (
  id BIGSERIAL PRIMARY KEY,
  kiosk_id BYTEA NOT NULL,
  sequence BIGINT NOT NULL,
  first_position BIGINT NOT NULL,
  record_count BIGINT NOT NULL,
  batch BYTEA NOT NULL,
  received_at BIGINT NOT NULL,
  via TEXT NOT NULL,
  UNIQUE (kiosk_id, sequence)
);
CREATE TABLE online_imports (
  id BIGSERIAL PRIMARY KEY,
  source TEXT NOT NULL,
  consultation TEXT NOT NULL,
  format TEXT NOT NULL,
  file_sha256 BYTEA NOT NULL,
  imported_at BIGINT NOT NULL,
  rows BIGINT NOT NULL,
  statement BYTEA NOT NULL,
  leaf BYTEA NOT NULL,
  data TEXT NOT NULL,
  current INTEGER NOT NULL,
  after_record BIGINT NOT NULL,
  UNIQUE (source, consultation, file_sha256)
);
CREATE INDEX online_imports_in_log ON online_imports (after_record, id);
CREATE TABLE health_reports (
  kiosk_id BYTEA NOT NULL,
  sequence BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  via TEXT NOT NULL,
  report BYTEA NOT NULL,
  PRIMARY KEY (kiosk_id, sequence)
);
CREATE TABLE operators (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  failures BIGINT NOT NULL,
  locked_until BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE console_sessions (
  token_hash BYTEA PRIMARY KEY,
  operator TEXT NOT NULL REFERENCES operators (name),
  csrf TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE TABLE log_entries (
  leaf BIGINT PRIMARY KEY,
  record_id BIGINT NOT NULL,
  import_id BIGINT NOT NULL,
  UNIQUE (record_id, import_id)
);
CREATE TABLE log_nodes (
  level INTEGER NOT NULL,
  idx BIGINT NOT NULL,
  hash BYTEA NOT NULL,
  PRIMARY KEY (level, idx)
);
INSERT INTO civic_schema (version) VALUES (1);
)sql";
constexpr std::int64_t kSchemaVersion = 1;

// A statement parameter: text, or bytes sent as binary; NULL when absent.
struct Param {
  std::string value;
  bool binary = false;
  bool null = false;
};
// Unsigned numbers are stored as their 64-bit two's complement, as SQLite stores them.
Param p(std::uint64_t v) {
  return {std::to_string(static_cast<std::int64_t>(v))};
}
Param p(std::string_view v) {
  return {std::string(v)};
}
Param p(ByteView v) {
  return {std::string(reinterpret_cast<const char*>(v.data()), v.size()), true};
}
Param null_param() {
  return {{}, false, true};
}

class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r, PQclear) {}
  int size() const { return PQntuples(r_.get()); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const { return PQgetvalue(r_.get(), row, col); }
  std::uint64_t u64(int row, int col) const {
    return static_cast<std::uint64_t>(std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10));
  }
  Bytes bytes(int row, int col) const {
    std::size_t n = 0;
    unsigned char* raw =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
    if (!raw) return {};
    Bytes out(raw, raw + n);
    PQfreemem(raw);
    return out;
  }
  template <std::size_t N>
  Result<FixedBytes<N>> fixed(int row, int col) const {
    const Bytes b = bytes(row, col);
    if (b.size() != N) {
      return make_error(ErrorCode::kCorruptDatabase, "a stored value has " + std::to_string(b.size()) +
                                                         " bytes where " + std::to_string(N) +
                                                         " belong; restore the "
                                                         "hub database from a backup");
    }
    FixedBytes<N> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
  }
  const PGresult* raw() const { return r_.get(); }
  std::string command() const { return PQcmdStatus(r_.get()); }  // "COMMIT", "INSERT 0 1", ...
  // Rows a statement changed (INSERT, UPDATE, DELETE).
  std::uint64_t changed() const { return std::strtoull(PQcmdTuples(r_.get()), nullptr, 10); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

class Connection {
 public:
  static Result<std::unique_ptr<Connection>> open(const std::string& url) {
    PGconn* c = PQconnectdb(url.c_str());
    auto conn = std::unique_ptr<Connection>(new Connection(c));
    if (!c || PQstatus(c) != CONNECTION_OK) {
      return make_error(ErrorCode::kUnavailable, "cannot connect to the hub's PostgreSQL database (" +
                                                     redacted(url) + "): " + conn->message() +
                                                     "; check [store] url and that the server is running");
    }
    return conn;
  }
  ~Connection() { PQfinish(c_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Several statements, no parameters (the schema).
  Status exec_script(const std::string& sql) {
    Rows rows(PQexec(c_, sql.c_str()));
    if (rows.raw() && PQresultStatus(rows.raw()) == PGRES_COMMAND_OK) return {};
    return make_error(ErrorCode::kIo, "the hub's PostgreSQL database: " + message());
  }

  Result<Rows> exec(const std::string& sql, const std::vector<Param>& params = {}) {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (const auto& param : params) {
      values.push_back(param.null ? nullptr : param.value.data());
      lengths.push_back(static_cast<int>(param.value.size()));
      formats.push_back(param.binary ? 1 : 0);
    }
    Rows rows(PQexecParams(c_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                           lengths.data(), formats.data(), 0));
    const PGresult* r = rows.raw();
    const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string code = state ? state : "";
    const std::string what = "the hub's PostgreSQL database: " + message();
    if (code == "23505") return make_error(ErrorCode::kConflict, what);
    if (PQstatus(c_) != CONNECTION_OK) {
      PQreset(c_);  // the next statement finds the connection again, if the server is back
      return make_error(ErrorCode::kUnavailable, what + " (the connection was lost; try again)");
    }
    return make_error(ErrorCode::kIo, what);
  }

 private:
  explicit Connection(PGconn* c) : c_(c) {}
  std::string message() const {
    std::string m = c_ ? PQerrorMessage(c_) : "out of memory";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
  }
  // The URL as it may be shown: without a password.
  static std::string redacted(const std::string& url) {
    const auto at = url.find('@');
    const auto scheme = url.find("://");
    if (at == std::string::npos || scheme == std::string::npos) return url;
    const auto colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon) + ":…" + url.substr(at);
  }
  PGconn* c_;
};

// A transaction that rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) {}
  ~Transaction() {
    if (open_) (void)c_.exec("ROLLBACK");
  }
  Status begin() {
    CIVIC_TRY(c_.exec("BEGIN"));
    open_ = true;
    return {};
  }
  Status commit() {
    open_ = false;
    CIVIC_ASSIGN(done, c_.exec("COMMIT"));
    // A transaction that failed answers COMMIT with ROLLBACK: nothing of it was stored.
    if (done.command() != "COMMIT") {
      return make_error(ErrorCode::kIo,
                        "the hub's PostgreSQL database rolled the transaction back; nothing was "
                        "stored: try again");
    }
    return {};
  }

 private:
  Connection& c_;
  bool open_ = false;
};

constexpr const char* kKioskSelect =
    "SELECT k.kiosk_id, k.public_key, k.name, k.enrolled_at, k.revoked_at, k.last_contact, "
    "k.contiguous_position, "
    "k.contiguous_head FROM kiosks k";
constexpr const char* kRecordSelect =
    "SELECT id, kiosk_id, position, sealed, record_hash, receipt, received_at FROM records";
constexpr const char* kModerationSelect =
    "SELECT moderation_id, record_id, consultation_id, language, status, reason, coalesce(published_text, "
    "''), "
    "redacted, coalesce(decided_at, 0) FROM moderation";
constexpr const char* kHeldColumns = "id, kiosk_id, sequence, first_position, record_count, received_at, via";
constexpr const char* kOperatorSelect =
    "SELECT name, role, password_hash, failures, locked_until, created_at FROM operators";

Result<KioskInfo> read_kiosk(const Rows& r, int i) {
  KioskInfo k;
  CIVIC_ASSIGN(id, r.fixed<kKioskIdSize>(i, 0));
  CIVIC_ASSIGN(key, r.fixed<kPublicKeySize>(i, 1));
  CIVIC_ASSIGN(head, r.fixed<kHashSize>(i, 7));
  k.id = id;
  k.key.bytes = key;
  k.name = r.text(i, 2);
  k.enrolled_at = r.u64(i, 3);
  if (!r.is_null(i, 4)) k.revoked_at = r.u64(i, 4);
  if (!r.is_null(i, 5)) k.last_contact = r.u64(i, 5);
  k.contiguous_position = r.u64(i, 6);
  k.contiguous_head = head;
  return k;
}

Result<HubRecord> read_record(const Rows& r, int i) {
  HubRecord out;
  out.id = r.u64(i, 0);
  CIVIC_ASSIGN(kiosk, r.fixed<kKioskIdSize>(i, 1));
  CIVIC_ASSIGN(hash, r.fixed<kHashSize>(i, 4));
  out.kiosk = kiosk;
  out.position = r.u64(i, 2);
  out.sealed = r.bytes(i, 3);
  out.record_hash = hash;
  out.receipt = r.text(i, 5);
  out.received_at = r.u64(i, 6);
  return out;
}

Result<ModerationItem> read_moderation(const Rows& r, int i) {
  return ModerationItem{r.text(i, 0), r.u64(i, 1),  r.text(i, 2),     r.text(i, 3), r.text(i, 4),
                        r.text(i, 5), r.text(i, 6), r.u64(i, 7) != 0, r.u64(i, 8)};
}

Result<HeldBatch> read_held(const Rows& r, int i) {
  HeldBatch h;
  h.id = r.u64(i, 0);
  CIVIC_ASSIGN(kiosk, r.fixed<kKioskIdSize>(i, 1));
  h.kiosk = kiosk;
  h.sequence = r.u64(i, 2);
  h.first_position = r.u64(i, 3);
  h.record_count = r.u64(i, 4);
  h.received_at = r.u64(i, 5);
  h.via = r.text(i, 6);
  if (!r.is_null(i, 7)) h.batch = r.bytes(i, 7);
  return h;
}

Result<OperatorAccount> read_operator(const Rows& r, int i) {
  return OperatorAccount{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.u64(i, 3), r.u64(i, 4), r.u64(i, 5)};
}

// A stored health report, checked against its kiosk's key again (what the hub shows is what the
// kiosk signed): columns report, public key, received_at, via.
Result<StoredHealthReport> read_health(const Rows& r, int i) {
  CIVIC_ASSIGN(key, r.fixed<kPublicKeySize>(i, 1));
  CIVIC_ASSIGN(report, verify_health_report(r.bytes(i, 0), SigningPublicKey{key}));
  return StoredHealthReport{std::move(report), r.u64(i, 2), r.text(i, 3)};
}

template <typename T>
struct ResultValue;
template <typename T>
struct ResultValue<Result<T>> {
  using type = T;
};

// Every row read by `read` (which returns a Result).
template <typename Read>
auto collect(const Rows& rows, Read read)
    -> Result<std::vector<typename ResultValue<std::invoke_result_t<Read&, const Rows&, int>>::type>> {
  std::vector<typename ResultValue<std::invoke_result_t<Read&, const Rows&, int>>::type> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    CIVIC_ASSIGN(item, read(rows, i));
    out.push_back(std::move(item));
  }
  return out;
}

class PostgresHubStore final : public HubStore {
 public:
  explicit PostgresHubStore(std::unique_ptr<Connection> c) : db_(std::move(c)) {}

  Status init() {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    // One process creates the schema; the others wait for it.
    CIVIC_TRY(db_->exec("SELECT pg_advisory_xact_lock(4346582886)"));
    CIVIC_ASSIGN(exists, db_->exec("SELECT to_regclass('civic_schema') IS NOT NULL"));
    if (exists.text(0, 0) != "t") {
      CIVIC_TRY(db_->exec_script(kSchema));
    } else {
      CIVIC_ASSIGN(version, db_->exec("SELECT max(version) FROM civic_schema"));
      if (version.is_null(0, 0) || static_cast<std::int64_t>(version.u64(0, 0)) > kSchemaVersion) {
        return make_error(ErrorCode::kForeignDatabase,
                          "the hub's PostgreSQL database was made by a newer civic-hub "
                          "(or is not a civic-hub database); upgrade civic-hub");
      }
    }
    return txn.commit();
  }

  Status add_enrolment_token(const Hash32& token_hash, const std::string& label, std::uint64_t expires_at,
                             std::uint64_t now) override {
    std::lock_guard lock(mutex_);
    CIVIC_TRY(db_->exec(
        "INSERT INTO enrolment_tokens (token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, "
        "$4)",
        {p(ByteView(token_hash)), p(label), p(now), p(expires_at)}));
    return {};
  }

  Result<KioskInfo> enrol(const Hash32& token_hash, const SigningPublicKey& key, const std::string& name,
                          std::uint64_t now) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    CIVIC_ASSIGN(
        token, db_->exec("SELECT expires_at, used_at FROM enrolment_tokens WHERE token_hash = $1 FOR UPDATE",
                         {p(ByteView(token_hash))}));
    if (token.empty())
      return make_error(ErrorCode::kUnauthorized, "this enrolment token is not known to the hub");
    if (!token.is_null(0, 1)) {
      return make_error(ErrorCode::kUnauthorized,
                        "this enrolment token was used already; ask the hub operators "
                        "for a new one");
    }
    if (token.u64(0, 0) <= now) {
      return make_error(ErrorCode::kUnauthorized,
                        "this enrolment token has expired; ask the hub operators for a "
                        "new one");
    }
    const KioskId id = kiosk_id_from_key(key);
    CIVIC_ASSIGN(existing, kiosk_locked(id));
    if (existing) {
      return make_error(ErrorCode::kConflict, "kiosk " + to_hex(id) +
                                                  " is enrolled already; a kiosk enrols once "
                                                  "(to move it, revoke it and enrol a new key)");
    }
    CIVIC_TRY(db_->exec(
        "INSERT INTO kiosks (kiosk_id, public_key, name, enrolled_at, contiguous_head) VALUES ($1, $2, "
        "$3, $4, $5)",
        {p(ByteView(id)), p(ByteView(key.bytes)), p(name), p(now), p(ByteView(kGenesisHead))}));
    CIVIC_TRY(db_->exec("UPDATE enrolment_tokens SET used_at = $1, used_by = $2 WHERE token_hash = $3",
                        {p(now), p(ByteView(id)), p(ByteView(token_hash))}));
    CIVIC_TRY(insert_event({now, "enrolled", to_hex(id), "name '" + name + "'"}));
    CIVIC_TRY(txn.commit());
    CIVIC_ASSIGN(info, kiosk_locked(id));
    return *info;
  }

  Result<std::optional<KioskInfo>> kiosk(const KioskId& id) override {
    std::lock_guard lock(mutex_);
    return kiosk_locked(id);
  }

  Result<std::vector<KioskInfo>> kiosks() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec(std::string(kKioskSelect) + " ORDER BY k.enrolled_at, k.kiosk_id"));
    return collect(rows, read_kiosk);
  }

  Status revoke(const KioskId& id, std::uint64_t now) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    CIVIC_ASSIGN(done,
                 db_->exec("UPDATE kiosks SET revoked_at = $1 WHERE kiosk_id = $2 AND revoked_at IS NULL",
                           {p(now), p(ByteView(id))}));
    if (done.changed() == 0) {
      CIVIC_ASSIGN(k, kiosk_locked(id));
      if (!k) return make_error(ErrorCode::kNotFound, "no kiosk " + to_hex(id) + " is enrolled");
      return make_error(ErrorCode::kConflict, "kiosk " + to_hex(id) + " was revoked already");
    }
    CIVIC_TRY(insert_event({now, "revoked", to_hex(id), "by an operator"}));
    return txn.commit();
  }

  // Uploads arriving together share one transaction (group_commit.h), each batch in a savepoint,
  // holding the writers' lock: across processes, groups are stored one at a time and record ids
  // are committed in order. A fork is refused and its event kept.
  Result<StoredBatch> store_batch(const ParsedBatch& batch, const AckSigner& sign, std::uint64_t now,
                                  const std::string& via) override {
    return group_.store(batch, sign, now, via, [this](const auto& group) { return commit_group(group); });
  }

  std::vector<Result<StoredBatch>> commit_group(const std::vector<const BatchGroupCommit::Pending*>& group) {
    std::lock_guard lock(mutex_);
    const auto all = [&](const Error& e) { return std::vector<Result<StoredBatch>>(group.size(), e); };
    Transaction txn(*db_);
    if (auto s = txn.begin(); !s.ok()) return all(s.error());
    if (auto s = db_->exec(kWriterLock); !s.ok()) return all(s.error());
    std::vector<Result<StoredBatch>> out;
    out.reserve(group.size());
    for (const auto* p : group) {
      if (auto s = db_->exec("SAVEPOINT batch"); !s.ok()) return all(s.error());
      out.push_back(store_batch_locked(*p->batch, *p->sign, p->now, *p->via));
      // A fork is refused but its event kept; anything else that failed leaves no trace (nor does a
      // fork the database itself refused: its savepoint cannot be released).
      const bool keep = out.back().ok() || out.back().code() == ErrorCode::kConflict;
      if (keep && db_->exec("RELEASE batch").ok()) continue;
      if (auto s = db_->exec("ROLLBACK TO batch"); !s.ok()) return all(s.error());
      if (auto s = db_->exec("RELEASE batch"); !s.ok()) return all(s.error());
    }
    if (auto s = txn.commit(); !s.ok()) return all(s.error());
    return out;
  }

  Status log_event(const HubEvent& event) override {
    std::lock_guard lock(mutex_);
    return insert_event(event);
  }

  Result<std::vector<HubEvent>> events(std::size_t limit) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(
        rows, db_->exec("SELECT at, kind, kiosk, detail FROM events ORDER BY id DESC LIMIT $1", {p(limit)}));
    return collect(rows, [](const Rows& r, int i) -> Result<HubEvent> {
      return HubEvent{r.u64(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3)};
    });
  }

  Status publish_content(ByteView bundle, std::uint64_t version, std::uint64_t now) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    CIVIC_TRY(db_->exec("LOCK TABLE content IN EXCLUSIVE MODE"));
    CIVIC_ASSIGN(latest, db_->exec("SELECT coalesce(max(version), 0) FROM content"));
    if (latest.u64(0, 0) >= version) {
      return make_error(ErrorCode::kConflict, "content version " + std::to_string(version) +
                                                  " is not newer than the published version " +
                                                  std::to_string(latest.u64(0, 0)));
    }
    CIVIC_TRY(db_->exec("INSERT INTO content (version, bundle, published_at) VALUES ($1, $2, $3)",
                        {p(version), p(bundle), p(now)}));
    return txn.commit();
  }

  Result<std::optional<Bytes>> latest_content() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec("SELECT bundle FROM content ORDER BY version DESC LIMIT 1"));
    if (rows.empty()) return std::optional<Bytes>{};
    return std::optional<Bytes>(rows.bytes(0, 0));
  }

  Result<std::uint64_t> latest_content_version() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec("SELECT coalesce(max(version), 0) FROM content"));
    return rows.u64(0, 0);
  }

  Result<std::uint64_t> record_count() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec("SELECT count(*) FROM records"));
    return rows.u64(0, 0);
  }

  Result<std::uint64_t> record_count(const KioskId& kiosk) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec("SELECT count(*) FROM records WHERE kiosk_id = $1", {p(ByteView(kiosk))}));
    return rows.u64(0, 0);
  }

  Result<std::vector<HubRecord>> records(std::uint64_t after, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec(std::string(kRecordSelect) + " WHERE id > $1 ORDER BY id LIMIT $2",
                                 {p(after), p(limit)}));
    return collect(rows, read_record);
  }

  Result<std::vector<HubRecord>> records_by_receipt(const std::string& receipt) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows,
                 db_->exec(std::string(kRecordSelect) + " WHERE receipt = $1 ORDER BY id", {p(receipt)}));
    return collect(rows, read_record);
  }

  Result<std::vector<HubRecord>> kiosk_records(const KioskId& kiosk, std::uint64_t after_position,
                                               std::size_t limit) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec(std::string(kRecordSelect) +
                                     " WHERE kiosk_id = $1 AND position > $2 ORDER BY position LIMIT $3",
                                 {p(ByteView(kiosk)), p(after_position), p(limit)}));
    return collect(rows, read_record);
  }

  Result<std::optional<HubRecord>> record(std::uint64_t id) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec(std::string(kRecordSelect) + " WHERE id = $1", {p(id)}));
    if (rows.empty()) return std::optional<HubRecord>{};
    CIVIC_ASSIGN(r, read_record(rows, 0));
    return std::optional<HubRecord>(std::move(r));
  }

  Result<std::uint64_t> extend_log() override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    // The writers' lock: no record or import is being stored meanwhile, by this process or another.
    CIVIC_TRY(db_->exec(kWriterLock));
    CIVIC_ASSIGN(last,
                 db_->exec("SELECT leaf, record_id, import_id FROM log_entries ORDER BY leaf DESC LIMIT 1"));
    std::uint64_t size = last.empty() ? 0 : last.u64(0, 0) + 1;
    LogKey after = last.empty() ? LogKey{} : LogKey{last.u64(0, 1), last.u64(0, 2)};
    // New nodes are written at the end; a left sibling is either stored or among them.
    std::vector<std::pair<std::pair<unsigned, std::uint64_t>, Hash32>> pending;
    std::vector<std::uint64_t> entry_leaf, entry_record, entry_import;
    const auto sibling = [&](unsigned level, std::uint64_t index) -> Result<Hash32> {
      for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
        if (it->first == std::pair{level, index}) return it->second;
      }
      CIVIC_ASSIGN(found, db_->exec("SELECT hash FROM log_nodes WHERE level = $1 AND idx = $2",
                                    {p(std::uint64_t{level}), p(index)}));
      if (found.empty()) {
        return make_error(ErrorCode::kCorruptDatabase,
                          "the stored log misses a subtree; restore the hub database "
                          "from a backup");
      }
      return found.fixed<kHashSize>(0, 0);
    };
    const auto append = [&](const LogLeaf& leaf) -> Status {
      entry_leaf.push_back(size);
      entry_record.push_back(leaf.key.record);
      entry_import.push_back(leaf.key.import);
      Hash32 hash = merkle_leaf_hash(leaf.data);
      std::uint64_t index = size;
      for (unsigned level = 0;; ++level) {
        pending.push_back({{level, index}, hash});
        if ((index & 1) == 0) break;
        CIVIC_ASSIGN(left, sibling(level, index - 1));
        hash = merkle_node_hash(left, hash);
        index >>= 1;
      }
      ++size;
      return {};
    };
    const auto flush = [&]() -> Status {
      if (entry_leaf.empty()) return {};
      std::string leaves = "{", records = "{", imports = "{", levels = "{", indexes = "{";
      for (std::size_t i = 0; i < entry_leaf.size(); ++i) {
        const char* sep = i ? "," : "";
        leaves += sep + std::to_string(entry_leaf[i]);
        records += sep + std::to_string(entry_record[i]);
        imports += sep + std::to_string(entry_import[i]);
      }
      Bytes hashes;
      for (std::size_t i = 0; i < pending.size(); ++i) {
        const char* sep = i ? "," : "";
        levels += sep + std::to_string(pending[i].first.first);
        indexes += sep + std::to_string(pending[i].first.second);
        hashes.insert(hashes.end(), pending[i].second.begin(), pending[i].second.end());
      }
      CIVIC_TRY(
          db_->exec("INSERT INTO log_entries (leaf, record_id, import_id) SELECT * FROM unnest($1::bigint[], "
                    "$2::bigint[], $3::bigint[])",
                    {p(leaves + "}"), p(records + "}"), p(imports + "}")}));
      // The hashes go as one byte string, cut into 32-byte pieces by the server.
      CIVIC_TRY(db_->exec(
          "INSERT INTO log_nodes (level, idx, hash) SELECT l, i, substring($3::bytea FROM (n * 32 + 1)::int "
          "FOR 32) FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS t(l, i, k), "
          "LATERAL (SELECT k - 1 AS n) o",
          {p(levels + "}"), p(indexes + "}"), p(ByteView(hashes))}));
      entry_leaf.clear();
      entry_record.clear();
      entry_import.clear();
      pending.clear();
      return {};
    };
    constexpr std::uint64_t kChunk = 4096;
    for (;;) {
      CIVIC_ASSIGN(record_rows,
                   db_->exec("SELECT id, record_hash FROM records WHERE id > $1 ORDER BY id LIMIT $2",
                             {p(after.record), p(kChunk)}));
      CIVIC_ASSIGN(record_leaves, collect(record_rows, [](const Rows& r, int i) -> Result<LogLeaf> {
                     CIVIC_ASSIGN(hash, r.fixed<kHashSize>(i, 1));
                     return LogLeaf{{r.u64(i, 0), 0}, hash};
                   }));
      const bool last_chunk = record_leaves.size() < kChunk;
      const std::uint64_t up_to = last_chunk ? UINT64_MAX >> 1 : record_leaves.back().key.record;
      CIVIC_ASSIGN(import_rows,
                   db_->exec("SELECT after_record, id, leaf FROM online_imports WHERE (after_record > $1 "
                             "OR (after_record = $1 AND id > $2)) AND after_record <= $3 ORDER BY "
                             "after_record, id",
                             {p(after.record), p(after.import), p(up_to)}));
      CIVIC_ASSIGN(import_leaves, collect(import_rows, [](const Rows& r, int i) -> Result<LogLeaf> {
                     CIVIC_ASSIGN(hash, r.fixed<kHashSize>(i, 2));
                     return LogLeaf{{r.u64(i, 0), r.u64(i, 1)}, hash};
                   }));
      std::vector<LogLeaf> leaves;
      leaves.reserve(record_leaves.size() + import_leaves.size());
      std::merge(record_leaves.begin(), record_leaves.end(), import_leaves.begin(), import_leaves.end(),
                 std::back_inserter(leaves),
                 [](const LogLeaf& a, const LogLeaf& b) { return a.key < b.key; });
      for (const auto& leaf : leaves) CIVIC_TRY(append(leaf));
      CIVIC_TRY(flush());
      if (!leaves.empty()) after = leaves.back().key;
      if (last_chunk) break;
    }
    CIVIC_TRY(txn.commit());
    return size;
  }

  Result<Hash32> log_node(unsigned level, std::uint64_t index) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec("SELECT hash FROM log_nodes WHERE level = $1 AND idx = $2",
                                 {p(std::uint64_t{level}), p(index)}));
    if (rows.empty()) {
      return make_error(ErrorCode::kNotFound, "the log has no subtree " + std::to_string(level) + "/" +
                                                  std::to_string(index) + " yet");
    }
    return rows.fixed<kHashSize>(0, 0);
  }

  Result<std::optional<std::uint64_t>> log_leaf_index(LogKey key) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec("SELECT leaf FROM log_entries WHERE record_id = $1 AND import_id = $2",
                                 {p(key.record), p(key.import)}));
    if (rows.empty()) return std::optional<std::uint64_t>{};
    return std::optional(rows.u64(0, 0));
  }

  Result<std::uint64_t> log_import_count() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows,
                 db_->exec("SELECT count(*) FROM online_imports o WHERE EXISTS (SELECT 1 FROM log_entries e "
                           "WHERE e.record_id = o.after_record AND e.import_id = o.id)"));
    return rows.u64(0, 0);
  }

  Result<OnlineImportOutcome> store_online_import(const OnlineImport& in) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    CIVIC_TRY(db_->exec(kWriterLock));  // its place in the log: after the last record stored
    CIVIC_ASSIGN(
        known, db_->exec("SELECT current, imported_at FROM online_imports WHERE source = $1 AND consultation "
                         "= $2 AND file_sha256 = $3",
                         {p(in.source), p(in.consultation), p(ByteView(in.file_sha256))}));
    if (!known.empty()) {
      if (known.u64(0, 0) != 0) return OnlineImportOutcome::kUnchanged;
      return make_error(
          ErrorCode::kConflict,
          "this file was imported for source '" + in.source + "' and consultation '" + in.consultation +
              "' on " + format_utc(known.u64(0, 1)) +
              " and a newer export has replaced it since: an "
              "older export cannot undo a newer one (import the newest export of the platform)");
    }
    CIVIC_ASSIGN(retired,
                 db_->exec("UPDATE online_imports SET current = 0 WHERE source = $1 AND consultation = $2 "
                           "AND current = 1",
                           {p(in.source), p(in.consultation)}));
    const bool replaced = retired.changed() > 0;
    const Hash32 leaf = online_import_leaf_data(in.statement);
    CIVIC_TRY(db_->exec(
        "INSERT INTO online_imports (source, consultation, format, file_sha256, imported_at, rows, "
        "statement, leaf, data, current, after_record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, "
        "(SELECT coalesce(max(id), 0) FROM records))",
        {p(in.source), p(in.consultation), p(in.format), p(ByteView(in.file_sha256)), p(in.imported_at),
         p(in.rows), p(ByteView(in.statement)), p(ByteView(leaf)), p(in.data)}));
    CIVIC_TRY(
        insert_event({in.imported_at, replaced ? "online-import-replaced" : "online-import", "",
                      "source '" + in.source + "', consultation '" + in.consultation + "', " + in.format +
                          ", " + std::to_string(in.rows) + " rows, file SHA-256 " + to_hex(in.file_sha256)}));
    CIVIC_TRY(txn.commit());
    return replaced ? OnlineImportOutcome::kReplaced : OnlineImportOutcome::kStored;
  }

  Result<std::vector<OnlineImport>> online_imports(bool current_only) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(
        rows,
        db_->exec(std::string("SELECT id, source, consultation, format, file_sha256, imported_at, rows, "
                              "statement, data, current, after_record FROM online_imports") +
                  (current_only ? " WHERE current = 1" : "") + " ORDER BY id"));
    return collect(rows, [](const Rows& r, int i) -> Result<OnlineImport> {
      OnlineImport o;
      o.id = r.u64(i, 0);
      o.source = r.text(i, 1);
      o.consultation = r.text(i, 2);
      o.format = r.text(i, 3);
      CIVIC_ASSIGN(hash, r.fixed<kHashSize>(i, 4));
      o.file_sha256 = hash;
      o.imported_at = r.u64(i, 5);
      o.rows = r.u64(i, 6);
      o.statement = r.bytes(i, 7);
      o.data = r.text(i, 8);
      o.current = r.u64(i, 9) != 0;
      o.after_record = r.u64(i, 10);
      return o;
    });
  }

  Status set_consultations(const std::string& json, std::uint64_t now) override {
    std::lock_guard lock(mutex_);
    CIVIC_TRY(db_->exec(
        "INSERT INTO consultation_file (id, json, updated_at) VALUES (1, $1, $2) ON CONFLICT (id) DO "
        "UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
        {p(json), p(now)}));
    return {};
  }

  Result<std::optional<std::string>> consultations() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec("SELECT json FROM consultation_file WHERE id = 1"));
    if (rows.empty()) return std::optional<std::string>{};
    return std::optional<std::string>(rows.text(0, 0));
  }

  Result<std::uint64_t> moderation_scanned_up_to() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec("SELECT coalesce(max(scanned_up_to), 0) FROM moderation_scan"));
    return rows.u64(0, 0);
  }

  Status queue_for_moderation(const std::vector<ModerationItem>& items,
                              std::uint64_t scanned_up_to) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    for (const auto& item : items) {
      // A record already queued, or the same sealed record at another position: nothing new.
      CIVIC_TRY(
          db_->exec("INSERT INTO moderation (record_id, moderation_id, consultation_id, language, status, "
                    "record_hash) VALUES ($1, $2, $3, $4, 'pending', $5) ON CONFLICT DO NOTHING",
                    {p(item.record_id), p(item.moderation_id), p(item.consultation_id), p(item.language),
                     p(ByteView(item.record_hash))}));
    }
    CIVIC_TRY(
        db_->exec("INSERT INTO moderation_scan (id, scanned_up_to) VALUES (1, $1) ON CONFLICT (id) DO UPDATE "
                  "SET scanned_up_to = greatest(moderation_scan.scanned_up_to, excluded.scanned_up_to)",
                  {p(scanned_up_to)}));
    return txn.commit();
  }

  Result<std::vector<ModerationItem>> moderation(const std::string& status) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec(std::string(kModerationSelect) + " WHERE status = $1 ORDER BY record_id",
                                 {p(status)}));
    return collect(rows, read_moderation);
  }

  Result<std::optional<ModerationItem>> moderation_item(const std::string& moderation_id) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows,
                 db_->exec(std::string(kModerationSelect) + " WHERE moderation_id = $1", {p(moderation_id)}));
    if (rows.empty()) return std::optional<ModerationItem>{};
    CIVIC_ASSIGN(item, read_moderation(rows, 0));
    return std::optional<ModerationItem>(std::move(item));
  }

  Status decide(const ModerationItem& d, const ModerationLogEntry& entry) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    // The published text stays after a rejection: a later approval starts from it, so a
    // redaction survives every decision.
    CIVIC_ASSIGN(
        done,
        db_->exec("UPDATE moderation SET status = $1, reason = $2, published_text = $3, redacted = $4, "
                  "decided_at = $5 WHERE moderation_id = $6",
                  {p(d.status), p(d.reason), d.published_text.empty() ? null_param() : p(d.published_text),
                   p(std::uint64_t{d.redacted ? 1u : 0u}), p(d.decided_at), p(d.moderation_id)}));
    if (done.changed() != 1)
      return make_error(ErrorCode::kNotFound, "no idea " + d.moderation_id + " is in moderation");
    CIVIC_TRY(db_->exec(
        "INSERT INTO moderation_log (moderation_id, at, operator, action, reason, redacted) VALUES ($1, "
        "$2, $3, $4, $5, $6)",
        {p(entry.moderation_id), p(entry.at), p(entry.operator_name), p(entry.action), p(entry.reason),
         p(std::uint64_t{entry.redacted ? 1u : 0u})}));
    return txn.commit();
  }

  Result<std::vector<ModerationLogEntry>> moderation_log() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows,
                 db_->exec("SELECT moderation_id, at, operator, action, reason, redacted FROM moderation_log "
                           "ORDER BY id"));
    return collect(rows, [](const Rows& r, int i) -> Result<ModerationLogEntry> {
      return ModerationLogEntry{r.text(i, 0), r.u64(i, 1),  r.text(i, 2),
                                r.text(i, 3), r.text(i, 4), r.u64(i, 5) != 0};
    });
  }

  Result<bool> hold_batch(const HeldBatch& held) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(
        done, db_->exec("INSERT INTO held_batches (kiosk_id, sequence, first_position, record_count, batch, "
                        "received_at, via) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                        {p(ByteView(held.kiosk)), p(held.sequence), p(held.first_position),
                         p(held.record_count), p(ByteView(held.batch)), p(held.received_at), p(held.via)}));
    return done.changed() == 1;
  }

  Result<std::vector<HeldBatch>> held_batches() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows,
                 db_->exec("SELECT " + std::string(kHeldColumns) + ", NULL FROM held_batches ORDER BY id"));
    return collect(rows, read_held);
  }

  Result<std::optional<HeldBatch>> held_batch(std::uint64_t id) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows,
                 db_->exec("SELECT " + std::string(kHeldColumns) + ", batch FROM held_batches WHERE id = $1",
                           {p(id)}));
    if (rows.empty()) return std::optional<HeldBatch>();
    CIVIC_ASSIGN(held, read_held(rows, 0));
    return std::optional<HeldBatch>(std::move(held));
  }

  Status release_held_batch(std::uint64_t id, const HubEvent& decision) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    CIVIC_ASSIGN(done, db_->exec("DELETE FROM held_batches WHERE id = $1", {p(id)}));
    if (done.changed() != 1) return make_error(ErrorCode::kNotFound, "no held batch " + std::to_string(id));
    CIVIC_TRY(insert_event(decision));
    return txn.commit();
  }

  Status store_event_report(const EventReport& e, ByteView bytes, const std::string& via,
                            std::uint64_t now) override {
    std::lock_guard lock(mutex_);
    CIVIC_TRY(db_->exec(
        "INSERT INTO event_reports (kiosk_id, event_id, name, place, date, started_at, closed_at, "
        "headcount, town_hall_records, paper_records, report, received_at, via) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (kiosk_id, event_id) DO UPDATE SET "
        "name = excluded.name, place = excluded.place, date = excluded.date, started_at = "
        "excluded.started_at, closed_at = excluded.closed_at, headcount = excluded.headcount, "
        "town_hall_records = excluded.town_hall_records, paper_records = excluded.paper_records, "
        "report = excluded.report, received_at = excluded.received_at, via = excluded.via",
        {p(ByteView(e.kiosk_id)), p(e.event_id), p(e.name), p(e.place), p(e.date), p(e.started_at),
         p(e.closed_at), p(e.headcount), p(e.town_hall_records), p(e.paper_records), p(bytes), p(now),
         p(via)}));
    return {};
  }

  Result<std::vector<EventReport>> event_reports() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows,
                 db_->exec("SELECT kiosk_id, event_id, name, place, date, started_at, closed_at, headcount, "
                           "town_hall_records, paper_records FROM event_reports ORDER BY started_at"));
    return collect(rows, [](const Rows& r, int i) -> Result<EventReport> {
      CIVIC_ASSIGN(kiosk, r.fixed<kKioskIdSize>(i, 0));
      return EventReport{kiosk,       r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                         r.u64(i, 5), r.u64(i, 6),  r.u64(i, 7),  r.u64(i, 8),  r.u64(i, 9)};
    });
  }

  Result<HealthReportOutcome> store_health_report(const HealthReport& report, ByteView bytes,
                                                  const std::string& via, std::uint64_t now) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    CIVIC_ASSIGN(latest, db_->exec("SELECT max(sequence) FROM health_reports WHERE kiosk_id = $1",
                                   {p(ByteView(report.kiosk_id))}));
    const bool any = !latest.is_null(0, 0);
    const std::uint64_t newest = any ? latest.u64(0, 0) : 0;
    CIVIC_ASSIGN(inserted,
                 db_->exec("INSERT INTO health_reports (kiosk_id, sequence, received_at, via, report) VALUES "
                           "($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                           {p(ByteView(report.kiosk_id)), p(report.sequence), p(now), p(via), p(bytes)}));
    if (inserted.changed() == 0) return HealthReportOutcome::kRepeat;
    // The history stays bounded: the oldest reports beyond the limit go.
    CIVIC_TRY(
        db_->exec("DELETE FROM health_reports WHERE kiosk_id = $1 AND sequence NOT IN (SELECT sequence FROM "
                  "health_reports WHERE kiosk_id = $1 ORDER BY sequence DESC LIMIT $2)",
                  {p(ByteView(report.kiosk_id)), p(kHealthHistoryPerKiosk)}));
    CIVIC_TRY(touch(report.kiosk_id, now));
    CIVIC_TRY(txn.commit());
    return any && report.sequence < newest ? HealthReportOutcome::kOlder : HealthReportOutcome::kLatest;
  }

  Result<std::vector<StoredHealthReport>> health_reports(const KioskId& kiosk, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(
        rows, db_->exec("SELECT h.report, k.public_key, h.received_at, h.via FROM health_reports h JOIN "
                        "kiosks k USING (kiosk_id) WHERE h.kiosk_id = $1 ORDER BY h.sequence DESC LIMIT $2",
                        {p(ByteView(kiosk)), p(limit)}));
    return collect(rows, read_health);
  }

  Result<std::vector<StoredHealthReport>> latest_health_reports() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows,
                 db_->exec("SELECT h.report, k.public_key, h.received_at, h.via FROM health_reports h JOIN "
                           "kiosks k USING (kiosk_id) WHERE h.sequence = (SELECT max(sequence) FROM "
                           "health_reports l WHERE l.kiosk_id = h.kiosk_id)"));
    return collect(rows, read_health);
  }

  Result<std::vector<EnrolmentTokenInfo>> enrolment_tokens() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(
        rows, db_->exec("SELECT label, created_at, expires_at, used_at, used_by FROM enrolment_tokens ORDER "
                        "BY created_at DESC"));
    return collect(rows, [](const Rows& r, int i) -> Result<EnrolmentTokenInfo> {
      EnrolmentTokenInfo t{r.text(i, 0), r.u64(i, 1), r.u64(i, 2), std::nullopt, std::nullopt};
      if (!r.is_null(i, 3)) t.used_at = r.u64(i, 3);
      if (!r.is_null(i, 4)) {
        CIVIC_ASSIGN(kiosk, r.fixed<kKioskIdSize>(i, 4));
        t.used_by = kiosk;
      }
      return t;
    });
  }

  Status add_operator(const OperatorAccount& a) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(done, db_->exec("INSERT INTO operators (name, role, password_hash, failures, locked_until, "
                                 "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                                 {p(a.name), p(a.role), p(a.password_hash), p(a.failures), p(a.locked_until),
                                  p(a.created_at)}));
    if (done.changed() == 0)
      return make_error(ErrorCode::kConflict, "there is already an operator named '" + a.name + "'");
    return {};
  }

  Status update_operator(const OperatorAccount& a) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(
        done,
        db_->exec("UPDATE operators SET role = $1, password_hash = $2, failures = $3, locked_until = $4 "
                  "WHERE name = $5",
                  {p(a.role), p(a.password_hash), p(a.failures), p(a.locked_until), p(a.name)}));
    if (done.changed() == 0)
      return make_error(ErrorCode::kNotFound, "there is no operator named '" + a.name + "'");
    return {};
  }

  Status remove_operator(const std::string& name) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    CIVIC_TRY(db_->exec("DELETE FROM console_sessions WHERE operator = $1", {p(name)}));
    CIVIC_ASSIGN(done, db_->exec("DELETE FROM operators WHERE name = $1", {p(name)}));
    if (done.changed() == 0)
      return make_error(ErrorCode::kNotFound, "there is no operator named '" + name + "'");
    return txn.commit();
  }

  Result<std::optional<OperatorAccount>> operator_account(const std::string& name) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec(std::string(kOperatorSelect) + " WHERE name = $1", {p(name)}));
    if (rows.empty()) return std::optional<OperatorAccount>();
    CIVIC_ASSIGN(account, read_operator(rows, 0));
    return std::optional<OperatorAccount>(std::move(account));
  }

  Result<std::vector<OperatorAccount>> operator_accounts() override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(rows, db_->exec(std::string(kOperatorSelect) + " ORDER BY name"));
    return collect(rows, read_operator);
  }

  Status add_console_session(const ConsoleSession& s, std::uint64_t now) override {
    std::lock_guard lock(mutex_);
    Transaction txn(*db_);
    CIVIC_TRY(txn.begin());
    CIVIC_TRY(db_->exec("DELETE FROM console_sessions WHERE expires_at <= $1", {p(now)}));
    CIVIC_TRY(db_->exec(
        "INSERT INTO console_sessions (token_hash, operator, csrf, created_at, expires_at) VALUES ($1, "
        "$2, $3, $4, $5)",
        {p(ByteView(s.token_hash)), p(s.operator_name), p(s.csrf), p(s.created_at), p(s.expires_at)}));
    return txn.commit();
  }

  Result<std::optional<ConsoleSession>> console_session(const Hash32& token_hash) override {
    std::lock_guard lock(mutex_);
    CIVIC_ASSIGN(
        rows,
        db_->exec("SELECT operator, csrf, created_at, expires_at FROM console_sessions WHERE token_hash = "
                  "$1",
                  {p(ByteView(token_hash))}));
    if (rows.empty()) return std::optional<ConsoleSession>();
    return std::optional<ConsoleSession>(
        ConsoleSession{token_hash, rows.text(0, 0), rows.text(0, 1), rows.u64(0, 2), rows.u64(0, 3)});
  }

  Status remove_console_session(const Hash32& token_hash) override {
    std::lock_guard lock(mutex_);
    CIVIC_TRY(db_->exec("DELETE FROM console_sessions WHERE token_hash = $1", {p(ByteView(token_hash))}));
    return {};
  }

 private:
  Result<std::optional<KioskInfo>> kiosk_locked(const KioskId& id) {
    CIVIC_ASSIGN(rows, db_->exec(std::string(kKioskSelect) + " WHERE k.kiosk_id = $1", {p(ByteView(id))}));
    if (rows.empty()) return std::optional<KioskInfo>{};
    CIVIC_ASSIGN(info, read_kiosk(rows, 0));
    return std::optional<KioskInfo>(info);
  }

  Status insert_event(const HubEvent& e) {
    CIVIC_TRY(db_->exec("INSERT INTO events (at, kind, kiosk, detail) VALUES ($1, $2, $3, $4)",
                        {p(e.at), p(e.kind), p(e.kiosk), p(e.detail)}));
    return {};
  }

  Status touch(const KioskId& id, std::uint64_t now) {
    CIVIC_TRY(
        db_->exec("UPDATE kiosks SET last_contact = $1 WHERE kiosk_id = $2", {p(now), p(ByteView(id))}));
    return {};
  }

  // Refuses the batch and keeps the event (the caller commits a fork's transaction: nothing of the
  // batch is in it).
  Error fork(const BatchHeader& h, std::uint64_t now, const std::string& why) {
    const std::string detail = "batch " + std::to_string(h.sequence) + " (positions from " +
                               std::to_string(h.first_position) + ") refused: " + why;
    (void)insert_event({now, "fork", to_hex(h.kiosk_id), detail});
    return make_error(ErrorCode::kConflict, "kiosk " + to_hex(h.kiosk_id) + ": " + detail +
                                                ". The hub operators have been alerted; do not resend.");
  }

  Result<StoredBatch> store_batch_locked(const ParsedBatch& batch, const AckSigner& sign, std::uint64_t now,
                                         const std::string& via) {
    const BatchHeader& h = batch.header;
    const std::string kiosk_hex = to_hex(h.kiosk_id);
    const std::uint64_t last = batch.last_position();
    const ByteView kiosk_id(h.kiosk_id);

    // A repeat of an accepted batch: the same ack, nothing stored twice.
    CIVIC_ASSIGN(same_seq,
                 db_->exec("SELECT batch_id, ack FROM batches WHERE kiosk_id = $1 AND sequence = $2",
                           {p(kiosk_id), p(h.sequence)}));
    if (!same_seq.empty()) {
      CIVIC_ASSIGN(stored_id, same_seq.fixed<kHashSize>(0, 0));
      if (stored_id == batch.batch_id) {
        CIVIC_TRY(touch(h.kiosk_id, now));
        return StoredBatch{same_seq.bytes(0, 1), true, 0};
      }
      return fork(h, now,
                  "batch " + std::to_string(h.sequence) + " was accepted before with different content");
    }
    CIVIC_ASSIGN(overlap,
                 db_->exec("SELECT count(*) FROM records WHERE kiosk_id = $1 AND position BETWEEN $2 AND $3",
                           {p(kiosk_id), p(h.first_position), p(last)}));
    if (overlap.u64(0, 0) > 0) {
      return fork(h, now,
                  "positions " + std::to_string(h.first_position) + ".." + std::to_string(last) +
                      " overlap records received in another batch");
    }
    CIVIC_ASSIGN(k, kiosk_locked(h.kiosk_id));
    if (!k) return make_error(ErrorCode::kUnauthorized, "kiosk " + kiosk_hex + " is not enrolled");
    if (h.first_position <= k->contiguous_position) {
      return fork(h, now, "positions from " + std::to_string(h.first_position) + " were received already");
    }
    if (h.first_position == k->contiguous_position + 1 && h.previous_head != k->contiguous_head) {
      return fork(h, now,
                  "the batch does not continue the kiosk's chain at position " +
                      std::to_string(k->contiguous_position));
    }
    // A batch stored earlier after a gap must continue from this one.
    CIVIC_ASSIGN(next,
                 db_->exec("SELECT previous_head FROM batches WHERE kiosk_id = $1 AND first_position = $2",
                           {p(kiosk_id), p(last + 1)}));
    if (!next.empty()) {
      CIVIC_ASSIGN(next_prev, next.fixed<kHashSize>(0, 0));
      if (next_prev != h.new_head)
        return fork(h, now, "the batch does not lead into the batch received after it");
    }

    Ack ack{h.kiosk_id,
            h.sequence,
            h.first_position,
            static_cast<std::uint32_t>(batch.records.size()),
            h.new_head,
            batch.batch_id,
            now};
    const Bytes ack_bytes = sign(ack);
    CIVIC_TRY(db_->exec(
        "INSERT INTO batches (kiosk_id, sequence, first_position, record_count, previous_head, "
        "new_head, batch_id, ack, received_at, via) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {p(kiosk_id), p(h.sequence), p(h.first_position), p(batch.records.size()),
         p(ByteView(h.previous_head)), p(ByteView(h.new_head)), p(ByteView(batch.batch_id)),
         p(ByteView(ack_bytes)), p(now), p(via)}));
    // Every record in one statement: arrays of positions, hashes, receipts and the records, the
    // byte strings as one each with their lengths.
    std::string positions = "{", lengths = "{", receipts = "{";
    Bytes hashes, sealed;
    for (std::size_t i = 0; i < batch.records.size(); ++i) {
      const char* sep = i ? "," : "";
      positions += sep + std::to_string(static_cast<std::int64_t>(h.first_position + i));
      lengths += sep + std::to_string(batch.records[i].size());
      receipts += sep + std::string("\"") + make_receipt_code(h.kiosk_id, batch.record_hashes[i]) + "\"";
      hashes.insert(hashes.end(), batch.record_hashes[i].begin(), batch.record_hashes[i].end());
      sealed.insert(sealed.end(), batch.records[i].begin(), batch.records[i].end());
    }
    CIVIC_TRY(
        db_->exec("INSERT INTO records (id, kiosk_id, position, record_hash, receipt, batch_sequence, "
                  "received_at, sealed) "
                  "SELECT m.top + t.n, $1, t.position, substring($4::bytea FROM ((t.n - 1) * 32 + 1)::int "
                  "FOR 32), t.receipt, $6, $7, "
                  "substring($8::bytea FROM (t.start + 1)::int FOR t.length::int) FROM (SELECT "
                  "coalesce(max(id), 0) AS top FROM records) m, "
                  "(SELECT u.position, u.receipt, u.length, u.n, sum(u.length) OVER (ORDER BY u.n) - "
                  "u.length AS start FROM "
                  "unnest($2::bigint[], $3::text[], $5::bigint[]) WITH ORDINALITY AS u(position, receipt, "
                  "length, n)) t",
                  {p(kiosk_id), p(positions + "}"), p(receipts + "}"), p(ByteView(hashes)), p(lengths + "}"),
                   p(h.sequence), p(now), p(ByteView(sealed))}));
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

  Status advance_contiguous(const KioskId& id, const KioskInfo& before, std::uint64_t now) {
    std::uint64_t position = before.contiguous_position;
    Hash32 head = before.contiguous_head;
    bool filled_gap = false;
    for (;;) {
      CIVIC_ASSIGN(next,
                   db_->exec("SELECT previous_head, first_position + record_count - 1, new_head FROM batches "
                             "WHERE kiosk_id = $1 AND first_position = $2",
                             {p(ByteView(id)), p(position + 1)}));
      if (next.empty()) break;
      CIVIC_ASSIGN(prev, next.fixed<kHashSize>(0, 0));
      CIVIC_ASSIGN(new_head, next.fixed<kHashSize>(0, 2));
      if (prev != head) break;  // checked before storing; a mismatch here would have been refused
      if (position != before.contiguous_position) filled_gap = true;
      position = next.u64(0, 1);
      head = new_head;
    }
    if (filled_gap) {
      CIVIC_TRY(insert_event({now, "gap-filled", to_hex(id),
                              "received contiguously up to position " + std::to_string(position)}));
    }
    CIVIC_TRY(
        db_->exec("UPDATE kiosks SET contiguous_position = $1, contiguous_head = $2 WHERE kiosk_id = $3",
                  {p(position), p(ByteView(head)), p(ByteView(id))}));
    return {};
  }

  BatchGroupCommit group_;
  std::mutex mutex_;
  std::unique_ptr<Connection> db_;
};

}  // namespace

Result<std::unique_ptr<HubStore>> open_postgres_hub_store(const std::string& url) {
  CIVIC_TRY(crypto_init());
  CIVIC_ASSIGN(connection, Connection::open(url));
  CIVIC_TRY(connection->exec("SET client_min_messages = warning"));
  auto store = std::make_unique<PostgresHubStore>(std::move(connection));
  CIVIC_TRY(store->init());
  return std::unique_ptr<HubStore>(std::move(store));
}

// The tables in an order that keeps every reference to a row already copied.
constexpr const char* kCopiedTables[] = {
    "kiosks",           "enrolment_tokens",  "batches",        "records",         "events",
    "content",          "consultation_file", "moderation",     "moderation_scan", "event_reports",
    "moderation_log",   "held_batches",      "online_imports", "health_reports",  "operators",
    "console_sessions", "log_entries",       "log_nodes"};

Result<std::vector<std::pair<std::string, std::uint64_t>>> copy_sqlite_store_to_postgres(
    const std::filesystem::path& sqlite_path, const std::string& url) {
  // Opened as a store first: brought to the current schema and checked.
  { CIVIC_ASSIGN(source, open_sqlite_hub_store(sqlite_path)); }
  CIVIC_ASSIGN(target_store, open_postgres_hub_store(url));  // the schema, created when new
  target_store.reset();
  CIVIC_ASSIGN(db, sql::Database::open(sqlite_path, false, "", "hub database " + sqlite_path.string()));
  CIVIC_ASSIGN(pg, Connection::open(url));
  Transaction txn(*pg);
  CIVIC_TRY(txn.begin());
  CIVIC_TRY(pg->exec(kWriterLock));
  for (const char* table : {"kiosks", "records", "events", "operators"}) {
    CIVIC_ASSIGN(rows, pg->exec(std::string("SELECT count(*) FROM ") + table));
    if (rows.u64(0, 0) > 0) {
      return make_error(ErrorCode::kConflict, "the PostgreSQL database holds a hub already (its table " +
                                                  std::string(table) +
                                                  " has rows): migrate into an empty database");
    }
  }
  std::vector<std::pair<std::string, std::uint64_t>> copied;
  for (const char* table : kCopiedTables) {
    CIVIC_ASSIGN(select, db->prepare(std::string("SELECT * FROM ") + table));
    const int columns = select.column_count();
    std::string insert = std::string("INSERT INTO ") + table + " (";
    std::string values;
    for (int c = 0; c < columns; ++c) {
      insert += std::string(c ? ", " : "") + select.column_name(c);
      values += std::string(c ? ", $" : "$") + std::to_string(c + 1);
    }
    insert += ") VALUES (" + values + ")";
    std::uint64_t n = 0;
    for (;;) {
      CIVIC_ASSIGN(row, select.step());
      if (!row) break;
      std::vector<Param> params;
      for (int c = 0; c < columns; ++c) {
        switch (select.column_type(c)) {
          case SQLITE_NULL: params.push_back(null_param()); break;
          case SQLITE_INTEGER: params.push_back({std::to_string(select.int64(c))}); break;
          case SQLITE_BLOB: params.push_back(p(ByteView(select.blob(c)))); break;
          default: params.push_back({select.text(c)}); break;
        }
      }
      CIVIC_TRY(pg->exec(insert, params));
      ++n;
    }
    copied.emplace_back(table, n);
  }
  // Numbering continues after the copied rows.
  for (const char* table : {"events", "moderation_log", "held_batches", "online_imports"}) {
    CIVIC_TRY(pg->exec(std::string("SELECT setval(pg_get_serial_sequence('") + table +
                       "', 'id'), coalesce(max(id), "
                       "0) + 1, false) FROM " +
                       table));
  }
  CIVIC_TRY(txn.commit());
  return copied;
}

Result<std::unique_ptr<HubStore>> open_hub_store(const std::string& url,
                                                 const std::filesystem::path& sqlite_path) {
  if (is_postgres_url(url)) return open_postgres_hub_store(url);
  if (!url.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "[store] url must start with postgresql:// (or be left out for "
                      "the SQLite database in the state directory); it starts with '" +
                          url.substr(0, url.find(':')) + "'");
  }
  return open_sqlite_hub_store(sqlite_path);
}

}  // namespace civic
