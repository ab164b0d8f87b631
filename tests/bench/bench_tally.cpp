// Tally of sealed records: records per second for the whole tally (open on all cores,
// decode, one ballot per session, counts, breakdowns, raking), beside the raw libsodium
// crypto_box_seal_open rate over the same records on the same cores, measured in the same run.
// Target: the tally runs at 70% or more of the raw rate. Three runs: support ballots
// (1,000,000), budget ballots (1,000,000: greedy and equal shares included) and pairwise
// comparisons (1,000,000 in 100,000 records: the Bradley-Terry fit included). BENCH_RECORDS
// overrides the number of records of each run; BENCH_KIND=support|budget|pairwise runs one.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <tuple>

#include "sync/hub/tally.h"

using namespace civic;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <class Fn>
void on_all_cores(std::size_t n, unsigned threads, Fn&& fn) {
  std::vector<std::thread> pool;
  const std::size_t per = (n + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t * per; i < std::min(n, (t + 1) * per); ++i) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

enum class Kind { kSupport, kBudget, kPairwise };

// One run: seal `n` records of this kind, open them raw, then tally them.
int run(Kind kind, std::size_t n, unsigned threads) {
  const char* name = kind == Kind::kSupport ? "support" : kind == Kind::kBudget ? "budget" : "pairwise";
  std::string ideas;
  for (int i = 1; i <= 20; ++i) {
    ideas += std::string(i > 1 ? "," : "") + R"({"id":"i)" + std::to_string(i) + R"(","text":{"en":"Idea )" +
             std::to_string(i) + "\"}" + (kind == Kind::kBudget ? ",\"cost\":" + std::to_string(10000 * (1 + i % 7)) : "") +
             "}";
  }
  const std::string voting = kind == Kind::kSupport ? R"({"method":"support","max_supports":3})"
                             : kind == Kind::kBudget ? R"({"method":"budget","total":150000,"ballot":"knapsack"})"
                                                     : R"({"method":"pairwise","max_comparisons":10})";
  auto content = parse_content(R"({"format":2,
    "questions":[{"id":"age","label":{"en":"Age"},"answers":[{"id":"young","label":{"en":"Young"}},
                                                          {"id":"old","label":{"en":"Old"}}]}],
    "consultations":[{"id":"c1","title":{"en":"Parks"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":)" + voting + R"(,"about_you":["age"],"ideas":[)" + ideas + "]}]}");
  if (!content.ok()) {
    std::fprintf(stderr, "bench_tally: %s\n", content.message().c_str());
    return 1;
  }
  const SealKeyPair key = generate_seal_key_pair();

  std::printf("[%s] sealing %zu records on %u threads...\n", name, n, threads);
  std::vector<HubRecord> records(n);
  on_all_cores(n, threads, [&](std::size_t i) {
    Submission s;
    s.consultation_id = "c1";
    s.session_id = random_fixed<16>();
    s.language = i % 3 ? "en" : "fr";
    s.channel = i % 10 == 0 ? Channel::kPaper : Channel::kKiosk;
    if (s.channel == Channel::kPaper) s.card_number = std::to_string(i);
    s.coarse_time = 1795000000 / 3600 * 3600 + (i / 50) * 3600;
    s.idea = i % 4 == 0 ? "An idea of about forty characters long." : "";
    if (kind == Kind::kSupport) {
      s.votes = {{"i" + std::to_string(1 + i % 3), VoteChoice::kSupport}};
    } else if (kind == Kind::kBudget) {
      // Three or four projects that fit (costs 10,000 to 70,000; total 150,000), varied by i.
      std::vector<std::string> chosen;
      std::uint64_t spent = 0;
      for (std::size_t k = 0; k < 20 && chosen.size() < 3 + i % 2; ++k) {
        const std::size_t idea = 1 + (i * 7 + k * (1 + i % 5)) % 20;
        const std::uint64_t cost = 10000 * (1 + idea % 7);
        const std::string id = "i" + std::to_string(idea);
        if (spent + cost > 150000 || std::find(chosen.begin(), chosen.end(), id) != chosen.end()) continue;
        chosen.push_back(id);
        spent += cost;
      }
      std::sort(chosen.begin(), chosen.end());
      for (const auto& id : chosen) s.votes.push_back({id, VoteChoice::kSelect});
    } else {
      // Ten comparisons of distinct pairs; idea j beats idea k more often when j is smaller.
      for (std::size_t k = 0; k < 10; ++k) {
        const std::size_t a = 1 + (i + k) % 20, b = 1 + (i + k + 1 + k % 3 + i % 7) % 20;
        if (a == b) continue;
        const std::string left = "i" + std::to_string(a), right = "i" + std::to_string(b);
        const bool dup = std::any_of(s.comparisons.begin(), s.comparisons.end(), [&](const Comparison& c) {
          return std::minmax(c.left, c.right) == std::minmax(left, right);
        });
        if (dup) continue;
        const PairOutcome o = (i + k) % 11 == 0 ? PairOutcome::kCannotDecide
                              : ((a < b) == ((i * 31 + k) % 10 < 7)) ? PairOutcome::kLeft
                                                                      : PairOutcome::kRight;
        s.comparisons.push_back({left, right, o});
      }
    }
    if (i % 2) s.answers = {{"age", i % 5 ? "old" : "young"}};
    records[i].id = i + 1;
    auto sealed = seal_submission(s, key.public_key);
    if (!sealed.ok()) {
      std::fprintf(stderr, "bench_tally: %s\n", sealed.message().c_str());
      std::exit(1);
    }
    records[i].sealed = std::move(*sealed);
  });

  // The peer: crypto_box_seal_open alone, every record, all cores.
  auto t0 = Clock::now();
  std::atomic<std::size_t> opened_raw{0};
  on_all_cores(n, threads, [&](std::size_t i) {
    const Bytes& c = records[i].sealed;
    std::uint8_t plain[32768];
    if (crypto_box_seal_open(plain, c.data(), c.size(), key.public_key.bytes.data(), key.secret.data()) ==
        0) {
      opened_raw.fetch_add(1, std::memory_order_relaxed);
    }
  });
  const double raw_s = seconds_since(t0);

  // Ours: the whole tally.
  t0 = Clock::now();
  const auto opened = open_records(records, key, threads);
  const double open_s = seconds_since(t0);
  PopulationMargins margins{{{"age", {{"young", 0.5}, {"old", 0.5}}}}};
  const Tally t = tally(*content, opened, &margins);
  const double tally_s = seconds_since(t0);

  const ConsultationResult& r = t.consultations.at(0);
  const bool complete = kind == Kind::kBudget ? r.budget && !r.budget->equal_shares.chosen.empty()
                        : kind == Kind::kPairwise ? r.pairwise && r.pairwise->converged
                                                  : true;
  if (opened_raw != n || opened.opened.size() != n || r.participants != n || !complete) {
    std::fprintf(stderr, "bench_tally: not every record was opened and counted (%s: %zu raw, %zu opened, %zu counted, %s)\n",
                 name, opened_raw.load(), opened.opened.size(), static_cast<std::size_t>(r.participants),
                 r.refused_ballots.empty() ? "none refused" : r.refused_ballots.begin()->first.c_str());
    return 1;
  }
  const double raw_rate = static_cast<double>(n) / raw_s, tally_rate = static_cast<double>(n) / tally_s;
  std::printf("[%s] raw crypto_box_seal_open, %u threads: %.0f records/s (%.1f s)\n", name, threads, raw_rate, raw_s);
  std::printf("[%s] tally (open, decode, dedupe, count, breakdowns, raking%s), %u threads: %.0f records/s (%.1f s: "
              "%.1f s opening and decoding, %.1f s counting)\n",
              name, kind == Kind::kBudget ? ", greedy, equal shares" : kind == Kind::kPairwise ? ", Bradley-Terry" : "",
              threads, tally_rate, tally_s, open_s, tally_s - open_s);
  std::printf("[%s] tally / raw: %.2f (target >= 0.70); %zu records, %zu participants counted", name,
              tally_rate / raw_rate, n, static_cast<std::size_t>(r.participants));
  if (kind == Kind::kPairwise) {
    std::printf(", %llu comparisons (%llu undecided), %d iterations",
                static_cast<unsigned long long>(r.pairwise->comparisons + r.pairwise->cannot_decide),
                static_cast<unsigned long long>(r.pairwise->cannot_decide), r.pairwise->iterations);
  }
  if (kind == Kind::kBudget) {
    std::printf(", equal shares: %zu projects, %d completion steps", r.budget->equal_shares.chosen.size(),
                r.budget->equal_shares.completion_steps);
  }
  std::printf("\n");
  return 0;
}

}  // namespace

int main() {
  if (!crypto_init().ok()) return 1;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  const char* only = std::getenv("BENCH_KIND");
  const char* records = std::getenv("BENCH_RECORDS");
  for (const auto& [kind, name, default_n] : {std::tuple{Kind::kSupport, "support", std::size_t{1000000}},
                                              std::tuple{Kind::kBudget, "budget", std::size_t{1000000}},
                                              std::tuple{Kind::kPairwise, "pairwise", std::size_t{100000}}}) {
    if (only && std::string(only) != name) continue;
    if (int rc = run(kind, records ? std::stoul(records) : default_n, threads); rc != 0) return rc;
  }
  return 0;
}
