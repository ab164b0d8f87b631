// A simulated night: every kiosk of a fleet syncs once, at a moment drawn evenly at random over
// the night's window, through civic-hub serve on loopback, as the agent does: it uploads its
// night of records as one batch, asks for the consistency proof from the checkpoint it kept the
// night before, and asks for the inclusion of its records in the new one. Before the night, every
// kiosk's previous night is uploaded at full speed (the log the night extends; the rate is
// printed). Printed: each sync's time as the kiosk sees it (from its scheduled moment, so a hub
// that falls behind shows), p50, p99 and the longest; the upload's alone; and how much of the
// window the hub used (its CPU time over the window, of one core and of all).
// Defaults: 5,000 kiosks x 200 records, a 4-hour window played 16 times faster (15 minutes, 16x
// the real arrival rate: the hub's share of a real window is the printed share divided by 16).
// BENCH_KIOSKS, BENCH_RECORDS (per kiosk and night), BENCH_SPEEDUP change them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "sync/hub/store.h"
#include "sync/keystore/keystore.h"
#include "sync/protocol/protocol.h"
#include "sync/transparency/log_witness.h"
#include "tests/bench/bench_util.h"
#include "tests/sync/harness.h"

using namespace civic;
using namespace civic::test;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::size_t env_or(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::stoul(v) : fallback;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_night: %s\n", why.c_str());
  std::exit(1);
}

// The hub's CPU time so far, in seconds (utime + stime of /proc/PID/stat).
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct KioskNight {
  SigningKeyPair key;
  std::string batch[2];            // nights 1 and 2
  std::vector<OwnRecord> tonight;  // night 2's records, for the inclusion request
};

}  // namespace

int main() {
  if (!crypto_init().ok()) return 1;
  const std::size_t kiosks = env_or("BENCH_KIOSKS", 5000), records = env_or("BENCH_RECORDS", 200);
  const double speedup = static_cast<double>(env_or("BENCH_SPEEDUP", 16));
  const double window = 4 * 3600 / speedup;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  const auto sub = load_submission_public_key(hub.state() / "hub-submission.pub");
  if (!sub.ok()) die(sub.message());

  // The fleet, enrolled straight into the store (the night is what is measured).
  std::vector<KioskNight> fleet(kiosks);
  {
    auto store = open_sqlite_hub_store(hub.state() / "hub.db");
    if (!store.ok()) die(store.message());
    for (std::size_t k = 0; k < kiosks; ++k) {
      fleet[k].key = generate_signing_key_pair();
      const Hash32 token = random_fixed<32>();
      if (!(*store)->add_enrolment_token(token, "bench", 4000000000, 1).ok() ||
          !(*store)->enrol(token, fleet[k].key.public_key, "kiosk " + std::to_string(k), 1).ok())
        die("enrolment failed");
    }
  }
  std::printf("sealing %zu kiosks x %zu records x 2 nights on %u threads...\n", kiosks, records, cores);
  std::fflush(stdout);
  std::atomic<std::size_t> next_kiosk{0};
  std::vector<std::thread> sealers;
  for (unsigned t = 0; t < cores; ++t) {
    sealers.emplace_back([&] {
      for (std::size_t k; (k = next_kiosk++) < kiosks;) {
        Hash32 head = kGenesisHead;
        for (int night = 0; night < 2; ++night) {
          std::vector<Bytes> sealed;
          for (std::size_t i = 0; i < records; ++i) {
            Submission s;
            s.consultation_id = "parks-2026";
            s.language = "en";
            s.session_id = random_fixed<16>();
            s.votes = {{"i" + std::to_string(1 + i % 3), VoteChoice::kSupport}};
            sealed.push_back(*seal_submission(s, *sub));
            if (night == 1) fleet[k].tonight.push_back({records + i + 1, record_hash(sealed.back())});
          }
          BatchHeader h{kiosk_id_from_key(fleet[k].key.public_key),
                        static_cast<std::uint64_t>(night + 1),
                        night * records + 1,
                        0,
                        head,
                        {}};
          auto encoded = encode_signed_batch(h, sealed, fleet[k].key);
          if (!encoded.ok()) die(encoded.message());
          head = encoded->new_head;
          fleet[k].batch[night] = std::string(as_chars(encoded->bytes));
        }
      }
    });
  }
  for (auto& t : sealers) t.join();

  const auto config = scratch.path / "hub.toml";
  std::ofstream(config) << "[server]\nmax_connections_per_address = 512\n";
  hub.start({"--config", config.string()});

  // The night before, at full speed from 16 connections.
  auto t0 = Clock::now();
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 16; ++t) {
    senders.emplace_back([&] {
      for (std::size_t k; (k = next++) < kiosks;) {
        const auto reply = http_post(hub.port(), "/v1/batches", fleet[k].batch[0]);
        if (reply.status != 200)
          die("night 1 upload: HTTP " + std::to_string(reply.status) + " " + reply.body);
      }
    });
  }
  for (auto& t : senders) t.join();
  const double preload_s = seconds_since(t0);
  std::printf("the night before: %zu records from %zu kiosks at full speed in %.1f s (%.0f records/s)\n",
              kiosks * records, kiosks, preload_s, static_cast<double>(kiosks * records) / preload_s);
  // The checkpoint every kiosk kept: the log as the night before left it.
  const auto first = http_get(hub.port(), "/v1/log/consistency?from=1");
  auto kept = parse_consistency_proof(first.body);
  if (first.status != 200 || !kept.ok()) die("no checkpoint: " + first.body);
  const SigningPublicKey hub_key = hub.signing_key().public_key;

  // The night: each kiosk at its moment; enough senders that none waits for another.
  std::vector<double> at(kiosks);
  std::mt19937_64 rng(42);
  for (auto& a : at) a = std::uniform_real_distribution<double>(0, window)(rng);
  std::sort(at.begin(), at.end());
  std::vector<double> sync_s(kiosks), upload_s(kiosks);
  std::printf("the night: %zu kiosks over %.0f s (4 hours / %.0f)...\n", kiosks, window, speedup);
  std::fflush(stdout);
  const double cpu_before = cpu_seconds(hub.pid());
  next = 0;
  senders.clear();
  t0 = Clock::now();
  for (int t = 0; t < 64; ++t) {
    senders.emplace_back([&] {
      for (std::size_t k; (k = next++) < kiosks;) {
        const auto due =
            t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(at[k]));
        std::this_thread::sleep_until(due);
        const auto upload = http_post(hub.port(), "/v1/batches", fleet[k].batch[1]);
        if (upload.status != 200) die("upload: HTTP " + std::to_string(upload.status) + " " + upload.body);
        upload_s[k] = std::chrono::duration<double>(Clock::now() - due).count();
        const auto c = http_get(hub.port(), "/v1/log/consistency?from=" + std::to_string(kept->second_size));
        auto proof = parse_consistency_proof(c.body);
        if (c.status != 200 || !proof.ok())
          die("consistency: HTTP " + std::to_string(c.status) + " " + c.body);
        auto latest = verify_consistency_proof(*proof, kept->checkpoint, hub_key);
        if (!latest.ok()) die("consistency: " + latest.message());
        const InclusionRequest ask{kiosk_id_from_key(fleet[k].key.public_key), latest->size,
                                   record_ranges(fleet[k].tonight), std::nullopt};
        const auto i =
            http_post(hub.port(), "/v1/log/inclusion", format_inclusion_request(ask), "application/json");
        auto answer = parse_inclusion_answer(i.body);
        if (i.status != 200 || !answer.ok())
          die("inclusion: HTTP " + std::to_string(i.status) + " " + i.body);
        if (auto s = verify_inclusion_answer(*answer, fleet[k].tonight, fleet[k].tonight, *latest); !s.ok())
          die("inclusion: " + s.message());
        sync_s[k] = std::chrono::duration<double>(Clock::now() - due).count();
      }
    });
  }
  for (auto& t : senders) t.join();
  const double night_s = seconds_since(t0), cpu = cpu_seconds(hub.pid()) - cpu_before;
  hub.stop();

  using bench::percentile;
  std::printf(
      "  each sync (upload, consistency proof, inclusion of its %zu records), as the kiosk sees it:\n"
      "    p50 %.1f ms   p99 %.1f ms   longest %.1f ms\n",
      records, percentile(sync_s, 0.5) * 1e3, percentile(sync_s, 0.99) * 1e3,
      *std::max_element(sync_s.begin(), sync_s.end()) * 1e3);
  std::printf("  the upload alone: p50 %.1f ms   p99 %.1f ms\n", percentile(upload_s, 0.5) * 1e3,
              percentile(upload_s, 0.99) * 1e3);
  std::printf(
      "  the night took %.0f s of its %.0f s window; the hub used %.1f CPU s: %.2f%% of one core, %.2f%% of "
      "all %u (at the real rate: %.3f%% of one core)\n",
      night_s, window, cpu, 100 * cpu / window, 100 * cpu / window / cores, cores,
      100 * cpu / window / speedup);
  return 0;
}
