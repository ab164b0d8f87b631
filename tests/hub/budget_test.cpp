// Budget consultations: the greedy rule and the method of equal shares on instances worked out
// by hand, what the count refuses, and pabulib files written and read back. The rules are also
// checked against a second implementation written from the documentation in Python
// (tests/hub/budget_oracle_test.py) on random instances.
#include <catch2/catch.hpp>

#include <algorithm>

#include "sync/hub/budget.h"
#include "sync/hub/pabulib.h"
#include "sync/hub/tally.h"

using namespace civic;

namespace {

std::vector<std::string> ids(const BudgetInstance& in, const BudgetOutcome& o) {
  std::vector<std::string> out;
  for (std::size_t p : o.chosen) out.push_back(in.projects[p].id);
  std::sort(out.begin(), out.end());
  return out;
}

Content budget_content(const char* ballot_json) {
  auto parsed = parse_content(std::string(R"({"format":2,
    "questions":[{"id":"age","label":{"en":"Age"},"answers":[{"id":"young","label":{"en":"Young"}},
                                                          {"id":"old","label":{"en":"Old"}}]}],
    "consultations":[{"id":"b","title":{"en":"Budget"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":)") + ballot_json + R"(,"about_you":["age"],
      "ideas":[{"id":"p1","text":{"en":"Park"},"cost":60},{"id":"p2","text":{"en":"Bikes"},"cost":30},
               {"id":"p3","text":{"en":"Books"},"cost":20}]},
     {"id":"w","title":{"en":"Which"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":{"method":"pairwise","max_comparisons":3},
      "ideas":[{"id":"a","text":{"en":"A"}},{"id":"b","text":{"en":"B"}},{"id":"c","text":{"en":"C"}}]}]})");
  if (!parsed.ok()) FAIL(parsed.message());
  return *parsed;
}

OpenedRecord record(std::uint64_t id, const std::string& consultation, std::uint8_t who, std::vector<Vote> votes,
                    std::vector<Comparison> comparisons = {}, std::string age = "") {
  Submission s;
  s.consultation_id = consultation;
  s.session_id[0] = who;
  s.language = "en";
  s.coarse_time = 1795000000 / 3600 * 3600;
  s.votes = std::move(votes);
  s.comparisons = std::move(comparisons);
  if (!age.empty()) s.answers.push_back({"age", age});
  return {id, {}, s};
}

}  // namespace

TEST_CASE("budget: greedy funds the majority's projects, equal shares funds both groups in proportion",
          "[results][budget]") {
  // 51 voters want ten red projects, 49 want ten blue ones; the money buys ten.
  BudgetInstance in;
  in.total = 1000;
  std::vector<std::size_t> red, blue;
  for (int i = 0; i < 10; ++i) {
    red.push_back(in.projects.size());
    in.projects.push_back({"red-" + std::to_string(i), 100});
    blue.push_back(in.projects.size());
    in.projects.push_back({"blue-" + std::to_string(i), 100});
  }
  in.ballots = {{red, 51}, {blue, 49}};
  const BudgetOutcome greedy = greedy_budget(in);
  CHECK(greedy.chosen.size() == 10);
  for (const auto& id : ids(in, greedy)) CHECK(id.rfind("red-", 0) == 0);
  const BudgetOutcome shares = equal_shares_budget(in);
  CHECK(shares.spent == 1000);
  const auto chosen = ids(in, shares);
  CHECK(std::count_if(chosen.begin(), chosen.end(), [](const std::string& s) { return s.rfind("red-", 0) == 0; }) == 5);
  CHECK(std::count_if(chosen.begin(), chosen.end(), [](const std::string& s) { return s.rfind("blue-", 0) == 0; }) == 5);
}

TEST_CASE("budget: equal shares pays with the supporters' money, then completes in steps and fills greedily",
          "[results][budget]") {
  // Three voters with 100 each. A (200) by everyone: each pays 66.67. Then B (100, voter 1) and
  // C (150, voters 2 and 3) cannot be paid from what is left. Raising each share by 1% steps, C
  // becomes affordable at step 42 (2 x (142 - 66.67) >= 150), but A and C cost 350 > 300: the
  // outcome of step 41 is kept, and the greedy fill adds B (200 + 100 fits, C does not).
  BudgetInstance in;
  in.total = 300;
  in.projects = {{"A", 200}, {"B", 100}, {"C", 150}};
  in.ballots = {{{0, 1}, 1}, {{0, 2}, 2}};
  const BudgetOutcome one_run = equal_shares_run(in, 100.0);
  CHECK(ids(in, one_run) == std::vector<std::string>{"A"});
  CHECK(one_run.spent == 200);
  const BudgetOutcome shares = equal_shares_budget(in);
  CHECK(ids(in, shares) == std::vector<std::string>{"A", "B"});
  CHECK(shares.completion_steps == 41);
  CHECK(shares.filled_greedily == 1);
  CHECK(shares.spent == 300);
  CHECK(ids(in, greedy_budget(in)) == std::vector<std::string>{"A", "B"});
  // With the poorer voter paying all they have: rho is shared by those who can pay it.
  BudgetInstance uneven;
  uneven.total = 90;
  uneven.projects = {{"X", 60}, {"Y", 50}};
  uneven.ballots = {{{0}, 1}, {{0, 1}, 2}};  // 30 each; Y first? rho(Y) = 25, rho(X) = 20: X first
  const BudgetOutcome run = equal_shares_run(uneven, 30.0);
  REQUIRE(!run.chosen.empty());
  CHECK(uneven.projects[run.chosen[0]].id == "X");
}

TEST_CASE("budget: the count refuses what no kiosk allows, and says why the rules differ", "[results][budget]") {
  const Content content = budget_content(R"({"method":"budget","total":80,"currency":"CAD","ballot":"knapsack"})");
  OpenedRecords records;
  auto sel = [](std::initializer_list<const char*> ids_) {
    std::vector<Vote> v;
    for (const char* id : ids_) v.push_back({id, VoteChoice::kSelect});
    std::sort(v.begin(), v.end(), [](const Vote& a, const Vote& b) { return a.idea_id < b.idea_id; });
    return v;
  };
  records.opened.push_back(record(1, "b", 1, sel({"p1", "p3"}), {}, "old"));         // 80: fits
  records.opened.push_back(record(2, "b", 2, sel({"p1", "p3"}), {}, "old"));
  records.opened.push_back(record(3, "b", 3, sel({"p2", "p3"}), {}, "young"));
  records.opened.push_back(record(4, "b", 4, sel({"p1", "p2"})));                     // 90: over budget
  records.opened.push_back(record(5, "b", 5, sel({"p9"})));                           // unknown project
  records.opened.push_back(record(6, "b", 6, {{"p1", VoteChoice::kSupport}}));        // wrong kind
  records.opened.push_back(record(7, "w", 7, {}, {{"a", "b", PairOutcome::kLeft}, {"a", "zz", PairOutcome::kRight}}));
  records.opened.push_back(record(8, "w", 8, {}, {{"zz", "b", PairOutcome::kLeft}}));
  records.opened.push_back(record(9, "w", 9, {}, {{"a", "b", PairOutcome::kLeft}, {"b", "c", PairOutcome::kLeft},
                                                  {"a", "c", PairOutcome::kLeft}, {"c", "a", PairOutcome::kCannotDecide}}));
  records.opened.push_back(record(10, "b", 10, {}, {{"p1", "p2", PairOutcome::kLeft}}));
  records.opened.push_back(record(11, "w", 11, {}, {{"a", "b", PairOutcome::kLeft}, {"c", "b", PairOutcome::kRight}}));
  // Session 11 again: a later ballot of a counted session; its comparisons are not counted.
  records.opened.push_back(record(12, "w", 11, {}, {{"c", "a", PairOutcome::kLeft}}));
  const Tally t = tally(content, records, nullptr);
  const ConsultationResult& b = t.consultations[0];
  CHECK(b.participants == 3);
  CHECK(b.refused_ballots.at("over-budget") == 1);
  CHECK(b.refused_ballots.at("unknown-project") == 1);
  CHECK(b.refused_ballots.at("wrong-vote-kind") == 1);
  CHECK(b.refused_ballots.at("comparison-without-pairwise") == 1);
  REQUIRE(b.budget);
  // Approvals: p3 3, p1 2, p2 1. Greedy: p3 (20), p1 (80 in all), p2 does not fit.
  CHECK(b.budget->greedy.chosen == std::vector<std::string>{"p3", "p1"});
  CHECK(b.budget->greedy.spent == 80);
  CHECK(b.budget->greedy.served == Approx(1.0));
  using Served = std::vector<std::pair<std::string, double>>;  // the questions' order, "no answer" last
  CHECK(b.budget->greedy.served_by_group == Served{{"age=young", 1.0}, {"age=old", 1.0}});
  CHECK(b.budget->why_they_differ.find("Both rules") == 0);
  const ConsultationResult& w = t.consultations[1];
  CHECK(w.refused_ballots.at("pair-never-shown") == 2);       // an idea not in the consultation
  CHECK(w.refused_ballots.at("too-many-comparisons") == 1);  // 4 where kiosks show at most 3
  CHECK(w.participants == 1);
  REQUIRE(w.pairwise);
  CHECK(w.pairwise->comparisons == 2);
  CHECK(w.repeated_ballots == 1);
  CHECK(w.ideas[0].id == "a");  // a over b, b over c
  CHECK(w.ideas[2].id == "c");
  bool anomaly = false;
  for (const auto& a : t.anomalies) anomaly |= a.kind == "over-budget" && a.detail.find("80 CAD") != std::string::npos;
  CHECK(anomaly);
}

TEST_CASE("budget: approval ballots refuse more projects than allowed", "[results][budget]") {
  const Content content = budget_content(R"({"method":"budget","total":1000,"ballot":"approval","max_projects":2})");
  OpenedRecords records;
  records.opened.push_back(record(1, "b", 1, {{"p1", VoteChoice::kSelect}, {"p2", VoteChoice::kSelect}}));
  records.opened.push_back(
      record(2, "b", 2, {{"p1", VoteChoice::kSelect}, {"p2", VoteChoice::kSelect}, {"p3", VoteChoice::kSelect}}));
  const Tally t = tally(content, records, nullptr);
  CHECK(t.consultations[0].participants == 1);
  CHECK(t.consultations[0].refused_ballots.at("too-many-projects") == 1);
}

TEST_CASE("pabulib: a consultation's ballots written, read back and counted the same", "[results][budget][pabulib]") {
  const Content content = budget_content(R"({"method":"budget","total":80,"currency":"CAD","ballot":"knapsack"})");
  const Consultation& c = content.consultations[0];
  std::vector<CountedBudgetBallot> ballots{{{"p1", "p3"}, {{"age", "old"}}, "kiosk"},
                                           {{"p2", "p3"}, {}, "paper"},
                                           {{"p3"}, {{"age", "young"}}, "town-hall"}};
  BudgetResult result;
  result.greedy.chosen = {"p3", "p1"};
  result.equal_shares.chosen = {"p3", "p2"};
  const PabulibExport out = pabulib_from_ballots(content, c, ballots, result, {{"country", "Canada"}});
  // Age is asked in groups: pabulib's age holds whole years, so it is left out, and said.
  REQUIRE(out.notes.size() == 1);
  CHECK(out.notes[0].find("whole years") != std::string::npos);
  const std::string text = format_pabulib(out.file);
  CHECK(text.rfind("META\nkey;value\n", 0) == 0);
  CHECK(text.find("\nbudget;80\n") != std::string::npos);
  CHECK(text.find("\nmax_sum_cost;80\n") != std::string::npos);
  CHECK(text.find("PROJECTS\nproject_id;cost;votes;name;selected\np1;60;1;Park;1\np2;30;1;Bikes;0\np3;20;3;Books;1\n") !=
        std::string::npos);
  CHECK(text.find("VOTES\nvoter_id;vote;voting_method\n") != std::string::npos);
  CHECK(text.find(";age") == std::string::npos);
  auto back = parse_pabulib(text);
  REQUIRE(back.ok());
  CHECK(back->voters.size() == 3);
  CHECK(back->meta_value("country") == "Canada");
  const BudgetInstance in = back->instance();
  // p1 and p2 have one vote each: the cheaper, p2, goes first; then p1 does not fit.
  CHECK(ids(in, greedy_budget(in)) == std::vector<std::string>{"p2", "p3"});
  for (const auto& p : back->projects) CHECK(*p.selected == (p.id != "p2"));
}

TEST_CASE("pabulib: a file with mistakes is refused with its line", "[results][budget][pabulib]") {
  const std::string good = "META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost;votes;name\n1;50;1;\"A; with semicolon\"\n"
                           "2;60;1;B\nVOTES\nvoter_id;vote\nv1;1,2\n";
  auto parsed = parse_pabulib(good);
  REQUIRE(parsed.ok());
  CHECK(parsed->projects[0].name == "A; with semicolon");
  CHECK(parsed->voters[0].vote == std::vector<std::string>{"1", "2"});
  std::string unknown = good + "v2;3\n";
  CHECK_THAT(parse_pabulib(unknown).message(), Catch::Contains("line 11") && Catch::Contains("project '3'"));
  std::string bad_cost = good;
  bad_cost.replace(bad_cost.find("2;60"), 4, "2;6x");
  CHECK_THAT(parse_pabulib(bad_cost).message(), Catch::Contains("line 7") && Catch::Contains("not a whole number"));
  CHECK_THAT(parse_pabulib("PROJECTS\nproject_id;cost\n").message(), Catch::Contains("budget"));
  CHECK_THAT(parse_pabulib("hello\n").message(), Catch::Contains("starts with META"));
  std::string huge = good;
  huge.replace(huge.find("2;60"), 4, "2;18446744073709551615");  // would wrap a sum of costs
  CHECK_THAT(parse_pabulib(huge).message(), Catch::Contains("line 7") && Catch::Contains("costs more than"));
}
