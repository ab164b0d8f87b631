#include "opinion_groups.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

namespace civic {

namespace {

using Matrix = std::vector<std::vector<double>>;

// A small fixed-seed generator (splitmix64): the same groups every run.
struct Random {
  std::uint64_t state;
  double next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) / 9007199254740992.0;  // [0, 1)
  }
};

double distance2(const std::array<double, 2>& a, const std::array<double, 2>& b) {
  return (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]);
}

// Every eigenvalue and eigenvector of the symmetric matrix `a`, by cyclic Jacobi rotations
// (exact to rounding for the small matrices here: one row and column per idea). Column j of the
// returned vectors belongs to value j.
std::pair<std::vector<double>, Matrix> symmetric_eigen(Matrix a) {
  const std::size_t m = a.size();
  Matrix v(m, std::vector<double>(m, 0.0));
  for (std::size_t i = 0; i < m; ++i) v[i][i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (std::size_t p = 0; p < m; ++p) {
      for (std::size_t q = p + 1; q < m; ++q) off += a[p][q] * a[p][q];
    }
    if (off < 1e-30) break;
    for (std::size_t p = 0; p < m; ++p) {
      for (std::size_t q = p + 1; q < m; ++q) {
        if (std::abs(a[p][q]) < 1e-300) continue;
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < m; ++k) {  // columns p and q
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < m; ++k) {  // rows p and q
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < m; ++k) {
          const double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<double> values(m);
  for (std::size_t i = 0; i < m; ++i) values[i] = a[i][i];
  return {values, v};
}

double silhouette(const std::vector<std::array<double, 2>>& points, const std::vector<int>& group_of, int k) {
  const std::size_t n = points.size();
  std::vector<std::size_t> sizes(static_cast<std::size_t>(k), 0);
  for (int g : group_of) ++sizes[static_cast<std::size_t>(g)];
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> sum(static_cast<std::size_t>(k), 0.0);
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) sum[static_cast<std::size_t>(group_of[j])] += std::sqrt(distance2(points[i], points[j]));
    }
    const auto own = static_cast<std::size_t>(group_of[i]);
    if (sizes[own] <= 1) continue;  // a point alone in its group has silhouette 0
    const double a = sum[own] / static_cast<double>(sizes[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (std::size_t g = 0; g < sizes.size(); ++g) {
      if (g != own && sizes[g] > 0) b = std::min(b, sum[g] / static_cast<double>(sizes[g]));
    }
    const double s = std::max(a, b) > 0 ? (b - a) / std::max(a, b) : 0.0;
    total += s;
  }
  return n > 0 ? total / static_cast<double>(n) : 0.0;
}

double agree_share(int agree, int seen) { return (agree + 1.0) / (seen + 2.0); }

}  // namespace

Matrix opinion_matrix(const std::vector<OpinionVotes>& placed, const std::vector<std::string>& ideas) {
  Matrix x(placed.size(), std::vector<double>(ideas.size(), 0.0));
  for (std::size_t j = 0; j < ideas.size(); ++j) {
    double sum = 0;
    std::size_t seen = 0;
    for (const auto& p : placed) {
      if (auto it = p.find(ideas[j]); it != p.end()) {
        sum += it->second;
        ++seen;
      }
    }
    const double mean = seen ? sum / static_cast<double>(seen) : 0.0;
    for (std::size_t i = 0; i < placed.size(); ++i) {
      auto it = placed[i].find(ideas[j]);
      x[i][j] = it != placed[i].end() ? it->second : mean;
    }
  }
  return x;
}

KMeansResult k_means(const std::vector<std::array<double, 2>>& points, int k) {
  const std::size_t n = points.size();
  const auto groups = static_cast<std::size_t>(k);
  KMeansResult best;
  best.within = std::numeric_limits<double>::infinity();
  Random random{0x636976696B696F73ULL};  // "civikios"
  for (int start = 0; start < 32; ++start) {
    // k-means++: the first centre at random, each next one far from those chosen.
    std::vector<std::array<double, 2>> centres{points[static_cast<std::size_t>(random.next() * static_cast<double>(n))]};
    while (centres.size() < groups) {
      std::vector<double> d(n);
      double total = 0;
      for (std::size_t i = 0; i < n; ++i) {
        d[i] = std::numeric_limits<double>::infinity();
        for (const auto& c : centres) d[i] = std::min(d[i], distance2(points[i], c));
        total += d[i];
      }
      double pick = random.next() * total;
      std::size_t chosen = n - 1;
      for (std::size_t i = 0; i < n; ++i) {
        if ((pick -= d[i]) < 0) {
          chosen = i;
          break;
        }
      }
      centres.push_back(points[chosen]);
    }
    std::vector<int> group_of(n, -1);
    for (int round = 0; round < 300; ++round) {
      bool moved = false;
      for (std::size_t i = 0; i < n; ++i) {
        int nearest = 0;
        for (std::size_t g = 1; g < groups; ++g) {
          if (distance2(points[i], centres[g]) < distance2(points[i], centres[static_cast<std::size_t>(nearest)]))
            nearest = static_cast<int>(g);
        }
        if (nearest != group_of[i]) {
          group_of[i] = nearest;
          moved = true;
        }
      }
      if (!moved) break;
      std::vector<std::array<double, 2>> sum(groups, {0, 0});
      std::vector<std::size_t> count(groups, 0);
      for (std::size_t i = 0; i < n; ++i) {
        const auto g = static_cast<std::size_t>(group_of[i]);
        sum[g][0] += points[i][0];
        sum[g][1] += points[i][1];
        ++count[g];
      }
      for (std::size_t g = 0; g < groups; ++g) {
        if (count[g] > 0) centres[g] = {sum[g][0] / static_cast<double>(count[g]), sum[g][1] / static_cast<double>(count[g])};
      }
    }
    double within = 0;
    for (std::size_t i = 0; i < n; ++i) within += distance2(points[i], centres[static_cast<std::size_t>(group_of[i])]);
    if (within < best.within - 1e-12) {
      best.within = within;
      best.group_of = group_of;
    }
  }
  best.silhouette = silhouette(points, best.group_of, k);
  return best;
}

OpinionGroups find_opinion_groups(const std::vector<OpinionVotes>& participants, const std::vector<std::string>& ideas,
                                  std::size_t min_votes) {
  OpinionGroups out;
  out.min_votes = min_votes;
  std::vector<OpinionVotes> placed;
  for (const auto& p : participants) {
    if (p.size() >= min_votes) placed.push_back(p);
  }
  out.placed = placed.size();
  out.not_placed = participants.size() - placed.size();
  const std::size_t n = placed.size(), m = ideas.size();

  // Consensus needs no groups: with one group, it is every idea's agree share.
  auto consensus_over = [&](const std::vector<int>& group_of, int k) {
    std::vector<std::pair<std::string, double>> c;
    for (const auto& idea : ideas) {
      double product = 1;
      for (int g = 0; g < std::max(k, 1); ++g) {
        int agree = 0, seen = 0;
        for (std::size_t i = 0; i < n; ++i) {
          if (k > 0 && group_of[i] != g) continue;
          if (auto it = placed[i].find(idea); it != placed[i].end()) {
            ++seen;
            agree += it->second == 1 ? 1 : 0;
          }
        }
        product *= agree_share(agree, seen);
      }
      c.emplace_back(idea, product);
    }
    std::stable_sort(c.begin(), c.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return c;
  };
  if (n < 4 || m < 2) {
    out.consensus = consensus_over({}, 0);
    return out;
  }

  // Components of the centred matrix.
  Matrix x = opinion_matrix(placed, ideas);
  for (std::size_t j = 0; j < m; ++j) {
    double mean = 0;
    for (std::size_t i = 0; i < n; ++i) mean += x[i][j];
    mean /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) x[i][j] -= mean;
  }
  Matrix cov(m, std::vector<double>(m, 0.0));
  for (std::size_t a = 0; a < m; ++a) {
    for (std::size_t b = 0; b < m; ++b) {
      for (std::size_t i = 0; i < n; ++i) cov[a][b] += x[i][a] * x[i][b];
      cov[a][b] /= static_cast<double>(n - 1);
    }
  }
  const auto eigen = symmetric_eigen(cov);
  const std::vector<double>& values = eigen.first;
  const Matrix& vectors = eigen.second;
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
  for (std::size_t c = 0; c < 2; ++c) {
    std::vector<double> v(m);
    for (std::size_t i = 0; i < m; ++i) v[i] = vectors[i][order[c]];
    // Signed so that the largest loading is positive.
    const auto largest =
        std::max_element(v.begin(), v.end(), [](double p, double q) { return std::abs(p) < std::abs(q); });
    if (*largest < 0) {
      for (double& loading : v) loading = -loading;
    }
    out.components[c] = std::move(v);
  }
  out.positions.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < 2; ++c) {
      out.positions[i][c] = std::inner_product(x[i].begin(), x[i].end(), out.components[c].begin(), 0.0);
    }
  }

  // Groups: the k with the best silhouette.
  out.silhouette = -2;
  for (int k = 2; k <= 5 && static_cast<std::size_t>(k) < n; ++k) {
    KMeansResult r = k_means(out.positions, k);
    if (r.silhouette > out.silhouette + 1e-12) {
      out.silhouette = r.silhouette;
      out.k = k;
      out.group_of = r.group_of;
    }
  }
  out.groups.resize(static_cast<std::size_t>(out.k));
  for (int g : out.group_of) ++out.groups[static_cast<std::size_t>(g)].participants;
  for (int g = 0; g < out.k; ++g) {
    std::vector<std::pair<double, DistinguishingIdea>> candidates;  // ratio, idea
    for (const auto& idea : ideas) {
      int agree_in = 0, disagree_in = 0, seen_in = 0, agree_out = 0, disagree_out = 0, seen_out = 0;
      for (std::size_t i = 0; i < n; ++i) {
        auto it = placed[i].find(idea);
        if (it == placed[i].end()) continue;
        const bool in = out.group_of[i] == g;
        (in ? seen_in : seen_out) += 1;
        if (it->second == 1) (in ? agree_in : agree_out) += 1;
        if (it->second == -1) (in ? disagree_in : disagree_out) += 1;
      }
      const double ra = agree_share(agree_in, seen_in) / agree_share(agree_out, seen_out);
      const double rd = agree_share(disagree_in, seen_in) / agree_share(disagree_out, seen_out);
      const bool agrees = ra >= rd;
      if (std::max(ra, rd) <= 1.0) continue;
      auto share = [](int part, int seen) { return seen ? static_cast<double>(part) / seen : 0.0; };
      candidates.push_back({std::max(ra, rd), DistinguishingIdea{idea, agrees, share(agrees ? agree_in : disagree_in, seen_in),
                                                                 share(agrees ? agree_out : disagree_out, seen_out)}});
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t c = 0; c < candidates.size() && c < 3; ++c)
      out.groups[static_cast<std::size_t>(g)].distinguishing.push_back(candidates[c].second);
  }
  out.consensus = consensus_over(out.group_of, out.k);
  return out;
}

}  // namespace civic
