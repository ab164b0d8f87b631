// Pairwise ("which is better?") results: a Bradley-Terry fit over every comparison, and for each
// idea the estimated chance it beats a randomly chosen other idea. Pure computation.
//
// The estimator (assets/README.md "Pairwise consultations" says it for operators): each idea i has
// a strength p_i > 0 and wins against j with probability p_i / (p_i + p_j). The strengths maximise
// the likelihood of the decided comparisons ("I can't decide" is counted, not fitted) plus, for
// every idea, one win and one loss against a virtual idea of strength 1: this keeps an idea that
// always wins (or never does) finite, shrinks ideas seen a few times towards the middle, and
// fixes the scale. Fitted by Newton's method on the log strengths (the log-likelihood is strictly
// concave in them), each step halved until the likelihood does not fall, to a change below 1e-10. Score_i = mean over other ideas j of p_i / (p_i + p_j). Its 95% interval is
// score +/- 1.96 standard errors (delta method from the inverse Fisher information in log
// strengths), clipped to [0, 1].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace civic {

struct PairwiseCounts {
  std::vector<std::string> ideas;
  // wins[i][j]: times idea i was chosen over idea j. cannot_decide[i]: "I can't decide" on a pair with i.
  std::vector<std::vector<std::uint64_t>> wins;
  std::vector<std::uint64_t> cannot_decide;

  explicit PairwiseCounts(std::vector<std::string> idea_ids);
  PairwiseCounts() = default;
};

struct PairwiseScore {
  std::string id;
  double log_strength = 0;   // log p_i (the virtual idea is 0)
  double log_strength_se = 0;
  double score = 0;          // chance of beating a randomly chosen other idea
  double score_low = 0, score_high = 0;
  std::uint64_t comparisons = 0;  // decided comparisons it was in
  std::uint64_t wins = 0, cannot_decide = 0;
};

struct PairwiseFit {
  std::vector<PairwiseScore> ideas;  // in the order given
  std::uint64_t comparisons = 0;     // decided
  std::uint64_t cannot_decide = 0;
  int iterations = 0;
  bool converged = false;
};

PairwiseFit fit_bradley_terry(const PairwiseCounts& counts);

}  // namespace civic
