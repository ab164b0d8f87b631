// Pairwise scores: the Bradley-Terry fit checked against R's BradleyTerry2 (BTm) on the same
// comparisons, with the virtual idea of the estimator as R's reference; and what the score says.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <sstream>

#include "sync/hub/pairwise.h"
#include "tests/hub/run_r.h"

using namespace civic;
using civic::test::run_r;

namespace {

// Comparisons drawn from known strengths with a fixed generator: some pairs often, some never,
// one idea that wins every time it is shown.
PairwiseCounts simulated() {
  const std::vector<std::string> ideas{"i-a", "i-b", "i-c", "i-d", "i-e", "i-f"};
  const double strength[] = {4.0, 2.0, 1.0, 0.7, 0.4, 50.0};
  PairwiseCounts counts(ideas);
  std::uint64_t state = 12345;
  auto uniform = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  for (int n = 0; n < 600; ++n) {
    const auto i = static_cast<std::size_t>(uniform() * 5);  // "i-f" only against a few
    auto j = static_cast<std::size_t>(uniform() * 6);
    if (j == i || (j == 5 && n % 10 != 0)) continue;
    if (uniform() < 0.05) {
      ++counts.cannot_decide[i];
      ++counts.cannot_decide[j];
      continue;
    }
    const bool i_wins = uniform() < strength[i] / (strength[i] + strength[j]);
    ++(i_wins ? counts.wins[i][j] : counts.wins[j][i]);
  }
  return counts;
}

}  // namespace

TEST_CASE("pairwise: strengths and their standard errors are those BradleyTerry2 fits to the same comparisons",
          "[results][pairwise]") {
  const PairwiseCounts counts = simulated();
  const PairwiseFit fit = fit_bradley_terry(counts);
  REQUIRE(fit.converged);
  std::ostringstream p1, p2, w1, w2;
  bool first = true;
  auto add = [&](const std::string& a, const std::string& b, std::uint64_t x, std::uint64_t y) {
    p1 << (first ? "" : ",") << '"' << a << '"';
    p2 << (first ? "" : ",") << '"' << b << '"';
    w1 << (first ? "" : ",") << x;
    w2 << (first ? "" : ",") << y;
    first = false;
  };
  for (std::size_t i = 0; i < counts.ideas.size(); ++i) {
    for (std::size_t j = i + 1; j < counts.ideas.size(); ++j) {
      if (counts.wins[i][j] + counts.wins[j][i] > 0) add(counts.ideas[i], counts.ideas[j], counts.wins[i][j], counts.wins[j][i]);
    }
    add(counts.ideas[i], "virtual", 1, 1);  // the estimator's one win and one loss
  }
  std::ostringstream script;
  script << "suppressMessages(library(BradleyTerry2))\n"
         << "lv <- c(\"i-a\",\"i-b\",\"i-c\",\"i-d\",\"i-e\",\"i-f\",\"virtual\")\n"
         << "df <- data.frame(player1=factor(c(" << p1.str() << "), levels=lv), player2=factor(c(" << p2.str()
         << "), levels=lv), win1=c(" << w1.str() << "), win2=c(" << w2.str() << "))\n"
         << "fit <- BTm(cbind(win1, win2), player1, player2, data=df, refcat=\"virtual\",\n"
         << "           control=glm.control(epsilon=1e-12, maxit=100))\n"
         << "s <- summary(fit)$coefficients\n"
         << "for (i in seq_len(nrow(s))) cat(sub('^\\\\.\\\\.', '', rownames(s)[i]), sprintf('%.12f', s[i,1]), "
            "sprintf('%.12f', s[i,2]), '\\n')\n";
  std::istringstream r(run_r(script.str()));
  std::map<std::string, std::pair<double, double>> by_r;
  std::string name;
  double estimate = 0, se = 0;
  while (r >> name >> estimate >> se) by_r[name] = {estimate, se};
  REQUIRE(by_r.size() == counts.ideas.size());
  for (const auto& s : fit.ideas) {
    INFO(s.id);
    REQUIRE(by_r.count(s.id));
    CHECK(s.log_strength == Approx(by_r[s.id].first).margin(1e-6));
    CHECK(s.log_strength_se == Approx(by_r[s.id].second).margin(1e-5));
  }
}

TEST_CASE("pairwise: the score is the chance of beating a random other idea, with a range that narrows with data",
          "[results][pairwise]") {
  const PairwiseCounts counts = simulated();
  const PairwiseFit fit = fit_bradley_terry(counts);
  // The score from the strengths, by the definition, computed here again.
  for (std::size_t i = 0; i < fit.ideas.size(); ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < fit.ideas.size(); ++j) {
      if (j == i) continue;
      const double pi = std::exp(fit.ideas[i].log_strength), pj = std::exp(fit.ideas[j].log_strength);
      sum += pi / (pi + pj);
    }
    CHECK(fit.ideas[i].score == Approx(sum / 5).margin(1e-12));
    CHECK(fit.ideas[i].score_low <= fit.ideas[i].score);
    CHECK(fit.ideas[i].score_high >= fit.ideas[i].score);
  }
  // The strongest idea by construction comes first among those seen often; "i-f", which always
  // wins but is seen rarely, has the widest range.
  CHECK(fit.ideas[0].score > fit.ideas[1].score);
  CHECK(fit.ideas[1].score > fit.ideas[4].score);
  double widest = 0;
  std::string widest_id;
  for (const auto& s : fit.ideas) {
    if (s.score_high - s.score_low > widest) {
      widest = s.score_high - s.score_low;
      widest_id = s.id;
    }
  }
  CHECK(widest_id == "i-f");
  CHECK(fit.ideas[5].wins == fit.ideas[5].comparisons);
  CHECK(std::isfinite(fit.ideas[5].log_strength));
  std::uint64_t undecided = 0;
  for (auto n : counts.cannot_decide) undecided += n;
  CHECK(fit.cannot_decide == undecided / 2);
}
