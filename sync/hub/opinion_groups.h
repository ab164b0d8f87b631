// Opinion groups for agree / disagree / pass consultations, as Pol.is finds them: residents who vote
// alike, what sets each group apart, and the ideas every group leans towards. Pure computation.
//
// The estimator, step by step (assets/README.md says it for operators):
//  1. Matrix: one row per participant with at least `min_votes` votes, one column per idea; agree
//     1, disagree -1, pass 0. An idea a participant did not vote on is filled with that idea's mean
//     vote among those who did (0 when nobody did).
//  2. Principal components: the columns are centred on their means; the two eigenvectors of the
//     covariance matrix with the largest eigenvalues (power iteration with deflation) are the
//     components, each signed so that its largest loading is positive; a participant's position is
//     their centred row projected on them (as R's prcomp(x)$x[, 1:2], up to sign).
//  3. Groups: k-means on the positions for k = 2..5 (Lloyd's algorithm from 32 k-means++ starts
//     of a fixed seed, the lowest within-group sum of squares kept), and the k with the highest
//     mean silhouette (the smaller k on a tie).
//  4. Per group and idea: p = (agree + 1) / (seen + 2) inside the group and outside it; an idea
//     sets a group apart when the group agrees (or disagrees) more than the others, by the ratio of
//     those p. Group-aware consensus of an idea: the product over groups of (agree + 1) / (seen + 2).
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sync/consultation/consultation.h"

namespace civic {

// One participant's votes: idea id -> 1 agree, -1 disagree, 0 pass.
using OpinionVotes = std::map<std::string, int>;

struct DistinguishingIdea {
  std::string idea;
  bool agrees = true;  // the group agrees more than the others (false: disagrees more)
  double share_in = 0, share_out = 0;  // agree (or disagree) share inside and outside the group
};

struct OpinionGroup {
  std::size_t participants = 0;
  std::vector<DistinguishingIdea> distinguishing;  // at most three, most distinctive first
};

struct OpinionGroups {
  std::size_t placed = 0, not_placed = 0;  // participants with and without enough votes
  std::size_t min_votes = 0;
  std::array<std::vector<double>, 2> components;   // loadings, one per idea (ideas in the given order)
  std::vector<std::array<double, 2>> positions;     // per placed participant, in input order
  std::vector<int> group_of;                        // per placed participant: 0..k-1
  int k = 0;                                        // 0: too few participants to find groups
  double silhouette = 0;
  std::vector<OpinionGroup> groups;
  std::vector<std::pair<std::string, double>> consensus;  // every idea, highest first
};

// min_votes: the consultation's (Consultation::min_votes, which kiosks ask residents to reach).
OpinionGroups find_opinion_groups(const std::vector<OpinionVotes>& participants, const std::vector<std::string>& ideas,
                                  std::size_t min_votes = static_cast<std::size_t>(kDefaultMinOpinionVotes));

// Exposed for tests: the filled matrix (step 1) and k-means with silhouette on given points.
std::vector<std::vector<double>> opinion_matrix(const std::vector<OpinionVotes>& placed,
                                                const std::vector<std::string>& ideas);
struct KMeansResult {
  std::vector<int> group_of;
  double within = 0, silhouette = 0;
};
KMeansResult k_means(const std::vector<std::array<double, 2>>& points, int k);

}  // namespace civic
