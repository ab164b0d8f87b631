// Ingest benchmarks of civic-hub serve over loopback, with batches built here (as an independent
// client would) so that only the hub's work is measured:
// 1. one kiosk sending N one-record batches one after the other (default 100,000; BENCH_BATCHES
//    sets N): the rate of each thousand, and the last thousand's rate against the first (target:
//    flat, a ratio of at least 0.8: no step costs more as the kiosk's history grows);
// 2. 16 kiosks at once, each sending one-record batches: accepted records per second (target:
//    at least 2,700/s, ten times the 266/s measured for ODK Central on this kind of machine);
// 3. one kiosk sending 100,000 records in batches of 1,000 (BENCH_BATCHES sets the records): the
//    hub's ingest rate (verify, chain check, store, sign the ack, durable commit; the log takes the
//    records in when a proof is next asked for: bench_log) beside the raw insert of the same rows
//    into SQLite measured in the same run (one transaction, WAL, synchronous FULL, the same
//    columns; once in a table with only its rowid, once with the hub's indexes). Target: 0.40.
// Run beside a PostgreSQL cluster (tests/support/with_postgres.sh, CIVIC_TEST_POSTGRES_URL set:
// the bench label does this with a durable cluster), the hub stores in PostgreSQL and the peer of
// [3] is the same rows inserted into PostgreSQL in one transaction, 1,000 to a statement (the
// store's own way of inserting a batch), into a bare table and into one with the hub's indexes.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "sync/keystore/keystore.h"
#include "sync/protocol/protocol.h"
#include "tests/sync/harness.h"

using namespace civic;
using namespace civic::test;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

SigningKeyPair enrol(HubProcess& hub) {
  SigningKeyPair key = generate_signing_key_pair();
  const std::string body = R"({"token":")" + hub.enrolment_token() + R"(","public_key":")" +
                           to_hex(key.public_key.bytes) + R"(","name":"bench"})";
  if (http_post(hub.port(), "/v1/enroll", body, "application/json").status != 200) {
    std::fprintf(stderr, "bench_ingest: enrolment failed\n");
    std::exit(1);
  }
  return key;
}

// `n` records of one kiosk's chain in batches of `per_batch`, each record sealed on its own.
std::vector<std::string> batches_of(const SigningKeyPair& key, const SealPublicKey& hub_key, int n, int per_batch = 1) {
  std::vector<std::string> out;
  Hash32 head = kGenesisHead;
  for (int first = 0; first < n; first += per_batch) {
    std::vector<Bytes> records;
    for (int i = first; i < std::min(n, first + per_batch); ++i) {
      Submission s;
      s.consultation_id = "parks-2026";
      s.language = "en";
      s.idea = "bench idea " + std::to_string(i);
      records.push_back(*seal_submission(s, hub_key));
    }
    BatchHeader h{kiosk_id_from_key(key.public_key), out.size() + 1, static_cast<std::uint64_t>(first + 1), 0, head, {}};
    auto encoded = encode_signed_batch(h, records, key);
    head = encoded->new_head;
    out.emplace_back(as_chars(encoded->bytes));
  }
  return out;
}

// Records per second of inserting `n` rows like the hub's (kiosk, position, sealed record, hash,
// receipt, sequence, time) in one transaction, WAL, synchronous FULL.
double raw_insert_rate(const std::filesystem::path& file, std::size_t sealed_size, int n, bool hub_indexes) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE records (id INTEGER PRIMARY KEY, "
               "kiosk_id BLOB NOT NULL, position INTEGER NOT NULL, record_hash BLOB NOT NULL, receipt TEXT NOT NULL, "
               "batch_sequence INTEGER NOT NULL, received_at INTEGER NOT NULL, sealed BLOB NOT NULL)",
               nullptr, nullptr, nullptr);
  if (hub_indexes) {
    sqlite3_exec(db, "CREATE UNIQUE INDEX k ON records (kiosk_id, position); CREATE INDEX r ON records (receipt)",
                 nullptr, nullptr, nullptr);
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO records (kiosk_id, position, record_hash, receipt, batch_sequence, received_at, "
                         "sealed) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &st, nullptr);
  const KioskId kiosk = random_fixed<16>();
  const Bytes sealed(sealed_size, 0x5a);
  auto t0 = Clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (int i = 0; i < n; ++i) {
    const Hash32 hash = random_fixed<32>();  // as the hub: a hash per record, a receipt from it
    const std::string receipt = make_receipt_code(kiosk, hash);
    sqlite3_bind_blob(st, 1, kiosk.data(), static_cast<int>(kiosk.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, i + 1);
    sqlite3_bind_blob(st, 3, hash.data(), static_cast<int>(hash.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 4, receipt.data(), static_cast<int>(receipt.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, 1);
    sqlite3_bind_int64(st, 6, 1795000000);
    sqlite3_bind_blob(st, 7, sealed.data(), static_cast<int>(sealed.size()), SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
      std::fprintf(stderr, "bench_ingest: raw insert: %s\n", sqlite3_errmsg(db));
      std::exit(1);
    }
    sqlite3_reset(st);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  const double rate = n / seconds_since(t0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rate;
}
// The same rows into PostgreSQL, 1,000 to an INSERT ... SELECT FROM unnest, one transaction.
double raw_postgres_rate(const std::string& url, std::size_t sealed_size, int n, bool hub_indexes) {
  PGconn* c = PQconnectdb(url.c_str());
  auto run = [&](const std::string& sql, const std::vector<std::string>& params = {}, const std::vector<int>& binary = {}) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (const auto& v : params) {
      values.push_back(v.data());
      lengths.push_back(static_cast<int>(v.size()));
    }
    PGresult* r = PQexecParams(c, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), lengths.data(),
                               binary.empty() ? nullptr : binary.data(), 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      std::fprintf(stderr, "bench_ingest: raw PostgreSQL insert: %s\n", PQerrorMessage(c));
      std::exit(1);
    }
    PQclear(r);
  };
  const std::string table = hub_indexes ? "raw_indexed" : "raw_bare";
  run("CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, kiosk_id BYTEA NOT NULL, position BIGINT NOT NULL, "
      "record_hash BYTEA NOT NULL, receipt TEXT NOT NULL, batch_sequence BIGINT NOT NULL, received_at BIGINT NOT "
      "NULL, sealed BYTEA NOT NULL)");
  if (hub_indexes) {
    run("CREATE UNIQUE INDEX raw_k ON " + table + " (kiosk_id, position)");
    run("CREATE INDEX raw_r ON " + table + " (receipt)");
  }
  const KioskId kiosk = random_fixed<16>();
  const std::string kiosk_bytes(reinterpret_cast<const char*>(kiosk.data()), kiosk.size());
  const std::string one_sealed(sealed_size, 'Z');
  auto t0 = Clock::now();
  run("BEGIN");
  for (int first = 0; first < n; first += 1000) {
    std::string ids = "{", receipts = "{", hashes, sealed;
    for (int i = first; i < std::min(n, first + 1000); ++i) {
      const Hash32 hash = random_fixed<32>();
      ids += (i > first ? "," : "") + std::to_string(i + 1);
      receipts += (i > first ? ",\"" : "\"") + make_receipt_code(kiosk, hash) + "\"";
      hashes.append(reinterpret_cast<const char*>(hash.data()), hash.size());
      sealed += one_sealed;
    }
    run("INSERT INTO " + table + " SELECT t.id, $1, t.id, substring($3::bytea FROM ((t.n - 1) * 32 + 1)::int FOR "
        "32), t.receipt, 1, 1795000000, substring($5::bytea FROM ((t.n - 1) * $6::int + 1)::int FOR $6::int) FROM "
        "unnest($2::bigint[], $4::text[]) WITH ORDINALITY AS t(id, receipt, n)",
        {kiosk_bytes, ids + "}", hashes, receipts + "}", sealed, std::to_string(sealed_size)}, {1, 0, 1, 0, 1, 0});
  }
  run("COMMIT");
  const double rate = n / seconds_since(t0);
  PQfinish(c);
  return rate;
}
}  // namespace

int main() {
  if (!crypto_init().ok()) return 1;
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  // The 16 kiosks of [2] all come from 127.0.0.1 here: the per-address limit is raised for them.
  const auto config = scratch.path / "hub.toml";
  const char* postgres = std::getenv("CIVIC_TEST_POSTGRES_URL");
  std::ofstream(config) << "[server]\nmax_connections_per_address = 64\n"
                        << (postgres ? "[store]\nurl = \"" + std::string(postgres) + "\"\n" : std::string());
  ::setenv("CIVIC_HUB_CONFIG", config.c_str(), 1);  // the hub's command lines (enroll-token) read it too
  std::printf("the hub's store: %s\n", postgres ? "PostgreSQL (beside a throwaway cluster, fsync on)" : "SQLite");
  hub.start({"--config", config.string()});
  const auto sub = load_submission_public_key(hub.state() / "hub-submission.pub");
  const int n = std::getenv("BENCH_BATCHES") ? std::atoi(std::getenv("BENCH_BATCHES")) : 100000;

  // [1] One kiosk, one record per batch.
  const SigningKeyPair key = enrol(hub);
  const auto batches = batches_of(key, *sub, n);
  std::vector<double> per_thousand;
  auto t0 = Clock::now(), window = t0;
  for (int i = 0; i < n; ++i) {
    const auto reply = http_post(hub.port(), "/v1/batches", batches[i]);
    if (reply.status != 200) {
      std::fprintf(stderr, "bench_ingest: batch %d: HTTP %d %s\n", i + 1, reply.status, reply.body.c_str());
      return 1;
    }
    if ((i + 1) % 1000 == 0) {
      per_thousand.push_back(1000 / seconds_since(window));
      window = Clock::now();
    }
  }
  const double total = n / seconds_since(t0);
  std::printf("one kiosk, %d one-record batches in a row (civic-hub serve, loopback)\n", n);
  std::printf("  overall %.0f batches/s\n", total);
  if (per_thousand.size() >= 2) {
    const double first = per_thousand.front(), last = per_thousand.back();
    std::printf("  first thousand %.0f/s, last thousand %.0f/s -> last/first %.2f (target >= 0.80: flat)\n", first,
                last, last / first);
  }

  // [2] 16 kiosks at once.
  constexpr int kKiosks = 16;
  const int each = std::max(1, n / 50);
  std::vector<SigningKeyPair> keys;
  std::vector<std::vector<std::string>> chains;
  for (int k = 0; k < kKiosks; ++k) {
    keys.push_back(enrol(hub));
    chains.push_back(batches_of(keys.back(), *sub, each));
  }
  std::atomic<int> accepted{0}, failed{0};
  auto t1 = Clock::now();
  std::vector<std::thread> threads;
  for (int k = 0; k < kKiosks; ++k) {
    threads.emplace_back([&, k] {
      for (const auto& b : chains[k]) {
        const auto reply = http_post(hub.port(), "/v1/batches", b);
        if (reply.status == 200) {
          ++accepted;
        } else if (failed++ < 3) {
          std::fprintf(stderr, "bench_ingest: kiosk %d: HTTP %d %s\n", k, reply.status, reply.body.c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double rate = accepted / seconds_since(t1);
  std::printf("%d kiosks at once, %d one-record batches each\n", kKiosks, each);
  std::printf("  %.0f records accepted/s (%d accepted, %d failed) -> %.2f of the 2,700/s target\n", rate,
              accepted.load(), failed.load(), rate / 2700);

  // [3] Batches of 1,000, beside the raw insert of the same rows.
  const SigningKeyPair big = enrol(hub);
  const auto big_batches = batches_of(big, *sub, n, 1000);
  auto t2 = Clock::now();
  for (const auto& b : big_batches) {
    const auto reply = http_post(hub.port(), "/v1/batches", b);
    if (reply.status != 200) {
      std::fprintf(stderr, "bench_ingest: batch of 1,000: HTTP %d %s\n", reply.status, reply.body.c_str());
      return 1;
    }
  }
  const double ingest = n / seconds_since(t2);
  const std::size_t sealed_size = big_batches.front().size() / 1000;  // about: the batch is its records
  const double bare = postgres ? raw_postgres_rate(postgres, sealed_size, n, false)
                               : raw_insert_rate(scratch.path / "raw-bare.db", sealed_size, n, false);
  const double indexed = postgres ? raw_postgres_rate(postgres, sealed_size, n, true)
                                  : raw_insert_rate(scratch.path / "raw-indexed.db", sealed_size, n, true);
  std::printf("one kiosk, %d records in batches of 1,000 (civic-hub serve, loopback)\n", n);
  std::printf("  hub ingest %.0f records/s; raw insert of the same rows into %s %.0f/s (bare table), %.0f/s (the hub's "
              "indexes) -> ours/raw %.2f and %.2f (target >= 0.40)\n",
              ingest, postgres ? "PostgreSQL" : "SQLite", bare, indexed, ingest / bare, ingest / indexed);
  hub.stop();
  return failed == 0 ? 0 : 1;
}
