// The transparency log at scale (HubStore's stored tree): for logs of 10 thousand, 1 million and
// 10 million leaves (BENCH_LOG_SIZES, comma-separated, changes them), the time of a root
// (checkpoint), an inclusion proof and a consistency proof, and of extending the log by 1,000
// leaves; and the ratio of the largest size's times to the smallest's (target: flat, within 3x,
// where a tree rebuilt for every request grows 1,000x). The records are written straight into
// the store's database (a hub would take hours to receive 10 million); the log is built from
// them by the store, as a hub does.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "sync/hub/store.h"
#include "sync/protocol/protocol.h"
#include "tests/temp_dir.h"

using namespace civic;
using Clock = std::chrono::steady_clock;

namespace {
double us_since(Clock::time_point t) { return std::chrono::duration<double, std::micro>(Clock::now() - t).count(); }

// Appends records first..last (ids) of one kiosk, with distinct record hashes, in one transaction.
void insert_records(const std::filesystem::path& db_path, std::uint64_t first, std::uint64_t last) {
  sqlite3* db = nullptr;
  sqlite3_open(db_path.c_str(), &db);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO records (id, kiosk_id, position, record_hash, receipt, batch_sequence, received_at, "
                     "sealed) VALUES (?, x'00112233445566778899aabbccddeeff', ?, ?, 'bench', 1, 0, x'')",
                     -1, &st, nullptr);
  for (std::uint64_t id = first; id <= last; ++id) {
    Hash32 h{};
    for (int b = 0; b < 8; ++b) h[b] = static_cast<std::uint8_t>(id >> (8 * b));
    sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(id));
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(id));
    sqlite3_bind_blob(st, 3, h.data(), 32, SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

struct Figures {
  std::uint64_t size = 0;
  double root_us = 0, inclusion_us = 0, consistency_us = 0, extend_per_leaf_us = 0, build_s = 0;
};

Figures measure(std::uint64_t n) {
  test::TempDir dir("bench-log");
  const auto db_path = dir.path / "hub.db";
  { auto store = open_sqlite_hub_store(db_path); }  // the schema
  insert_records(db_path, 1, n);
  auto store = open_sqlite_hub_store(db_path);
  if (!store.ok()) std::exit(1);
  Figures f;
  auto t0 = Clock::now();
  auto size = (*store)->extend_log();
  f.build_s = us_since(t0) / 1e6;
  if (!size.ok() || *size != n) {
    std::fprintf(stderr, "bench_log: extend_log: %s\n", size.ok() ? "wrong size" : size.message().c_str());
    std::exit(1);
  }
  f.size = n;
  const StoredLogTree log(**store);
  constexpr int kRounds = 200;
  t0 = Clock::now();
  for (int i = 0; i < kRounds; ++i) (void)merkle_root_at(log, n - static_cast<std::uint64_t>(i));
  f.root_us = us_since(t0) / kRounds;
  t0 = Clock::now();
  for (int i = 0; i < kRounds; ++i) (void)merkle_inclusion_proof_at(log, (n / kRounds) * static_cast<std::uint64_t>(i), n);
  f.inclusion_us = us_since(t0) / kRounds;
  t0 = Clock::now();
  for (int i = 0; i < kRounds; ++i) (void)merkle_consistency_proof_at(log, n / 2 + static_cast<std::uint64_t>(i), n);
  f.consistency_us = us_since(t0) / kRounds;
  // A night's growth: 1,000 more records, then the log extended.
  insert_records(db_path, n + 1, n + 1000);
  t0 = Clock::now();
  if (!(*store)->extend_log().ok()) std::exit(1);
  f.extend_per_leaf_us = us_since(t0) / 1000;
  return f;
}
}  // namespace

int main() {
  if (!crypto_init().ok()) return 1;
  std::vector<std::uint64_t> sizes;
  std::stringstream list(std::getenv("BENCH_LOG_SIZES") ? std::getenv("BENCH_LOG_SIZES") : "10000,1000000,10000000");
  for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::stoull(item));
  std::vector<Figures> all;
  std::printf("transparency log stored in SQLite: per operation, averaged over 200\n");
  std::printf("%12s %12s %14s %16s %18s %12s\n", "leaves", "root (us)", "inclusion (us)", "consistency (us)",
              "extend (us/leaf)", "build (s)");
  for (const auto n : sizes) {
    all.push_back(measure(n));
    const auto& f = all.back();
    std::printf("%12llu %12.1f %14.1f %16.1f %18.1f %12.1f\n", static_cast<unsigned long long>(f.size), f.root_us,
                f.inclusion_us, f.consistency_us, f.extend_per_leaf_us, f.build_s);
    std::fflush(stdout);
  }
  if (all.size() >= 2) {
    const auto& a = all.front();
    const auto& b = all.back();
    std::printf("largest/smallest (%llu / %llu leaves, %.0fx the leaves): root %.2f, inclusion %.2f, consistency %.2f, "
                "extend %.2f (target: each within 3)\n",
                static_cast<unsigned long long>(b.size), static_cast<unsigned long long>(a.size),
                static_cast<double>(b.size) / static_cast<double>(a.size), b.root_us / a.root_us,
                b.inclusion_us / a.inclusion_us, b.consistency_us / a.consistency_us,
                b.extend_per_leaf_us / a.extend_per_leaf_us);
  }
  return 0;
}
