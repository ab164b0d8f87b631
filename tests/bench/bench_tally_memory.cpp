// Tally memory as records grow: the peak resident memory of counting 10k, 100k, 1M and 10M
// records fed a page of 10,000 at a time, kiosk by kiosk (as civic-hub tally reads the store),
// beside the peer, the count of the same records held in memory all at once (what the tally did
// before it streamed), at 10k, 100k and 1M. Each figure is measured in a child process of its
// own (peak RSS from wait4). Target: flat from 10k to 10M. The records are opened submissions
// (sealing and opening are bench_tally's business): 10,000 records per kiosk, 50 sessions an
// hour, 1 to 3 supports among 20 ideas, an age answer or none, a tenth on paper cards.
// BENCH_MAX_RECORDS caps the largest run (default 10,000,000).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sync/hub/tally.h"

using namespace civic;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kPerKiosk = 10000;
constexpr std::size_t kPage = 10000;

Content bench_content() {
  std::string ideas;
  for (int i = 1; i <= 20; ++i) {
    ideas += std::string(i > 1 ? "," : "") + R"({"id":"i)" + std::to_string(i) + R"(","text":{"en":"Idea )" +
             std::to_string(i) + "\"}}";
  }
  auto content = parse_content(R"({"format":2,
    "questions":[{"id":"age","label":{"en":"Age"},"answers":[{"id":"young","label":{"en":"Young"}},
                                                          {"id":"old","label":{"en":"Old"}}]}],
    "consultations":[{"id":"c1","title":{"en":"Parks"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":{"method":"support","max_supports":3},"about_you":["age"],"ideas":[)" +
                               ideas + "]}]}");
  if (!content.ok()) {
    std::fprintf(stderr, "bench_tally_memory: %s\n", content.message().c_str());
    std::exit(1);
  }
  return *content;
}

// Record i of the run: which kiosk it is from and what it holds.
OpenedRecord record(std::size_t i) {
  OpenedRecord r;
  r.id = i + 1;
  const std::size_t kiosk = i / kPerKiosk;
  for (std::size_t b = 0; b < 4; ++b) r.kiosk[b] = static_cast<std::uint8_t>(kiosk >> (8 * b));
  Submission& s = r.submission;
  s.consultation_id = "c1";
  for (std::size_t b = 0; b < 8; ++b) s.session_id[b] = static_cast<std::uint8_t>(i >> (8 * b));
  s.language = i % 3 ? "en" : "fr";
  s.channel = i % 10 == 0 ? Channel::kPaper : Channel::kKiosk;
  if (s.channel == Channel::kPaper) s.card_number = std::to_string(i);
  s.coarse_time = 1795000000 / 3600 * 3600 + (i % kPerKiosk / 50) * 3600;
  s.idea = i % 4 == 0 ? "An idea of about forty characters long, as residents write." : "";
  const std::size_t h = i * 2654435761u;
  for (std::size_t k = 0; k < 1 + h % 3; ++k) {
    const std::string id = "i" + std::to_string(1 + (h / 7 + k * (1 + h % 5)) % 20);
    if (std::none_of(s.votes.begin(), s.votes.end(), [&](const Vote& v) { return v.idea_id == id; }))
      s.votes.push_back({id, VoteChoice::kSupport});
  }
  if (h % 3) s.answers = {{"age", h % 3 == 1 ? "old" : "young"}};
  return r;
}

// In a child: counts n records, streamed or all in memory; prints what it counted and how long.
int count_in_child(std::size_t n, bool streamed) {
  const Content content = bench_content();
  const PopulationMargins margins{{{"age", {{"young", 0.4}, {"old", 0.6}}}}};
  const auto t0 = Clock::now();
  Tally t;
  if (streamed) {
    TallyCounter counter(content, &margins, TallyOptions{});
    OpenedRecords page;
    for (std::size_t i = 0; i < n; ++i) {
      page.opened.push_back(record(i));
      const bool kiosk_ends = (i + 1) % kPerKiosk == 0 || i + 1 == n;
      if (page.opened.size() == kPage || kiosk_ends) {
        counter.add(page);
        page.opened.clear();
      }
      if (kiosk_ends) counter.kiosk_done(record(i).kiosk);
    }
    t = counter.finish();
  } else {
    OpenedRecords all;
    all.opened.reserve(n);
    for (std::size_t i = 0; i < n; ++i) all.opened.push_back(record(i));
    t = tally(content, all, &margins);
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto& c = t.consultations.at(0);
  if (c.participants != n || !c.weighted) {
    std::fprintf(stderr, "bench_tally_memory: counted %llu of %zu\n",
                 static_cast<unsigned long long>(c.participants), n);
    return 1;
  }
  std::printf("  %-9s %10zu records counted in %6.1f s (%.0f records/s)\n",
              streamed ? "streamed" : "in memory", n, s, static_cast<double>(n) / s);
  std::fflush(stdout);
  return 0;
}

// Peak RSS in MB of a child counting n records, or a negative number when it failed.
double peak_rss_mb(std::size_t n, bool streamed) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) _exit(count_in_child(n, streamed));
  int status = 0;
  struct rusage usage {};
  if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main() {
  const char* cap = std::getenv("BENCH_MAX_RECORDS");
  const std::size_t max_records = cap ? std::stoul(cap) : 10000000;
  std::printf("tally peak RSS as records grow (%zu records a kiosk, pages of %zu)\n", kPerKiosk, kPage);
  double streamed_base = 0, memory_base = 0;
  for (const std::size_t n :
       {std::size_t{10000}, std::size_t{100000}, std::size_t{1000000}, std::size_t{10000000}}) {
    if (n > max_records) break;
    const double streamed = peak_rss_mb(n, true);
    if (streamed < 0) return 1;
    if (streamed_base == 0) streamed_base = streamed;
    double in_memory = 0;
    if (n <= 1000000) {
      in_memory = peak_rss_mb(n, false);
      if (in_memory < 0) return 1;
      if (memory_base == 0) memory_base = in_memory;
    }
    std::printf("%10zu records: streamed %8.1f MB (%.2fx the 10k figure)", n, streamed,
                streamed / streamed_base);
    if (in_memory > 0) {
      std::printf("   all in memory %8.1f MB (%.2fx the 10k figure)   streamed / in memory %.3f", in_memory,
                  in_memory / memory_base, streamed / in_memory);
    }
    std::printf("\n");
  }
  std::printf("target: streamed flat (10M within 1.5x of 10k)\n");
  return 0;
}
