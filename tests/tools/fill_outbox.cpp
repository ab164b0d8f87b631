// Test tool: seals N submissions to the hub submission key in a kiosk's state directory and
// appends them to its outbox, as the kiosk would after N residents confirmed. Each resident of the
// demo consultation also supports one to three of its ideas and, for some, answers "about you"
// (a fixed pseudo-random pattern with more older residents than the population), so tallies and
// reports have something to show. With CONSULTATION budget-2027 or library-2027 (the demo's budget
// and pairwise consultations), each resident instead chooses projects that fit the budget, or
// makes five comparisons (one "I can't decide"), and one in five adds an idea.
// Usage: fill_outbox STATE_DIR N [MARKER [CONSULTATION]]   (MARKER goes into the ideas)
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>

#include "sync/config/config.h"
#include "sync/keystore/keystore.h"
#include "sync/outbox/outbox.h"

using namespace civic;

int main(int argc, char** argv) {
  if (argc < 3 || !crypto_init().ok()) {
    std::fprintf(stderr, "usage: fill_outbox STATE_DIR N [MARKER]\n");
    return 2;
  }
  KioskConfig config;
  config.state_dir = argv[1];
  const long n = std::stol(argv[2]);
  const std::string marker = argc > 3 ? argv[3] : "idea";
  const std::string consultation = argc > 4 ? argv[4] : "parks-2026";
  auto key = load_signing_key(config.kiosk_secret_key_path(), KeyType::kKioskSigningSecret);
  auto hub = load_submission_public_key(config.hub_submission_key_path());
  if (!key.ok() || !hub.ok()) {
    std::fprintf(stderr, "fill_outbox: %s\n", (!key.ok() ? key.message() : hub.message()).c_str());
    return 1;
  }
  auto ob = Outbox::open(config.outbox_path(), kiosk_id_from_key(key->public_key));
  if (!ob.ok()) {
    std::fprintf(stderr, "fill_outbox: %s\n", ob.message().c_str());
    return 1;
  }
  const auto now = static_cast<std::uint64_t>(std::time(nullptr));
  for (long i = 0; i < n; ++i) {
    Submission s;
    s.consultation_id = consultation;
    s.session_id = random_fixed<16>();
    s.language = i % 2 ? "fr" : "en";
    s.coarse_time = coarsen_time(now);
    s.idea = marker + " " + std::to_string(i);
    // A small linear congruential generator: the same pattern every run.
    std::uint64_t state = static_cast<std::uint64_t>(i) * 6364136223846793005ULL + 1442695040888963407ULL;
    auto next = [&state](std::uint64_t n) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return (state >> 33) % n;
    };
    s.channel = next(10) == 0 ? Channel::kTownHall : next(10) == 0 ? Channel::kPaper : Channel::kKiosk;
    if (s.channel == Channel::kTownHall) s.event_id = "town-hall-1";
    if (s.channel == Channel::kPaper) s.card_number = std::to_string(i);
    if (consultation == "budget-2027") {
      // Projects b-001..b-006 cost 30, 20, 40, 15, 35 and 25 thousand; the budget is 100 thousand.
      const std::uint64_t costs[] = {30000, 20000, 40000, 15000, 35000, 25000};
      std::uint64_t spent = 0;
      for (std::uint64_t k = 0; k < 6; ++k) {
        const std::uint64_t p = (k + i % 3 + next(2)) % 6;
        if (next(3) == 0 || spent + costs[p] > 100000) continue;
        const std::string id = "b-00" + std::to_string(1 + p);
        if (std::any_of(s.votes.begin(), s.votes.end(), [&](const Vote& x) { return x.idea_id == id; })) continue;
        s.votes.push_back({id, VoteChoice::kSelect});
        spent += costs[p];
      }
      if (i % 5 != 0) s.idea.clear();
      if (s.votes.empty() && s.idea.empty()) s.votes.push_back({"b-004", VoteChoice::kSelect});
    } else if (consultation == "library-2027") {
      // Five different pairs of l-001..l-006; the lower number wins two times in three.
      for (std::uint64_t k = 0; s.comparisons.size() < 5 && k < 20; ++k) {
        const std::uint64_t a = next(6), b = next(6);
        const std::string left = "l-00" + std::to_string(1 + a), right = "l-00" + std::to_string(1 + b);
        const bool seen = std::any_of(s.comparisons.begin(), s.comparisons.end(), [&](const Comparison& c) {
          return std::minmax(c.left, c.right) == std::minmax(left, right);
        });
        if (a == b || seen) continue;
        const PairOutcome outcome = s.comparisons.size() == 2 ? PairOutcome::kCannotDecide
                                    : ((a < b) == (next(3) != 0)) ? PairOutcome::kLeft
                                                                  : PairOutcome::kRight;
        s.comparisons.push_back({left, right, outcome});
      }
      if (i % 5 != 0) s.idea.clear();
    } else {
      const std::uint64_t supports = 1 + next(3);
      for (std::uint64_t v = 0; v < supports; ++v) {
        const std::string id = "idea-00" + std::to_string(1 + (v * 2 + next(2) + i) % 6);
        if (std::none_of(s.votes.begin(), s.votes.end(), [&](const Vote& x) { return x.idea_id == id; })) {
          s.votes.push_back({id, VoteChoice::kSupport});
        }
      }
    }
    std::sort(s.votes.begin(), s.votes.end(), [](const Vote& a, const Vote& b) { return a.idea_id < b.idea_id; });
    if (next(3) != 0) {
      const char* ages[] = {"under-25", "25-44", "45-64", "65-74", "65-74", "75-plus", "75-plus", "45-64"};
      const char* areas[] = {"north", "north", "south", "outside"};
      s.answers = {{"age", ages[next(8)]}, {"area", areas[next(4)]}, {"social-media", next(2) ? "yes" : "no"}};
      if (consultation != "parks-2026") s.answers.resize(1);  // the budget and pairwise ones ask the age only
    }
    auto sealed = seal_submission(s, *hub);
    auto r = sealed.ok() ? (*ob)->append(*sealed, now) : Result<AppendedRecord>(sealed.error());
    if (!r.ok()) {
      std::fprintf(stderr, "fill_outbox: %s\n", r.message().c_str());
      return 1;
    }
  }
  return 0;
}
