// A thin RAII layer over SQLite for the outbox and the hub store: statements, transactions, and
// SQLite result codes mapped to civic error codes with messages that say what to do.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "sync/protocol/bytes.h"
#include "sync/common/result.h"

namespace civic::sql {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string context) : db_(db), stmt_(stmt), context_(std::move(context)) {}
  Statement(Statement&& o) noexcept { *this = std::move(o); }
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::uint64_t value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, ByteView blob);
  Statement& bind(int index, std::string_view text);
  Statement& bind_null(int index);

  // true: a row is ready; false: done.
  [[nodiscard]] Result<bool> step();
  // Runs to completion, expecting no rows.
  [[nodiscard]] Status run();
  void reset();

  int column_count() const { return sqlite3_column_count(stmt_); }
  const char* column_name(int column) const { return sqlite3_column_name(stmt_, column); }
  int column_type(int column) const { return sqlite3_column_type(stmt_, column); }  // SQLITE_INTEGER, ...
  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::uint64_t uint64(int column) const { return static_cast<std::uint64_t>(int64(column)); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  Bytes blob(int column) const;
  std::string text(int column) const;
  template <std::size_t N>
  Result<FixedBytes<N>> fixed(int column) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    const int n = sqlite3_column_bytes(stmt_, column);
    if (n != static_cast<int>(N) || p == nullptr) {
      return make_error(ErrorCode::kCorruptDatabase, context_ + ": a stored value has the wrong size");
    }
    FixedBytes<N> out{};
    std::copy(p, p + N, out.begin());
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string context_;
};

// Tests only: called with every connection as soon as it is open, before its owner configures
// it, to give it other defaults (as another SQLite build would) and to keep its handle for reading
// settings back. An empty function removes it. Not thread-safe: set it before opening.
void set_open_hook(std::function<void(sqlite3*)> hook);

namespace detail {
template <typename T>
struct RowValue {
  using type = T;
};
template <typename T>
struct RowValue<Result<T>> {
  using type = T;
};
template <typename T>
inline constexpr bool kIsResult = false;
template <typename T>
inline constexpr bool kIsResult<Result<T>> = true;
}  // namespace detail

// Every row `stmt` gives, each turned into a value by `read_row(stmt)` (a value, or a Result whose
// error stops the reading), in order: the one loop over rows.
template <typename ReadRow>
auto collect_rows(Statement& stmt, ReadRow&& read_row)
    -> Result<std::vector<typename detail::RowValue<std::invoke_result_t<ReadRow&, Statement&>>::type>> {
  using Returned = std::invoke_result_t<ReadRow&, Statement&>;
  std::vector<typename detail::RowValue<Returned>::type> out;
  for (;;) {
    auto row = stmt.step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    if constexpr (detail::kIsResult<Returned>) {
      auto value = read_row(stmt);
      if (!value.ok()) return value.error();
      out.push_back(std::move(*value));
    } else {
      out.push_back(read_row(stmt));
    }
  }
}

class Database {
 public:
  Database() = default;
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // `context` starts every error message, e.g. "outbox /var/lib/civic-kiosk/outbox.db". The busy
  // timeout applies from the very first statement: another process may be opening the file too.
  [[nodiscard]] static Result<std::unique_ptr<Database>> open(const std::filesystem::path& path, bool create,
                                                              const std::string& vfs, std::string context,
                                                              int busy_timeout_ms = 5000);

  [[nodiscard]] Status exec(std::string_view sql);
  [[nodiscard]] Result<Statement> prepare(std::string_view sql);
  // A single integer from a query such as "PRAGMA user_version".
  [[nodiscard]] Result<std::int64_t> query_int(std::string_view sql);

  // The civic error for an SQLite result code, with the database's own message.
  Error error(int rc, std::string_view action) const;
  sqlite3* handle() const { return db_; }
  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  const std::string& context() const { return context_; }

 private:
  sqlite3* db_ = nullptr;
  std::string context_;
};

// A database file of one of our programs: application_id says whose it is, user_version which
// schema it has. migrations[v] takes a database at user_version v to v + 1; a shipped step is
// never edited.
struct Schema {
  std::uint32_t application_id;
  std::span<const char* const> migrations;
  std::string foreign_advice;  // what to do when the file is some other program's
};

// The schema version of an empty file (0) or of one of ours; refuses another program's file and
// one written by newer software.
[[nodiscard]] Result<std::int64_t> schema_version(Database& db, const Schema& schema);
// PRAGMA quick_check (or integrity_check when `full`) must say "ok"; `advice` ends the message.
[[nodiscard]] Status check_integrity(Database& db, bool full, const std::string& advice);
// Runs the migrations from `from` to the latest, each in its own transaction; the first also
// sets application_id.
[[nodiscard]] Status migrate(Database& db, const Schema& schema, std::int64_t from);

// BEGIN IMMEDIATE (take the write lock up front, so two writers never deadlock on upgrade);
// rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  ~Transaction();
  [[nodiscard]] Status begin();
  [[nodiscard]] Status commit();

 private:
  Database& db_;
  bool open_ = false;
};

// Maps an SQLite primary result code to the civic error code.
ErrorCode error_code_for(int sqlite_rc);

}  // namespace civic::sql
