// Sync benchmarks, real processes on loopback:
// 1. 100,000 records synced by civic-sync to civic-hub serve: records/s end to end and bytes on
//    the wire per record, beside the raw SQLite insert rate of the same blobs (one transaction,
//    WAL) measured in the same run (target: at least 40% of it) and the sealed record size
//    (target: wire bytes at most 1.15x sealed bytes).
// 2. 200 simulated kiosks uploading at once (each 5 batches of 20 records): every batch
//    acknowledged, none lost; p50 and p99 upload latency.
#include <sqlite3.h>

#include <algorithm>

#include "bench_util.h"
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "sync/protocol/protocol.h"
#include "sync/keystore/keystore.h"
#include "tests/sync/harness.h"

using namespace civic;
using namespace civic::test;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double raw_sqlite_rate(const fs::path& dir, const Bytes& blob, int n) {
  sqlite3* db = nullptr;
  sqlite3_open((dir / "raw.db").c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t (b) VALUES (?)", -1, &st, nullptr);
  auto t0 = Clock::now();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (int i = 0; i < n; ++i) {
    sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  const double rate = n / seconds_since(t0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rate;
}

}  // namespace

int main() {
  if (!crypto_init().ok()) return 1;
  ScratchDir scratch;
  // The kiosk's outbox lives on tmpfs so that filling it is quick; the hub stores on disk.
  const fs::path kiosk_dir = fs::path("/dev/shm") / ("civic-bench-kiosk-" + std::to_string(::getpid()));
  HubProcess hub(scratch.path / "hub");
  hub.init();
  // The 200 kiosks of [2] all come from 127.0.0.1 here: the per-address limit is raised for them.
  const fs::path hub_config = scratch.path / "hub.toml";
  std::ofstream(hub_config) << "[server]\nmax_connections_per_address = 512\n";
  hub.start({"--config", hub_config.string()});

  // [1] 100,000 records end to end.
  constexpr int kRecords = 100000;
  FaultProxy counter(hub.port(), [](const std::string&, const std::string&, const std::string&) {
    return FaultProxy::Decision{};
  });
  Kiosk kiosk(kiosk_dir, counter.url());
  kiosk.enroll(hub);
  const int batch_records = std::getenv("BATCH") ? std::atoi(std::getenv("BATCH")) : 1000;
  kiosk.write_config(counter.url(), 1, batch_records);
  kiosk.fill(kRecords);
  const std::uint64_t bytes_before = counter.wire_bytes();
  auto t0 = Clock::now();
  auto run = kiosk.sync({"run", "--once"});
  const double elapsed = seconds_since(t0);
  if (run.exit_code != 0 || hub.record_count() != kRecords) {
    std::fprintf(stderr, "sync failed: %s\n", run.output.c_str());
    return 1;
  }
  const double wire_per_record = static_cast<double>(counter.wire_bytes() - bytes_before) / kRecords;
  const std::size_t sealed = 512 + kSealOverhead;
  const double ours = kRecords / elapsed;
  const double raw = raw_sqlite_rate(scratch.path, Bytes(sealed, 0x5a), kRecords);
  std::printf("sync %d records over loopback (civic-sync run --once -> civic-hub serve, batches of %d)\n", kRecords,
              batch_records);
  std::printf("  end to end:                 %9.0f records/s (%.1f s)\n", ours, elapsed);
  std::printf("  raw SQLite insert (peer):   %9.0f records/s  -> ours/raw %.2f (target >= 0.40)\n", raw, ours / raw);
  std::printf("  wire bytes per record:      %9.1f  sealed record %zu bytes -> ratio %.3f (target <= 1.15)\n",
              wire_per_record, sealed, wire_per_record / static_cast<double>(sealed));
  std::fflush(stdout);
  fs::remove_all(kiosk_dir);

  // [2] 200 kiosks at once.
  constexpr int kKiosks = 200, kBatches = 5, kPerBatch = 20;
  const auto sub = load_submission_public_key(hub.state() / "hub-submission.pub");
  const auto hub_signing = hub.signing_key().public_key;
  std::vector<SigningKeyPair> keys;
  for (int i = 0; i < kKiosks; ++i) {
    keys.push_back(generate_signing_key_pair());
    const std::string body = R"({"token":")" + hub.enrolment_token() + R"(","public_key":")" +
                             to_hex(keys.back().public_key.bytes) + R"(","name":"sim"})";
    if (http_post(hub.port(), "/v1/enroll", body, "application/json").status != 200) return 1;
  }
  Submission s;
  s.consultation_id = "parks-2026";
  s.language = "en";
  s.idea = "simulated";
  const Bytes record = *seal_submission(s, *sub);
  std::vector<std::vector<double>> latencies(kKiosks);
  std::atomic<int> acked{0}, failed{0};
  auto t1 = Clock::now();
  std::vector<std::thread> threads;
  for (int k = 0; k < kKiosks; ++k) {
    threads.emplace_back([&, k] {
      Hash32 head = kGenesisHead;
      std::vector<Bytes> records(kPerBatch, record);
      for (int b = 0; b < kBatches; ++b) {
        BatchHeader h{kiosk_id_from_key(keys[k].public_key), static_cast<std::uint64_t>(b + 1),
                      static_cast<std::uint64_t>(b * kPerBatch + 1), 0, head, {}};
        auto encoded = encode_signed_batch(h, records, keys[k]);
        head = encoded->new_head;
        auto start = Clock::now();
        auto reply = http_post(hub.port(), "/v1/batches", std::string(as_chars(encoded->bytes)));
        latencies[k].push_back(seconds_since(start) * 1000);
        auto ack = reply.status == 200 ? verify_ack(as_bytes(reply.body), hub_signing) : Result<Ack>(Error{});
        if (ack.ok() && ack->batch_id == encoded->batch_id) {
          ++acked;
        } else {
          ++failed;
          std::fprintf(stderr, "kiosk %d batch %d: HTTP %d %s\n", k, b + 1, reply.status, reply.body.substr(0, 200).c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double wall = seconds_since(t1);
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  const std::uint64_t stored = hub.record_count() - kRecords;
  std::printf("%d kiosks uploading at once, %d batches of %d records each\n", kKiosks, kBatches, kPerBatch);
  std::printf("  batches acknowledged %d of %d, failed %d; records stored %llu of %d (%s)\n", acked.load(),
              kKiosks * kBatches, failed.load(), static_cast<unsigned long long>(stored), kKiosks * kBatches * kPerBatch,
              stored == static_cast<std::uint64_t>(kKiosks * kBatches * kPerBatch) && failed == 0 ? "none lost" : "LOST");
  std::printf("  upload latency p50 %.1f ms, p99 %.1f ms; %.0f batches/s overall\n", bench::percentile(all, 0.5),
              bench::percentile(all, 0.99), kKiosks * kBatches / wall);
  hub.stop();
  return failed == 0 ? 0 : 1;
}
