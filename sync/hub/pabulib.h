// Pabulib's .pb files (pabulib.org; the format participatory-budgeting researchers use): a META
// section of key;value lines, PROJECTS (project_id;cost;votes;name;selected) and VOTES (voter_id;
// vote;...), separated by ';'. Written from a budget consultation's counted ballots (the voters
// in random order, numbered from 1, so the file says nothing of when or where anyone voted), and
// read back, for the tests and for counting any pabulib file with both rules (budget-count).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "budget.h"
#include "sync/common/result.h"
#include "tally.h"

namespace civic {

struct PabulibProject {
  std::string id, name;
  std::uint64_t cost = 0;
  std::uint64_t votes = 0;
  std::optional<bool> selected;  // as the file says (absent when it has no "selected" column)
};

struct PabulibVoter {
  std::string id;
  std::vector<std::string> vote;  // project ids
  std::string voting_method;      // kiosk, town-hall, paper (pabulib's "voting_method" column)
  std::optional<std::uint64_t> age;
  std::string sex;                // "M", "F" or "" (pabulib allows only these)
};

struct PabulibFile {
  std::vector<std::pair<std::string, std::string>> meta;  // in order
  std::vector<PabulibProject> projects;
  std::vector<PabulibVoter> voters;

  std::string meta_value(const std::string& key) const;
  // The budget, projects and ballots as the counting rules take them.
  BudgetInstance instance() const;
};

// A budget consultation's counted ballots as a pabulib file: projects with their costs, votes and
// "selected" by the greedy rule (the file's "rule"), voters shuffled and numbered from 1. Age goes
// in only when the consultation asks "age" in whole years, sex only from a "sex" question's
// answers that mean male or female (M, F): pabulib allows nothing else. `notes` says, for the
// operator, what was left out and why.
struct PabulibExport {
  PabulibFile file;
  std::vector<std::string> notes;
};
PabulibExport pabulib_from_ballots(const Content& content, const Consultation& c,
                                   std::vector<CountedBudgetBallot> ballots, const BudgetResult& result,
                                   const std::vector<std::pair<std::string, std::string>>& extra_meta);

std::string format_pabulib(const PabulibFile& file);
// Every problem names its line; a vote for a project the file does not list is refused.
[[nodiscard]] Result<PabulibFile> parse_pabulib(const std::string& text);

}  // namespace civic
