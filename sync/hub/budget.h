// Participatory budgeting: which projects win, by two rules side by side, from approval-style
// budget ballots (knapsack or K-approval: each ballot is a set of projects). Pure computation.
//
// Greedy (what most cities use, pabulib's "greedy"): projects by approvals, most first (ties: the
// cheaper, then the id), each taken when it fits what is left of the budget, skipped otherwise.
//
// Method of equal shares (MES, approval utilities): the budget is split equally among the voters;
// a project is bought by its supporters, each paying the same amount rho or all they have left;
// the project with the smallest rho is bought next (ties as above), until none is affordable.
// Completion (MES rarely spends everything): "add one" as in Wieliczka, in steps of 1% of the
// equal share: MES is run again with each voter's share raised by one step, up to 200 steps, and
// the last outcome that fits the budget is kept (stopping early when one would not fit or every
// project is bought); what is left is then filled greedily by approvals. PROTOCOL.md is not the
// place: assets/README.md "Budget consultations" says this for operators.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace civic {

struct BudgetProject {
  std::string id;
  std::uint64_t cost = 0;
};

// Ballots are given as project indices; identical ballots may be merged with a count.
struct BudgetBallotGroup {
  std::vector<std::size_t> projects;  // indices into the instance's projects, each once
  std::uint64_t voters = 1;
};

struct BudgetInstance {
  std::uint64_t total = 0;
  std::vector<BudgetProject> projects;
  std::vector<BudgetBallotGroup> ballots;
};

struct BudgetOutcome {
  std::vector<std::size_t> chosen;  // project indices, in the order chosen
  std::uint64_t spent = 0;
  // MES only: how many steps of the "add one" completion were kept, and how many projects the
  // final greedy fill added.
  int completion_steps = 0;
  std::size_t filled_greedily = 0;
};

// Approvals per project (voters whose ballot holds it).
std::vector<std::uint64_t> approvals(const BudgetInstance& instance);
BudgetOutcome greedy_budget(const BudgetInstance& instance);
BudgetOutcome equal_shares_budget(const BudgetInstance& instance);
// One run of MES with this budget per voter, no completion (exposed for tests).
BudgetOutcome equal_shares_run(const BudgetInstance& instance, double share_per_voter);

// Merges identical ballots (the order of projects within a ballot does not matter), adding their voters.
std::vector<BudgetBallotGroup> merge_ballots(std::vector<BudgetBallotGroup> ballots);

}  // namespace civic
