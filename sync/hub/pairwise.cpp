#include "pairwise.h"

#include <algorithm>
#include <cmath>

namespace civic {

namespace {
constexpr int kMaxIterations = 100;
constexpr double kTolerance = 1e-10;
constexpr double kPriorGames = 1;  // one win and one loss against the virtual idea

// Inverts a symmetric positive definite matrix (Gauss-Jordan with partial pivoting); the
// matrices here are one row per idea, so small.
std::vector<std::vector<double>> inverse(std::vector<std::vector<double>> a) {
  const std::size_t n = a.size();
  std::vector<std::vector<double>> inv(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) inv[i][i] = 1;
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r) {
      if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
    }
    std::swap(a[col], a[pivot]);
    std::swap(inv[col], inv[pivot]);
    const double d = a[col][col];
    for (std::size_t c = 0; c < n; ++c) {
      a[col][c] /= d;
      inv[col][c] /= d;
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (r == col || a[r][col] == 0) continue;
      const double f = a[r][col];
      for (std::size_t c = 0; c < n; ++c) {
        a[r][c] -= f * a[col][c];
        inv[r][c] -= f * inv[col][c];
      }
    }
  }
  return inv;
}
}  // namespace

PairwiseCounts::PairwiseCounts(std::vector<std::string> idea_ids)
    : ideas(std::move(idea_ids)),
      wins(ideas.size(), std::vector<std::uint64_t>(ideas.size(), 0)),
      cannot_decide(ideas.size(), 0) {}

PairwiseFit fit_bradley_terry(const PairwiseCounts& in) {
  const std::size_t n = in.ideas.size();
  PairwiseFit fit;
  fit.ideas.resize(n);
  // games[i][j]: decided comparisons between i and j.
  std::vector<std::vector<double>> games(n, std::vector<double>(n, 0.0));
  std::vector<double> won(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    fit.ideas[i].id = in.ideas[i];
    fit.ideas[i].cannot_decide = in.cannot_decide[i];
    fit.cannot_decide += in.cannot_decide[i];
    for (std::size_t j = 0; j < n; ++j) {
      games[i][j] = static_cast<double>(in.wins[i][j] + in.wins[j][i]);
      won[i] += static_cast<double>(in.wins[i][j]);
      fit.ideas[i].wins += in.wins[i][j];
      fit.ideas[i].comparisons += in.wins[i][j] + in.wins[j][i];
      fit.comparisons += in.wins[i][j];
    }
  }
  fit.cannot_decide /= 2;  // each undecided pair was counted for both of its ideas
  // Newton's method on the log strengths theta (the log-likelihood is strictly concave in them,
  // thanks to the virtual games), each step halved until the likelihood does not fall.
  std::vector<double> theta(n, 0.0);
  auto log_likelihood = [&](const std::vector<double>& t) {
    double l = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double virtual_games = std::log1p(std::exp(t[i]));
      l += kPriorGames * (t[i] - virtual_games) - kPriorGames * virtual_games;
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i || in.wins[i][j] == 0) continue;
        const double m = std::max(t[i], t[j]);
        l += static_cast<double>(in.wins[i][j]) * (t[i] - (m + std::log(std::exp(t[i] - m) + std::exp(t[j] - m))));
      }
    }
    return l;
  };
  // The Fisher information in log strengths at theta (also the negative Hessian).
  auto information = [&](const std::vector<double>& t) {
    std::vector<std::vector<double>> info(n, std::vector<double>(n, 0.0));
    for (std::size_t i = 0; i < n; ++i) {
      const double r = 1.0 / (1.0 + std::exp(-t[i]));
      info[i][i] += 2 * kPriorGames * r * (1 - r);
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i || games[i][j] == 0) continue;
        const double q = 1.0 / (1.0 + std::exp(t[j] - t[i]));
        info[i][i] += games[i][j] * q * (1 - q);
        info[i][j] -= games[i][j] * q * (1 - q);
      }
    }
    return info;
  };
  double current = log_likelihood(theta);
  for (fit.iterations = 1; fit.iterations <= kMaxIterations; ++fit.iterations) {
    std::vector<double> gradient(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      gradient[i] = won[i] + kPriorGames - 2 * kPriorGames / (1.0 + std::exp(-theta[i]));
      for (std::size_t j = 0; j < n; ++j) {
        if (j != i && games[i][j] > 0) gradient[i] -= games[i][j] / (1.0 + std::exp(theta[j] - theta[i]));
      }
    }
    const std::vector<std::vector<double>> inv = inverse(information(theta));
    std::vector<double> step(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) step[i] += inv[i][j] * gradient[j];
    }
    double scale = 1, change = 0;
    std::vector<double> next(n);
    for (int halvings = 0; halvings < 40; ++halvings, scale /= 2) {
      for (std::size_t i = 0; i < n; ++i) next[i] = theta[i] + scale * step[i];
      if (log_likelihood(next) >= current - 1e-12 * std::abs(current)) break;
    }
    for (std::size_t i = 0; i < n; ++i) change = std::max(change, std::abs(next[i] - theta[i]));
    theta = next;
    current = log_likelihood(theta);
    if (change < kTolerance) {
      fit.converged = true;
      break;
    }
  }
  std::vector<double> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = std::exp(theta[i]);
  const std::vector<std::vector<double>> info = information(theta);
  const std::vector<std::vector<double>> cov = inverse(info);
  for (std::size_t i = 0; i < n; ++i) {
    PairwiseScore& s = fit.ideas[i];
    s.log_strength = theta[i];
    s.log_strength_se = std::sqrt(std::max(0.0, cov[i][i]));
    if (n < 2) {
      s.score = 0.5;
      s.score_low = 0;
      s.score_high = 1;
      continue;
    }
    std::vector<double> gradient(n, 0.0);
    double score = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double q = p[i] / (p[i] + p[j]);
      score += q;
      gradient[i] += q * (1 - q);
      gradient[j] -= q * (1 - q);
    }
    const auto others = static_cast<double>(n - 1);
    s.score = score / others;
    double variance = 0;
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t b = 0; b < n; ++b) variance += gradient[a] * cov[a][b] * gradient[b];
    }
    const double se = std::sqrt(std::max(0.0, variance)) / others;
    s.score_low = std::clamp(s.score - 1.96 * se, 0.0, 1.0);
    s.score_high = std::clamp(s.score + 1.96 * se, 0.0, 1.0);
  }
  return fit;
}

}  // namespace civic
