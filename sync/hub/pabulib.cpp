#include "pabulib.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include <sodium.h>

#include "online.h"

namespace civic {

namespace {

// A cell as pabulib writes it: quoted only when it holds the separator, a quote or a line break.
std::string cell(const std::string& s) {
  if (s.find_first_of(";\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::optional<std::uint64_t> whole_number(const std::string& s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

constexpr std::uint64_t kMaxPabulibAmount = 1'000'000'000'000'000;  // 10^15 in any currency
constexpr std::size_t kMaxPabulibProjects = 10'000;

Error at_line(int line, const std::string& what) {
  return make_error(ErrorCode::kMalformed, "line " + std::to_string(line) + ": " + what);
}

std::vector<std::string> split(const std::string& s, char by) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = s.find(by, start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string PabulibFile::meta_value(const std::string& key) const {
  for (const auto& [k, v] : meta) {
    if (k == key) return v;
  }
  return "";
}

BudgetInstance PabulibFile::instance() const {
  BudgetInstance in;
  in.total = whole_number(meta_value("budget")).value_or(0);
  std::map<std::string, std::size_t> index;
  for (const auto& p : projects) {
    index[p.id] = in.projects.size();
    in.projects.push_back({p.id, p.cost});
  }
  std::vector<BudgetBallotGroup> ballots;
  ballots.reserve(voters.size());
  for (const auto& v : voters) {
    BudgetBallotGroup b;
    for (const auto& id : v.vote) b.projects.push_back(index.at(id));  // checked when parsed
    ballots.push_back(std::move(b));
  }
  in.ballots = merge_ballots(std::move(ballots));
  return in;
}

PabulibExport pabulib_from_ballots(const Content& content, const Consultation& c,
                                   std::vector<CountedBudgetBallot> ballots, const BudgetResult& result,
                                   const std::vector<std::pair<std::string, std::string>>& extra_meta) {
  PabulibExport out;
  PabulibFile& f = out.file;
  // Shuffled (Fisher-Yates, libsodium's uniform random numbers): record order says when and
  // where people voted; a file for researchers must not.
  for (std::size_t i = ballots.size(); i > 1; --i) {
    const std::size_t j = randombytes_uniform(static_cast<std::uint32_t>(i));
    std::swap(ballots[i - 1], ballots[j]);
  }
  const bool asks = [&](const char* id) {
    return std::find(c.about_you.begin(), c.about_you.end(), id) != c.about_you.end();
  }("age");
  const Question* age = asks ? content.question("age") : nullptr;
  if (age && !std::all_of(age->answers.begin(), age->answers.end(),
                          [](const AnswerOption& a) { return whole_number(a.id).has_value(); })) {
    out.notes.push_back("age is asked in groups (" +
                        [&] {
                          std::string ids;
                          for (const auto& a : age->answers) ids += (ids.empty() ? "" : ", ") + a.id;
                          return ids;
                        }() +
                        "), and pabulib's age column holds whole years: left out");
    age = nullptr;
  }
  const bool asks_sex = std::find(c.about_you.begin(), c.about_you.end(), "sex") != c.about_you.end();
  auto sex_of = [](std::string answer) -> std::string {
    for (auto& ch : answer) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (answer == "m" || answer == "male" || answer == "man") return "M";
    if (answer == "f" || answer == "female" || answer == "woman") return "F";
    return "";
  };
  std::map<std::string, std::uint64_t> votes;
  std::uint64_t n = 0;
  for (auto& b : ballots) {
    PabulibVoter v;
    v.id = std::to_string(++n);
    v.vote = std::move(b.projects);
    for (const auto& id : v.vote) ++votes[id];
    v.voting_method = b.channel;
    for (const auto& a : b.answers) {
      if (age && a.question_id == "age") v.age = whole_number(a.answer_id);
      if (asks_sex && a.question_id == "sex") v.sex = sex_of(a.answer_id);
    }
    f.voters.push_back(std::move(v));
  }
  for (const auto& idea : c.ideas) {
    const bool chosen = std::find(result.greedy.chosen.begin(), result.greedy.chosen.end(), idea.id) !=
                        result.greedy.chosen.end();
    f.projects.push_back({idea.id, idea.text.in("en"), idea.cost, votes[idea.id], chosen});
  }
  f.meta = {{"description", c.title.in("en")},
            {"instance", c.id},
            {"num_projects", std::to_string(f.projects.size())},
            {"num_votes", std::to_string(f.voters.size())},
            {"budget", std::to_string(c.budget_total)},
            {"vote_type", "approval"},
            {"rule", "greedy"}};
  if (c.budget_ballot == BudgetBallot::kApproval) {
    f.meta.emplace_back("max_length", std::to_string(c.max_projects));
  } else {
    f.meta.emplace_back("max_sum_cost", std::to_string(c.budget_total));
  }
  if (!c.currency.empty()) f.meta.emplace_back("currency", c.currency);
  for (const auto& m : extra_meta) f.meta.push_back(m);
  f.meta.emplace_back("comment", "#1: written by civic-kiosk; selected: the greedy rule; equal shares would fund: " +
                                     [&] {
                                       std::string ids;
                                       for (const auto& id : result.equal_shares.chosen) ids += (ids.empty() ? "" : ",") + id;
                                       return ids.empty() ? std::string("nothing") : ids;
                                     }());
  return out;
}

std::string format_pabulib(const PabulibFile& f) {
  std::string out = "META\nkey;value\n";
  for (const auto& [k, v] : f.meta) out += cell(k) + ";" + cell(v) + "\n";
  const bool any_selected = std::any_of(f.projects.begin(), f.projects.end(), [](const auto& p) { return p.selected.has_value(); });
  out += std::string("PROJECTS\nproject_id;cost;votes;name") + (any_selected ? ";selected" : "") + "\n";
  for (const auto& p : f.projects) {
    out += cell(p.id) + ";" + std::to_string(p.cost) + ";" + std::to_string(p.votes) + ";" + cell(p.name);
    if (any_selected) out += std::string(";") + (p.selected.value_or(false) ? "1" : "0");
    out += "\n";
  }
  const bool ages = std::any_of(f.voters.begin(), f.voters.end(), [](const auto& v) { return v.age.has_value(); });
  const bool sexes = std::any_of(f.voters.begin(), f.voters.end(), [](const auto& v) { return !v.sex.empty(); });
  out += std::string("VOTES\nvoter_id;vote;voting_method") + (ages ? ";age" : "") + (sexes ? ";sex" : "") + "\n";
  for (const auto& v : f.voters) {
    std::string vote;
    for (const auto& id : v.vote) vote += (vote.empty() ? "" : ",") + id;
    out += cell(v.id) + ";" + cell(vote) + ";" + cell(v.voting_method);
    if (ages) out += ";" + (v.age ? std::to_string(*v.age) : std::string());
    if (sexes) out += ";" + v.sex;
    out += "\n";
  }
  return out;
}

Result<PabulibFile> parse_pabulib(const std::string& text) {
  CIVIC_ASSIGN(rows, read_csv(text, ';'));
  PabulibFile f;
  enum class Section { kNone, kMeta, kProjects, kVotes } section = Section::kNone;
  std::vector<std::string> header;
  std::set<std::string> voter_ids;
  std::map<std::string, std::size_t> project_index;
  auto column = [&](const std::string& name) -> std::optional<std::size_t> {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) return std::nullopt;
    return static_cast<std::size_t>(it - header.begin());
  };
  for (const auto& row : rows) {
    if (row.cells.size() == 1) {
      const std::string& name = row.cells[0];
      if (name == "META" || name == "PROJECTS" || name == "VOTES") {
        section = name == "META" ? Section::kMeta : name == "PROJECTS" ? Section::kProjects : Section::kVotes;
        header.clear();
        continue;
      }
    }
    if (section == Section::kNone) return at_line(row.line, "a pabulib file starts with META, then PROJECTS and VOTES");
    if (header.empty()) {
      header = row.cells;
      if (section == Section::kProjects && (!column("project_id") || !column("cost")))
        return at_line(row.line, "PROJECTS needs the columns project_id and cost");
      if (section == Section::kVotes && (!column("voter_id") || !column("vote")))
        return at_line(row.line, "VOTES needs the columns voter_id and vote");
      continue;
    }
    if (row.cells.size() != header.size()) {
      return at_line(row.line, std::to_string(row.cells.size()) + " cells where the section's header has " +
                                   std::to_string(header.size()));
    }
    auto get = [&](const std::string& name) -> std::string {
      auto c = column(name);
      return c ? row.cells[*c] : std::string();
    };
    if (section == Section::kMeta) {
      f.meta.emplace_back(row.cells[0], row.cells.size() > 1 ? row.cells[1] : "");
    } else if (section == Section::kProjects) {
      PabulibProject p;
      p.id = get("project_id");
      p.name = get("name");
      auto cost = whole_number(get("cost"));
      if (!cost) return at_line(row.line, "project '" + p.id + "' has a cost that is not a whole number: '" + get("cost") + "'");
      // Bounds a hostile file cannot pass: sums of costs stay far from overflow, and equal
      // shares (projects squared per round) stays quick.
      if (*cost > kMaxPabulibAmount)
        return at_line(row.line, "project '" + p.id + "' costs more than " + std::to_string(kMaxPabulibAmount));
      if (f.projects.size() >= kMaxPabulibProjects)
        return at_line(row.line, "more than " + std::to_string(kMaxPabulibProjects) + " projects");
      p.cost = *cost;
      p.votes = whole_number(get("votes")).value_or(0);
      if (column("selected")) p.selected = get("selected") == "1";
      if (p.id.empty() || !project_index.emplace(p.id, f.projects.size()).second)
        return at_line(row.line, "project id '" + p.id + "' is empty or listed twice");
      f.projects.push_back(std::move(p));
    } else {
      PabulibVoter v;
      v.id = get("voter_id");
      if (!voter_ids.insert(v.id).second) return at_line(row.line, "voter '" + v.id + "' is listed twice");
      std::set<std::string> seen;
      for (auto& id : split(get("vote"), ',')) {
        if (!project_index.count(id))
          return at_line(row.line, "voter '" + v.id + "' votes for project '" + id + "', which PROJECTS does not list");
        if (!seen.insert(id).second) return at_line(row.line, "voter '" + v.id + "' votes twice for project '" + id + "'");
        v.vote.push_back(std::move(id));
      }
      v.voting_method = get("voting_method");
      if (column("age") && !get("age").empty()) v.age = whole_number(get("age"));
      v.sex = get("sex");
      f.voters.push_back(std::move(v));
    }
  }
  const auto budget = whole_number(f.meta_value("budget"));
  if (!budget) return make_error(ErrorCode::kMalformed, "the META section has no whole-number 'budget'");
  if (*budget > kMaxPabulibAmount)
    return make_error(ErrorCode::kMalformed, "the budget is more than " + std::to_string(kMaxPabulibAmount));
  return f;
}

}  // namespace civic
