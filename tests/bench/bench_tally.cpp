// Tally of sealed records: records per second for the whole tally (open on all cores,
// decode, one ballot per session, counts, breakdowns, raking), beside the raw libsodium
// crypto_box_seal_open rate over the same records on the same cores, measured in the same run.
// Target: the tally runs at 70% or more of the raw rate. BENCH_RECORDS overrides 1,000,000.
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

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

}  // namespace

int main() {
  if (!crypto_init().ok()) return 1;
  const std::size_t n = std::getenv("BENCH_RECORDS") ? std::stoul(std::getenv("BENCH_RECORDS")) : 1000000;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  auto content = parse_content(R"({"format":1,
    "questions":[{"id":"age","label":{"en":"Age"},"answers":[{"id":"young","label":{"en":"Young"}},
                                                          {"id":"old","label":{"en":"Old"}}]}],
    "consultations":[{"id":"c1","title":{"en":"Parks"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":{"method":"support","max_supports":3},"about_you":["age"],
      "ideas":[{"id":"i1","text":{"en":"Shade"}},{"id":"i2","text":{"en":"Water"}},{"id":"i3","text":{"en":"Seats"}}]}]})");
  if (!content.ok()) return 1;
  const SealKeyPair key = generate_seal_key_pair();

  std::printf("sealing %zu records on %u threads...\n", n, threads);
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
    s.votes = {{"i" + std::to_string(1 + i % 3), VoteChoice::kSupport}};
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
  PopulationMargins margins{{{"age", {{"young", 0.5}, {"old", 0.5}}}}};
  const Tally t = tally(*content, opened, &margins);
  const double tally_s = seconds_since(t0);

  if (opened_raw != n || opened.opened.size() != n || t.consultations.at(0).participants != n) {
    std::fprintf(stderr, "bench_tally: not every record was opened and counted\n");
    return 1;
  }
  const double raw_rate = static_cast<double>(n) / raw_s, tally_rate = static_cast<double>(n) / tally_s;
  std::printf("raw crypto_box_seal_open, %u threads: %.0f records/s (%.1f s)\n", threads, raw_rate, raw_s);
  std::printf(
      "tally (open, decode, dedupe, count, breakdowns, raking), %u threads: %.0f records/s (%.1f s)\n",
      threads, tally_rate, tally_s);
  std::printf("tally / raw: %.2f (target >= 0.70); %zu records, %zu participants counted\n",
              tally_rate / raw_rate, n, static_cast<std::size_t>(t.consultations[0].participants));
  return 0;
}
