#include "budget.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace civic {

namespace {

// Relative slack for money compared in floating point: a project costing exactly what its
// supporters hold is affordable.
constexpr double kMoneyEpsilon = 1e-9;
constexpr int kCompletionSteps = 200;
constexpr double kCompletionStep = 0.01;  // of the equal share

// True when project a goes before project b on a tie: more approvals, then cheaper, then by id.
bool before_on_tie(const BudgetInstance& in, const std::vector<std::uint64_t>& votes, std::size_t a, std::size_t b) {
  if (votes[a] != votes[b]) return votes[a] > votes[b];
  if (in.projects[a].cost != in.projects[b].cost) return in.projects[a].cost < in.projects[b].cost;
  return in.projects[a].id < in.projects[b].id;
}

std::uint64_t cost_of(const BudgetInstance& in, const std::vector<std::size_t>& chosen) {
  std::uint64_t spent = 0;
  for (std::size_t p : chosen) spent += in.projects[p].cost;
  return spent;
}

// Adds projects by approvals while they fit (the greedy rule, from an outcome already chosen).
void fill_greedily(const BudgetInstance& in, const std::vector<std::uint64_t>& votes, BudgetOutcome& out) {
  std::vector<std::size_t> order(in.projects.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return before_on_tie(in, votes, a, b); });
  std::vector<bool> taken(in.projects.size(), false);
  for (std::size_t p : out.chosen) taken[p] = true;
  for (std::size_t p : order) {
    if (taken[p] || votes[p] == 0) continue;
    if (out.spent + in.projects[p].cost <= in.total) {
      out.chosen.push_back(p);
      out.spent += in.projects[p].cost;
      taken[p] = true;
      ++out.filled_greedily;
    }
  }
}

}  // namespace

std::vector<std::uint64_t> approvals(const BudgetInstance& in) {
  std::vector<std::uint64_t> votes(in.projects.size(), 0);
  for (const auto& b : in.ballots) {
    for (std::size_t p : b.projects) votes[p] += b.voters;
  }
  return votes;
}

std::vector<BudgetBallotGroup> merge_ballots(std::vector<BudgetBallotGroup> ballots) {
  std::map<std::vector<std::size_t>, std::uint64_t> counts;
  for (auto& b : ballots) {
    std::sort(b.projects.begin(), b.projects.end());
    b.projects.erase(std::unique(b.projects.begin(), b.projects.end()), b.projects.end());
    counts[std::move(b.projects)] += b.voters;
  }
  std::vector<BudgetBallotGroup> out;
  out.reserve(counts.size());
  for (auto& [projects, n] : counts) out.push_back({projects, n});
  return out;
}

BudgetOutcome greedy_budget(const BudgetInstance& in) {
  BudgetOutcome out;
  fill_greedily(in, approvals(in), out);
  out.filled_greedily = 0;  // all of it is the greedy rule itself
  return out;
}

BudgetOutcome equal_shares_run(const BudgetInstance& in, double share) {
  const std::vector<std::uint64_t> votes = approvals(in);
  // What each voter of a group has left (every voter of a group has the same ballot, so the same).
  std::vector<double> left(in.ballots.size(), share);
  std::vector<std::vector<std::size_t>> supporters(in.projects.size());
  for (std::size_t g = 0; g < in.ballots.size(); ++g) {
    for (std::size_t p : in.ballots[g].projects) supporters[p].push_back(g);
  }
  std::vector<bool> taken(in.projects.size(), false);
  BudgetOutcome out;
  std::vector<std::size_t> by_money;
  for (;;) {
    std::size_t best = in.projects.size();
    double best_rho = std::numeric_limits<double>::infinity();
    for (std::size_t p = 0; p < in.projects.size(); ++p) {
      if (taken[p] || supporters[p].empty()) continue;
      const auto cost = static_cast<double>(in.projects[p].cost);
      double money = 0;
      for (std::size_t g : supporters[p]) money += left[g] * static_cast<double>(in.ballots[g].voters);
      if (money < cost * (1 - kMoneyEpsilon)) continue;
      // rho: the poorest pay all they have; the rest share what remains equally.
      by_money = supporters[p];
      std::sort(by_money.begin(), by_money.end(), [&](std::size_t a, std::size_t b) { return left[a] < left[b]; });
      double remaining = cost;
      double payers = static_cast<double>(votes[p]);
      double rho = std::numeric_limits<double>::infinity();
      for (std::size_t g : by_money) {
        const auto n = static_cast<double>(in.ballots[g].voters);
        if (left[g] * payers >= remaining) {
          rho = remaining / payers;
          break;
        }
        remaining -= left[g] * n;
        payers -= n;
      }
      if (!std::isfinite(rho)) rho = left[by_money.back()];  // affordable only within the slack
      const bool better = rho < best_rho * (1 - kMoneyEpsilon) ||
                          (rho <= best_rho * (1 + kMoneyEpsilon) && best < in.projects.size() &&
                           before_on_tie(in, votes, p, best));
      if (best == in.projects.size() || better) {
        best = p;
        best_rho = rho;
      }
    }
    if (best == in.projects.size()) break;
    taken[best] = true;
    out.chosen.push_back(best);
    for (std::size_t g : supporters[best]) left[g] = std::max(0.0, left[g] - std::min(left[g], best_rho));
  }
  out.spent = cost_of(in, out.chosen);
  return out;
}

BudgetOutcome equal_shares_budget(const BudgetInstance& in) {
  std::uint64_t voters = 0;
  for (const auto& b : in.ballots) voters += b.voters;
  if (voters == 0) return {};
  const std::vector<std::uint64_t> votes = approvals(in);
  const double share = static_cast<double>(in.total) / static_cast<double>(voters);
  BudgetOutcome kept = equal_shares_run(in, share);
  std::size_t supported = 0;
  for (auto v : votes) supported += v > 0 ? 1 : 0;
  for (int step = 1; step <= kCompletionSteps && kept.chosen.size() < supported; ++step) {
    BudgetOutcome next = equal_shares_run(in, share * (1 + kCompletionStep * step));
    if (next.spent > in.total) break;
    next.completion_steps = step;
    kept = std::move(next);
  }
  fill_greedily(in, votes, kept);
  return kept;
}

}  // namespace civic
