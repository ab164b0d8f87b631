// Ingest benchmarks of civic-hub serve over loopback, with batches built here (as an independent
// client would) so that only the hub's work is measured:
// 1. one kiosk sending N one-record batches one after the other (default 100,000; BENCH_BATCHES
//    sets N): the rate of each thousand, and the last thousand's rate against the first (target:
//    flat, a ratio of at least 0.8: no step costs more as the kiosk's history grows);
// 2. 16 kiosks at once, each sending one-record batches: accepted records per second (target:
//    at least 2,700/s, ten times the 266/s measured for ODK Central on this kind of machine).
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

// `n` one-record batches of one kiosk's chain, each record sealed on its own.
std::vector<std::string> one_record_batches(const SigningKeyPair& key, const SealPublicKey& hub_key, int n) {
  std::vector<std::string> out;
  Hash32 head = kGenesisHead;
  for (int i = 0; i < n; ++i) {
    Submission s;
    s.consultation_id = "parks-2026";
    s.language = "en";
    s.idea = "bench idea " + std::to_string(i);
    const Bytes record = *seal_submission(s, hub_key);
    BatchHeader h{kiosk_id_from_key(key.public_key), static_cast<std::uint64_t>(i + 1),
                  static_cast<std::uint64_t>(i + 1), 0, head, {}};
    auto encoded = encode_signed_batch(h, {record}, key);
    head = encoded->new_head;
    out.emplace_back(as_chars(encoded->bytes));
  }
  return out;
}
}  // namespace

int main() {
  if (!crypto_init().ok()) return 1;
  ScratchDir scratch;
  HubProcess hub(scratch.path / "hub");
  hub.init();
  // The 16 kiosks of [2] all come from 127.0.0.1 here: the per-address limit is raised for them.
  const auto config = scratch.path / "hub.toml";
  std::ofstream(config) << "[server]\nmax_connections_per_address = 64\n";
  hub.start({"--config", config.string()});
  const auto sub = load_submission_public_key(hub.state() / "hub-submission.pub");
  const int n = std::getenv("BENCH_BATCHES") ? std::atoi(std::getenv("BENCH_BATCHES")) : 100000;

  // [1] One kiosk, one record per batch.
  const SigningKeyPair key = enrol(hub);
  const auto batches = one_record_batches(key, *sub, n);
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
    chains.push_back(one_record_batches(keys.back(), *sub, each));
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
  hub.stop();
  return failed == 0 ? 0 : 1;
}
