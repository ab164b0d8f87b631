// Tallies, weights and reports on synthetic data with results computed by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <nlohmann/json.hpp>

#include "sync/hub/report.h"
#include "sync/hub/tally.h"

using namespace civic;

namespace {

Content content_for(VotingMethod method) {
  auto parsed = parse_content(R"({"format":1,
    "questions":[{"id":"age","label":{"en":"Age"},"answers":[{"id":"young","label":{"en":"Young"}},
                                                          {"id":"old","label":{"en":"Old"}}]}],
    "consultations":[{"id":"c1","title":{"en":"Parks"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":{"method":"support","max_supports":3},"about_you":["age"],
      "ideas":[{"id":"i1","text":{"en":"Shade"}},{"id":"i2","text":{"en":"Water <fountains> & \"benches\""}},
               {"id":"i3","text":{"en":"Toilets"}}]}]})");
  REQUIRE(parsed.ok());
  parsed->consultations[0].voting = method;
  return *parsed;
}

SessionId session(std::uint8_t n) {
  SessionId id{};
  id[0] = n;
  return id;
}

struct Builder {
  OpenedRecords records;
  std::uint64_t next_id = 1;
  Submission& add(std::uint8_t who, Channel channel = Channel::kKiosk, const std::string& age = "",
                  std::uint64_t hour = 1795000000 / 3600 * 3600, KioskId kiosk = {}) {
    Submission s;
    s.consultation_id = "c1";
    s.session_id = session(who);
    s.language = "en";
    s.channel = channel;
    s.coarse_time = hour;
    if (!age.empty()) s.answers.push_back({"age", age});
    records.opened.push_back({next_id++, kiosk, s});
    return records.opened.back().submission;
  }
};

const IdeaResult& idea(const ConsultationResult& c, const std::string& id) {
  for (const auto& i : c.ideas) {
    if (i.id == id) return i;
  }
  FAIL("no idea " << id);
  throw std::logic_error("unreachable");
}

bool has_anomaly(const Tally& t, const std::string& kind) {
  for (const auto& a : t.anomalies) {
    if (a.kind == kind) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("raking to one margin: weights are target share over sample share", "[results][raking]") {
  // One young and three old participants; the population is half and half. By hand: a young
  // participant stands for 2 people of 4, an old one for 2/3.
  const std::vector<Profile> profiles{
      {{"age", "young"}}, {{"age", "old"}}, {{"age", "old"}}, {{"age", "old"}}};
  PopulationMargins m{{{"age", {{"young", 0.5}, {"old", 0.5}}}}};
  auto r = rake(profiles, m);
  REQUIRE(r.converged);
  CHECK(r.weights[0] == Approx(2.0));
  for (int i = 1; i < 4; ++i) CHECK(r.weights[i] == Approx(2.0 / 3.0));
}

TEST_CASE("raking to two margins: a 2x2 example solved by hand", "[results][raking]") {
  // Cells (age, area): (y,n) x1, (y,s) x1, (o,n) x3, (o,s) x1; both margins half and half.
  // Raking gives weights a_age * b_area; with b_s = 1 the margins give 2a_y^2 - 18a_y + 27 = 0,
  // so a_y = (9 - 3*sqrt(3))/2, a_o = 3 - a_y, b_n = 3/a_y - 1 = 1/sqrt(3). Hence:
  //   w(y,n) = (3*sqrt(3) - 3)/2, w(y,s) = (9 - 3*sqrt(3))/2, w(o,n) = (3 - sqrt(3))/2, w(o,s) = w(y,n).
  const double r3 = std::sqrt(3.0);
  std::vector<Profile> profiles{{{"age", "y"}, {"area", "n"}}, {{"age", "y"}, {"area", "s"}}};
  for (int i = 0; i < 3; ++i) profiles.push_back({{"age", "o"}, {"area", "n"}});
  profiles.push_back({{"age", "o"}, {"area", "s"}});
  PopulationMargins m{{{"age", {{"y", 0.5}, {"o", 0.5}}}, {"area", {{"n", 0.5}, {"s", 0.5}}}}};
  auto r = rake(profiles, m);
  REQUIRE(r.converged);
  CHECK(r.weights[0] == Approx((3 * r3 - 3) / 2));
  CHECK(r.weights[1] == Approx((9 - 3 * r3) / 2));
  CHECK(r.weights[2] == Approx((3 - r3) / 2));
  CHECK(r.weights[5] == Approx((3 * r3 - 3) / 2));
  double total = 0;
  for (double w : r.weights) total += w;
  CHECK(total == Approx(6.0));
}

TEST_CASE("raking: who did not answer keeps their share, and an empty group is named", "[results][raking]") {
  // Two young, one old, one who did not say; population 25% young, 75% old. The unanswered
  // keeps weight 1; the three who answered are weighted to 3 people: young 0.75 / 2, old 2.25.
  const std::vector<Profile> profiles{{{"age", "young"}}, {{"age", "young"}}, {{"age", "old"}}, {}};
  PopulationMargins m{{{"age", {{"young", 0.25}, {"old", 0.75}}}}};
  auto r = rake(profiles, m);
  REQUIRE(r.converged);
  CHECK(r.weights[0] == Approx(0.375));
  CHECK(r.weights[2] == Approx(2.25));
  CHECK(r.weights[3] == Approx(1.0));
  PopulationMargins with_empty{{{"age", {{"young", 0.2}, {"old", 0.6}, {"middle", 0.2}}}}};
  auto e = rake(profiles, with_empty);
  CHECK_THAT(e.note, Catch::Contains("age=middle"));
  // An empty group's share is spread over the other answers, never over "no answer": the one who
  // did not say keeps weight 1 (1 of 4, 25%), and young and old share the three who answered as
  // 0.2 : 0.6, so young 0.75 / 2 and old 2.25.
  REQUIRE(e.converged);
  CHECK(e.weights[3] == Approx(1.0));
  CHECK(e.weights[0] == Approx(0.375));
  CHECK(e.weights[2] == Approx(2.25));
}

TEST_CASE("tally: one ballot per session, counts per idea, channel and event, repeats reported",
          "[results]") {
  Builder b;
  b.add(1, Channel::kKiosk, "young").votes = {{"i1", VoteChoice::kSupport}, {"i2", VoteChoice::kSupport}};
  auto& town = b.add(2, Channel::kTownHall, "old");
  town.votes = {{"i1", VoteChoice::kSupport}};
  town.event_id = "e1";
  auto& paper = b.add(3, Channel::kPaper, "old");
  paper.votes = {{"i3", VoteChoice::kSupport}};
  paper.idea = "More bins";
  paper.card_number = "17";
  // Session 1 again: a later ballot of a session already counted.
  b.add(1, Channel::kKiosk, "young").votes = {{"i3", VoteChoice::kSupport}};
  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, nullptr);
  REQUIRE(t.consultations.size() == 1);
  const auto& c = t.consultations[0];
  CHECK(t.records == 4);
  CHECK(c.participants == 3);
  CHECK(c.repeated_ballots == 1);
  CHECK(c.ideas_submitted == 1);
  CHECK(idea(c, "i1").raw.support == 2);
  CHECK(idea(c, "i2").raw.support == 1);
  CHECK(idea(c, "i3").raw.support == 1);  // the repeated ballot's vote is not counted
  CHECK(c.ideas[0].id == "i1");           // most supported first
  CHECK(idea(c, "i1").by_group.at("channel=kiosk").support == 1);
  CHECK(idea(c, "i1").by_group.at("channel=town-hall").support == 1);
  CHECK(idea(c, "i1").by_group.at("event=e1").support == 1);
  CHECK(idea(c, "i1").by_group.at("age=young").support == 1);
  CHECK(idea(c, "i3").by_group.at("channel=paper").support == 1);
  CHECK(c.participants_by_channel.at("kiosk") == 1);
  CHECK(c.participants_by_channel.at("town-hall") == 1);
  CHECK(c.participants_by_channel.at("paper") == 1);
  CHECK(c.participants_by_event.at("e1") == 1);
  CHECK(has_anomaly(t, "repeated-ballot"));
  // Without margins, weighted equals raw.
  CHECK(idea(c, "i1").weighted.support == 2);
}

TEST_CASE("tally: agree / disagree / pass, and votes for unknown ideas are reported, not counted",
          "[results]") {
  Builder b;
  b.add(1).votes = {{"i1", VoteChoice::kAgree}, {"i2", VoteChoice::kDisagree}};
  b.add(2).votes = {{"i1", VoteChoice::kAgree}, {"i2", VoteChoice::kPass}, {"gone", VoteChoice::kAgree}};
  b.add(3).votes = {{"i1", VoteChoice::kDisagree}};
  const Tally t = tally(content_for(VotingMethod::kOpinion), b.records, nullptr);
  const auto& c = t.consultations[0];
  CHECK(idea(c, "i1").raw.agree == 2);
  CHECK(idea(c, "i1").raw.disagree == 1);
  CHECK(idea(c, "i2").raw.disagree == 1);
  CHECK(idea(c, "i2").raw.pass == 1);
  CHECK(has_anomaly(t, "unknown-idea"));
}

TEST_CASE("tally: an empty consultation gives zeros and a report that still renders", "[results]") {
  const Tally t = tally(content_for(VotingMethod::kSupport), {}, nullptr);
  REQUIRE(t.consultations.size() == 1);
  CHECK(t.consultations[0].participants == 0);
  for (const auto& i : t.consultations[0].ideas) CHECK(i.raw.total() == 0);
  CHECK(t.anomalies.empty());
  PopulationMargins m{{{"age", {{"young", 0.5}, {"old", 0.5}}}}};
  const Tally weighted = tally(content_for(VotingMethod::kSupport), {}, &m);
  CHECK_FALSE(weighted.consultations[0].weighted);
  CHECK_THAT(results_html(weighted, "today"), Catch::Contains("Results by idea"));
  CHECK(nlohmann::json::parse(results_json(weighted))["consultations"][0]["participants"] == 0);
}

TEST_CASE("tally: representativeness and weighted results beside raw", "[results]") {
  // One young, three old; population half and half: participant shares 25% and 75%, ratios 0.5
  // and 1.5, score 0.5 / 1.5 = 1/3. Weighted: the young supporter of i2 counts 2, the old
  // supporters of i1 2/3 each.
  Builder b;
  b.add(1, Channel::kKiosk, "young").votes = {{"i2", VoteChoice::kSupport}};
  for (std::uint8_t s = 2; s <= 4; ++s)
    b.add(s, Channel::kKiosk, "old").votes = {{"i1", VoteChoice::kSupport}};
  PopulationMargins m{{{"age", {{"young", 0.5}, {"old", 0.5}}}}};
  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, &m);
  const auto& c = t.consultations[0];
  REQUIRE(c.representativeness);
  CHECK(*c.representativeness == Approx(1.0 / 3.0));
  REQUIRE(c.representation.size() == 2);
  for (const auto& g : c.representation) {
    CHECK(g.participant_share == Approx(g.answer == "young" ? 0.25 : 0.75));
    CHECK(g.ratio == Approx(g.answer == "young" ? 0.5 : 1.5));
  }
  CHECK(c.weighted);
  CHECK(idea(c, "i1").raw.support == 3);
  CHECK(idea(c, "i1").weighted.support == Approx(2.0));
  CHECK(idea(c, "i2").weighted.support == Approx(2.0));
}

TEST_CASE("tally: a kiosk with an implausible number of sessions in one hour is flagged", "[results]") {
  KioskId busy{};
  busy[0] = 0xAB;
  Builder b;
  for (int s = 0; s < 60; ++s)
    b.add(static_cast<std::uint8_t>(s), Channel::kKiosk, "", 1795000000 / 3600 * 3600, busy);
  CHECK_FALSE(has_anomaly(tally(content_for(VotingMethod::kSupport), b.records, nullptr), "busy-kiosk"));
  b.add(200, Channel::kKiosk, "", 1795000000 / 3600 * 3600, busy);
  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, nullptr);
  REQUIRE(has_anomaly(t, "busy-kiosk"));
  CHECK_THAT(t.anomalies[0].detail, Catch::Contains(to_hex(busy)));
}

TEST_CASE("records open on several threads in order, and a record that does not open is reported",
          "[results]") {
  const SealKeyPair key = generate_seal_key_pair();
  std::vector<HubRecord> records;
  for (std::uint8_t i = 1; i <= 50; ++i) {
    Submission s;
    s.consultation_id = "c1";
    s.session_id = session(i);
    s.language = "en";
    s.coarse_time = 1795000000 / 3600 * 3600;
    s.idea = "idea " + std::to_string(i);
    auto sealed = seal_submission(s, key.public_key);
    INFO((sealed.ok() ? "" : sealed.message()));
    REQUIRE(sealed.ok());
    HubRecord r;
    r.id = i;
    r.sealed = *sealed;
    records.push_back(r);
  }
  records[10].sealed[100] ^= 1;
  const auto opened = open_records(records, key, 3);
  CHECK(opened.opened.size() == 49);
  REQUIRE(opened.failed.size() == 1);
  CHECK(opened.failed[0].first == 11);
  for (std::size_t i = 1; i < opened.opened.size(); ++i) CHECK(opened.opened[i - 1].id < opened.opened[i].id);
}

TEST_CASE("reports: JSON, CSV and HTML carry the counts and escape what residents wrote",
          "[results][report]") {
  Builder b;
  b.add(1, Channel::kKiosk, "young").votes = {{"i2", VoteChoice::kSupport}};
  b.add(2, Channel::kPaper, "old").votes = {{"i2", VoteChoice::kSupport}, {"i1", VoteChoice::kSupport}};
  PopulationMargins m{{{"age", {{"young", 0.5}, {"old", 0.5}}}}};
  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, &m);
  const auto j = nlohmann::json::parse(results_json(t));
  CHECK(j["consultations"][0]["ideas"][0]["id"] == "i2");
  CHECK(j["consultations"][0]["ideas"][0]["raw"]["support"] == 2);
  const std::string ideas = ideas_csv(t);
  CHECK(ideas.rfind("\xEF\xBB\xBF", 0) == 0);  // a byte-order mark first: spreadsheets read UTF-8 right
  CHECK_THAT(ideas, Catch::Contains("\"c1\",\"i2\",\"Water <fountains> & \"\"benches\"\"\",2,"));
  CHECK(std::count(ideas.begin(), ideas.end(), '\n') == 4);  // header and three ideas
  CHECK_THAT(breakdown_csv(t), Catch::Contains("\"c1\",\"i2\",\"channel\",\"paper\",1,0,0,0"));
  CHECK_THAT(representation_csv(t), Catch::Contains("\"c1\",\"age\",\"young\",1,0.5000,0.5000,1.0000"));
  const std::string html = results_html(t, "2026-11-30");
  CHECK_THAT(html, Catch::Contains("Water &lt;fountains&gt; &amp; &quot;benches&quot;"));
  CHECK_THAT(html, !Catch::Contains("<fountains>"));
  CHECK_THAT(html, Catch::Contains("Age — participants and population"));
  CHECK_THAT(html, Catch::Contains("role=\"rowheader\">Young"));  // the answer's label, not its id
  CHECK_THAT(html, !Catch::Contains("<script"));
  // Self-contained: no URL at all, nothing fetched.
  CHECK_THAT(html, !Catch::Contains("http://") && !Catch::Contains("https://") && !Catch::Contains("src=") &&
                       !Catch::Contains("<link"));
}

TEST_CASE("ballots no kiosk could produce are refused from the count and reported by kind", "[results]") {
  Builder b;
  b.add(1).votes = {{"i1", VoteChoice::kSupport}};  // a good ballot, counted
  b.add(2).votes = {{"i1", VoteChoice::kSupport},
                    {"i2", VoteChoice::kSupport},
                    {"i3", VoteChoice::kSupport},
                    {"i4", VoteChoice::kSupport}};  // four supports where three are allowed
  b.add(3).votes = {{"i1", VoteChoice::kSupport}, {"i2", VoteChoice::kSupport}, {"i3", VoteChoice::kSupport},
                    {"i3", VoteChoice::kSupport}};  // four again, one repeated
  b.add(4).votes = {{"i2", VoteChoice::kAgree}};    // an opinion in a support consultation
  b.add(5).votes = {{"i2", VoteChoice::kSupport}, {"i2", VoteChoice::kSupport}};  // the same idea twice
  b.add(6, Channel::kKiosk, "middle-aged").votes = {{"i3", VoteChoice::kSupport}};  // no such answer
  auto& unasked = b.add(7);
  unasked.votes = {{"i3", VoteChoice::kSupport}};
  unasked.answers.push_back({"income", "high"});  // a question this consultation never asks
  auto& twice = b.add(8, Channel::kKiosk, "young");
  twice.votes = {{"i3", VoteChoice::kSupport}};
  twice.answers.push_back({"age", "old"});  // two answers to one question
  // A refused ballot does not take its session's place: the same session's good ballot counts.
  b.add(2).votes = {{"i2", VoteChoice::kSupport}};

  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, nullptr);
  const ConsultationResult& c = t.consultations.at(0);
  CHECK(c.participants == 2);
  CHECK(idea(c, "i1").raw.support == 1);
  CHECK(idea(c, "i2").raw.support == 1);
  CHECK(idea(c, "i3").raw.support == 0);
  CHECK(c.refused_ballots == std::map<std::string, std::uint64_t>{{"too-many-supports", 1},
                                                                  {"repeated-vote", 2},
                                                                  {"wrong-vote-kind", 1},
                                                                  {"unknown-answer", 1},
                                                                  {"unasked-question", 1},
                                                                  {"repeated-answer", 1}});
  for (const auto& kind : {"too-many-supports", "repeated-vote", "wrong-vote-kind", "unknown-answer",
                           "unasked-question", "repeated-answer"}) {
    CHECK(has_anomaly(t, kind));
  }
  bool said_how_many = false;
  for (const auto& a : t.anomalies) {
    if (a.kind == "repeated-vote") said_how_many = a.detail.rfind("2 ballot(s) in 'c1'", 0) == 0;
  }
  CHECK(said_how_many);
  CHECK(c.repeated_ballots == 0);

  // In an agree/disagree consultation, a support vote is the impossible one; in one without
  // voting, any vote is.
  Builder o;
  o.add(1).votes = {{"i1", VoteChoice::kAgree}, {"i2", VoteChoice::kPass}};
  o.add(2).votes = {{"i1", VoteChoice::kSupport}};
  const Tally opinion = tally(content_for(VotingMethod::kOpinion), o.records, nullptr);
  CHECK(opinion.consultations.at(0).participants == 1);
  CHECK(opinion.consultations.at(0).refused_ballots == std::map<std::string, std::uint64_t>{{"wrong-vote-kind", 1}});
  CHECK(idea(opinion.consultations.at(0), "i1").raw.support == 0);
  CHECK(idea(opinion.consultations.at(0), "i1").raw.agree == 1);
  const Tally none = tally(content_for(VotingMethod::kNone), o.records, nullptr);
  CHECK(none.consultations.at(0).refused_ballots ==
        std::map<std::string, std::uint64_t>{{"vote-without-voting", 2}});
}

TEST_CASE("representativeness and weights use only the questions the consultation asked", "[results]") {
  Content content = content_for(VotingMethod::kSupport);
  PopulationMargins margins;
  margins.shares["age"] = {{"young", 0.5}, {"old", 0.5}};
  margins.shares["social-media"] = {{"yes", 0.8}, {"no", 0.2}};  // never asked in c1
  Builder b;
  b.add(1, Channel::kKiosk, "young").votes = {{"i1", VoteChoice::kSupport}};
  b.add(2, Channel::kKiosk, "old").votes = {{"i2", VoteChoice::kSupport}};
  Tally t = tally(content, b.records, &margins);
  const ConsultationResult& c = t.consultations.at(0);
  for (const auto& g : c.representation) CHECK(g.question == "age");
  CHECK(c.representation.size() == 2);
  REQUIRE(c.representativeness);
  CHECK(*c.representativeness == Approx(1.0));  // half young, half old, as in the population
  CHECK(idea(c, "i1").weighted.support == Approx(1.0));

  // A consultation that asks nothing has no representativeness at all, and weighted equals raw.
  content.consultations[0].about_you.clear();
  Builder n;
  n.add(1).votes = {{"i1", VoteChoice::kSupport}};
  t = tally(content, n.records, &margins);
  CHECK(t.consultations.at(0).representation.empty());
  CHECK_FALSE(t.consultations.at(0).representativeness);
  CHECK_FALSE(t.consultations.at(0).weighted);
}

TEST_CASE("tally: only consultations missing from the file are flagged unknown", "[results]") {
  Builder b;
  b.add(1).votes = {{"i1", VoteChoice::kSupport}};
  b.add(2).consultation_id = "not-in-the-file";
  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, nullptr);
  std::vector<std::string> unknown;
  for (const auto& a : t.anomalies) {
    if (a.kind == "unknown-consultation") unknown.push_back(a.detail);
  }
  REQUIRE(unknown.size() == 1);
  CHECK_THAT(unknown[0], Catch::Contains("'not-in-the-file'"));
  CHECK(t.consultations[0].participants == 1);
}

TEST_CASE("tally: each town-hall event counts its own participants against its own room", "[results]") {
  Builder b;
  for (const std::uint8_t who : {std::uint8_t{1}, std::uint8_t{2}, std::uint8_t{3}}) {
    auto& s = b.add(who, Channel::kTownHall);
    s.event_id = who < 3 ? "e1" : "e2";
    s.votes = {{"i1", VoteChoice::kSupport}};
  }
  b.add(2, Channel::kTownHall).event_id = "e1";  // the same person again: one participant
  TallyOptions options;
  options.event_reports = {EventReport{{}, "e1", "Ward 1", "", "", 0, 0, 10, 3, 0},
                           EventReport{{}, "e2", "Ward 2", "", "", 0, 0, 4, 1, 0}};
  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, nullptr, options);
  REQUIRE(t.events.size() == 2);
  CHECK(t.events[0].report.event_id == "e1");
  CHECK(t.events[0].participants == 2);
  CHECK(t.events[0].share_of_room == Approx(0.2));
  CHECK(t.events[1].participants == 1);
  CHECK(t.events[1].share_of_room == Approx(0.25));
}

TEST_CASE("tally: a population group of zero share, and nobody answering, give numbers, not NaN", "[results]") {
  Builder b;
  b.add(1, Channel::kKiosk, "young").votes = {{"i1", VoteChoice::kSupport}};
  b.add(2, Channel::kKiosk, "young").votes = {{"i2", VoteChoice::kSupport}};
  PopulationMargins zero_share{{{"age", {{"young", 1.0}, {"old", 0.0}}}}};
  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, &zero_share);
  const auto& c = t.consultations[0];
  for (const auto& g : c.representation) {
    INFO(g.answer);
    CHECK(std::isfinite(g.ratio));
    CHECK(std::isfinite(g.participant_share));
  }
  for (const auto& i : c.ideas) CHECK(std::isfinite(i.weighted.support));
  CHECK(idea(c, "i1").weighted.support == Approx(1.0));
  if (c.representativeness) CHECK(std::isfinite(*c.representativeness));

  Builder silent;  // margins given, but nobody answered "about you"
  silent.add(1).votes = {{"i1", VoteChoice::kSupport}};
  silent.add(2).votes = {{"i1", VoteChoice::kSupport}};
  PopulationMargins half{{{"age", {{"young", 0.5}, {"old", 0.5}}}}};
  const Tally quiet = tally(content_for(VotingMethod::kSupport), silent.records, &half);
  CHECK(idea(quiet.consultations[0], "i1").weighted.support == Approx(2.0));  // unanswered keep weight 1
  if (quiet.consultations[0].representativeness) CHECK(std::isfinite(*quiet.consultations[0].representativeness));
}

TEST_CASE("raking counts its rounds exactly, converged or not", "[results][raking]") {
  const std::vector<Profile> one_margin{{{"age", "young"}}, {{"age", "old"}}, {{"age", "old"}}};
  auto r = rake(one_margin, PopulationMargins{{{"age", {{"young", 0.5}, {"old", 0.5}}}}});
  REQUIRE(r.converged);
  CHECK(r.iterations == 1);  // one margin is met in one round, and the next round sees it
  CHECK_THAT(r.note, Catch::Contains("match the population"));
  // Two margins that need many rounds, stopped after three.
  const std::vector<Profile> cells{{{"age", "y"}, {"area", "n"}}, {{"age", "y"}, {"area", "s"}},
                                   {{"age", "o"}, {"area", "n"}}, {{"age", "o"}, {"area", "n"}},
                                   {{"age", "o"}, {"area", "n"}}, {{"age", "o"}, {"area", "s"}}};
  PopulationMargins two{{{"age", {{"y", 0.7}, {"o", 0.3}}}, {"area", {{"n", 0.2}, {"s", 0.8}}}}};
  auto stopped = rake(cells, two, 3);
  CHECK_FALSE(stopped.converged);
  CHECK(stopped.iterations == 3);
  CHECK_THAT(stopped.note, Catch::Contains("could not be made to match"));
  // Stopped where every margin is within a millionth of n of its target: that is converged,
  // not "did not converge" (the same two margins, given enough rounds to get there).
  const auto close = rake(cells, two, 200, 1e-6);
  REQUIRE(close.converged);
  const auto at_limit = rake(cells, two, close.iterations, 1e-6);
  CHECK(at_limit.converged);
  CHECK_THAT(at_limit.note, !Catch::Contains("could not"));
}

TEST_CASE("tally: ideas with the same count keep the consultations file's order", "[results]") {
  Builder b;
  b.add(1).votes = {{"i3", VoteChoice::kSupport}, {"i2", VoteChoice::kSupport}, {"i1", VoteChoice::kSupport}};
  const Tally t = tally(content_for(VotingMethod::kSupport), b.records, nullptr);
  const auto& ideas = t.consultations[0].ideas;
  REQUIRE(ideas.size() == 3);
  CHECK(ideas[0].id == "i1");
  CHECK(ideas[1].id == "i2");
  CHECK(ideas[2].id == "i3");
}

TEST_CASE("tally fed a page at a time, kiosk by kiosk: identical ballots kept once, counts and weights as "
          "counted one ballot at a time",
          "[results][streaming]") {
  // Four kiosks, 700 records each, fed in pages of 97 with kiosk_done after each kiosk. Every tenth
  // record repeats a session of its kiosk with other votes (not counted); kiosk 3 reuses kiosk 0's
  // session numbers (other kiosks' sessions: counted). The expected figures are counted here one
  // ballot at a time, and the weights come from raking one profile per participant.
  const Content content = content_for(VotingMethod::kSupport);
  const PopulationMargins margins{{{"age", {{"young", 0.3}, {"old", 0.7}}}}};
  std::uint32_t seed = 12345;
  auto next = [&seed](std::uint32_t n) {
    seed = seed * 1664525u + 1013904223u;
    return (seed >> 8) % n;
  };
  const std::vector<std::string> ideas{"i1", "i2", "i3"};
  std::map<std::string, double> expected_support, expected_weighted;
  std::map<std::string, std::uint64_t> expected_by_channel;
  std::vector<Profile> participant_profiles;
  std::vector<std::vector<std::string>> participant_votes;
  std::uint64_t expected_repeats = 0, expected_unanswered = 0;

  TallyCounter counter(content, &margins, TallyOptions{});
  std::uint64_t record_id = 1;
  for (std::uint8_t kiosk = 0; kiosk < 4; ++kiosk) {
    KioskId kiosk_id{};
    kiosk_id[0] = static_cast<std::uint8_t>(kiosk + 1);
    std::set<SessionId> seen;
    OpenedRecords page;
    for (std::uint32_t i = 0; i < 700; ++i) {
      Submission s;
      s.consultation_id = "c1";
      s.language = "en";
      s.coarse_time = 1795000000 / 3600 * 3600 + 3600 * (i / 50);  // 50 sessions an hour: not busy
      const bool repeat = i % 10 == 9;
      const std::uint32_t number = repeat ? i - 1 - next(5) : i;
      s.session_id[0] = static_cast<std::uint8_t>(kiosk == 3 ? 0 : kiosk);
      s.session_id[1] = static_cast<std::uint8_t>(number >> 8);
      s.session_id[2] = static_cast<std::uint8_t>(number & 0xff);
      s.channel = next(4) == 0 ? Channel::kPaper : Channel::kKiosk;
      const std::uint32_t age = next(3);
      if (age < 2) s.answers.push_back({"age", age == 0 ? "young" : "old"});
      // One to three different ideas, in a shuffled order (the same ballot in another order).
      std::vector<std::string> chosen = ideas;
      std::swap(chosen[0], chosen[next(3)]);
      std::swap(chosen[1], chosen[1 + next(2)]);
      chosen.resize(1 + next(3));
      for (const auto& id : chosen) s.votes.push_back({id, VoteChoice::kSupport});
      if (!seen.insert(s.session_id).second) {
        ++expected_repeats;
      } else {
        for (const auto& id : chosen) expected_support[id] += 1;
        ++expected_by_channel[channel_name(s.channel)];
        Profile p;
        if (age < 2) p["age"] = age == 0 ? "young" : "old";
        expected_unanswered += age < 2 ? 0 : 1;
        participant_profiles.push_back(p);
        participant_votes.push_back(chosen);
      }
      page.opened.push_back({record_id++, kiosk_id, s});
      if (page.opened.size() == 97) {
        counter.add(page);
        page.opened.clear();
      }
    }
    counter.add(page);
    counter.kiosk_done(kiosk_id);
  }
  const RakingResult raked = rake(participant_profiles, margins);
  REQUIRE(raked.converged);
  for (std::size_t i = 0; i < participant_votes.size(); ++i) {
    for (const auto& id : participant_votes[i]) expected_weighted[id] += raked.weights[i];
  }

  const Tally t = counter.finish();
  REQUIRE(t.consultations.size() == 1);
  const auto& c = t.consultations[0];
  CHECK(t.records == 2800);
  CHECK(c.participants == participant_profiles.size());
  CHECK(c.participants == 2800 - expected_repeats);
  CHECK(c.repeated_ballots == expected_repeats);
  CHECK(c.participants_by_channel == expected_by_channel);
  REQUIRE(c.unanswered.size() == 1);
  CHECK(c.unanswered[0].participants == expected_unanswered);
  for (const auto& id : ideas) {
    INFO(id);
    CHECK(idea(c, id).raw.support == expected_support.at(id));
    CHECK(idea(c, id).weighted.support == Approx(expected_weighted.at(id)).epsilon(1e-9));
  }
  CHECK_FALSE(has_anomaly(t, "busy-kiosk"));
}
