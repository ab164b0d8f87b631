#include "sqlite.h"

namespace civic::sql {

ErrorCode error_code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL: return ErrorCode::kDiskFull;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM: return ErrorCode::kIo;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return ErrorCode::kCorruptDatabase;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorCode::kBusy;
    case SQLITE_CONSTRAINT: return ErrorCode::kConflict;
    default: return ErrorCode::kInternal;
  }
}

namespace {
std::string advice_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL: return "; the disk is full: free some space, then try again (nothing was half-written)";
    case SQLITE_IOERR: return "; the disk reported an error: check the drive, then try again";
    case SQLITE_CANTOPEN: return "; check that the directory exists and is writable";
    case SQLITE_READONLY:
    case SQLITE_PERM: return "; check the file's permissions";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return "; the file is damaged: keep it for investigation and restore from a backup";
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return "; another program held the database too long: try again";
    default: return "";
  }
}
}  // namespace

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    context_ = std::move(o.context_);
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, ByteView blob) {
  // An empty blob must still be a blob, not NULL.
  static const std::uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, blob.empty() ? &kEmpty : blob.data(), blob.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error e{error_code_for(rc), context_ + ": " + sqlite3_errmsg(db_) + advice_for(rc)};
  sqlite3_reset(stmt_);
  return e;
}

Status Statement::run() {
  auto r = step();
  sqlite3_reset(stmt_);
  if (!r.ok()) return r.error();
  return {};
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Bytes Statement::blob(int column) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? Bytes(p, p + n) : Bytes{};
}

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string{};
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

namespace {
std::function<void(sqlite3*)>& open_hook() {
  static std::function<void(sqlite3*)> hook;
  return hook;
}
}  // namespace

void set_open_hook(std::function<void(sqlite3*)> hook) { open_hook() = std::move(hook); }

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, bool create,
                                                 const std::string& vfs, std::string context,
                                                 int busy_timeout_ms) {
  auto db = std::make_unique<Database>();
  db->context_ = std::move(context);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db->db_, flags, vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string msg = db->db_ ? sqlite3_errmsg(db->db_) : sqlite3_errstr(rc);
    return make_error(error_code_for(rc), db->context_ + ": cannot open: " + msg + advice_for(rc));
  }
  sqlite3_extended_result_codes(db->db_, 1);
  sqlite3_busy_timeout(db->db_, busy_timeout_ms);
  if (open_hook()) open_hook()(db->db_);
  return db;
}

Error Database::error(int rc, std::string_view action) const {
  return Error{error_code_for(rc),
               context_ + ": " + std::string(action) + ": " + sqlite3_errmsg(db_) + advice_for(rc)};
}

Status Database::exec(std::string_view sql) {
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, "statement failed");
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return error(rc, "cannot prepare a statement");
  return Statement(db_, stmt, context_);
}

Result<std::int64_t> Database::query_int(std::string_view sql) {
  CIVIC_ASSIGN(stmt, prepare(sql));
  CIVIC_ASSIGN(row, stmt.step());
  if (!row) return make_error(ErrorCode::kInternal, context_ + ": query returned no row");
  return stmt.int64(0);
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::begin() {
  CIVIC_TRY(db_.exec("BEGIN IMMEDIATE"));
  open_ = true;
  return {};
}

Status Transaction::commit() {
  int rc = sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    // A failed COMMIT may leave the transaction open (e.g. SQLITE_BUSY) or rolled back (e.g.
    // SQLITE_FULL); the destructor's ROLLBACK handles the first and is harmless after the second.
    return db_.error(rc, "cannot commit");
  }
  open_ = false;
  return {};
}

Result<std::int64_t> schema_version(Database& db, const Schema& schema) {
  CIVIC_ASSIGN(app, db.query_int("PRAGMA application_id"));
  CIVIC_ASSIGN(version, db.query_int("PRAGMA user_version"));
  CIVIC_ASSIGN(tables, db.query_int("SELECT count(*) FROM sqlite_schema"));
  const bool empty = app == 0 && version == 0 && tables == 0;
  if (!empty && app != static_cast<std::int64_t>(schema.application_id)) {
    return make_error(ErrorCode::kForeignDatabase, db.context() + " is an SQLite database of some other program; it "
                                                                  "was left untouched: " + schema.foreign_advice);
  }
  const auto latest = static_cast<std::int64_t>(schema.migrations.size());
  if (version > latest) {
    return make_error(ErrorCode::kUnknownVersion,
                      db.context() + " was written by newer software (schema " + std::to_string(version) +
                          ", this software knows up to " + std::to_string(latest) + "); install the newer version");
  }
  return version;
}

Status check_integrity(Database& db, bool full, const std::string& advice) {
  CIVIC_ASSIGN(check, db.prepare(full ? "PRAGMA integrity_check" : "PRAGMA quick_check"));
  CIVIC_ASSIGN(row, check.step());
  if (!row || check.text(0) != "ok") {
    return make_error(ErrorCode::kCorruptDatabase, db.context() + " failed its integrity check (" +
                                                       (row ? check.text(0) : "no answer") + "); " + advice);
  }
  return {};
}

Status migrate(Database& db, const Schema& schema, std::int64_t from) {
  const auto latest = static_cast<std::int64_t>(schema.migrations.size());
  for (std::int64_t v = from; v < latest; ++v) {
    Transaction txn(db);
    CIVIC_TRY(txn.begin());
    CIVIC_TRY(db.exec(schema.migrations[static_cast<std::size_t>(v)]));
    if (v == 0) CIVIC_TRY(db.exec("PRAGMA application_id = " + std::to_string(schema.application_id)));
    CIVIC_TRY(db.exec("PRAGMA user_version = " + std::to_string(v + 1)));
    CIVIC_TRY(txn.commit());
  }
  return {};
}

}  // namespace civic::sql
