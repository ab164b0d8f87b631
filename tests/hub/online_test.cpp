// Online participation: Decidim's and CONSUL's exports and our per-participant CSV read as their
// documentation gives them, every malformed file refused with its lines, and a consultation with
// kiosk, town-hall, paper and two online channels counted as worked out by hand.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "sync/common/human.h"
#include "sync/hub/online.h"
#include "sync/hub/online_export.h"
#include "sync/hub/report.h"
#include "sync/hub/tally.h"

using namespace civic;

namespace {

Content parks() {
  auto parsed = parse_content(R"({"format":1,
    "questions":[{"id":"age","label":{"en":"Age"},"answers":[{"id":"young","label":{"en":"Under 40"}},
                                                          {"id":"old","label":{"en":"40 and over"}}]},
                 {"id":"area","label":{"en":"Area"},"answers":[{"id":"n","label":{"en":"North"}}]}],
    "consultations":[{"id":"c1","title":{"en":"Parks"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":{"method":"support","max_supports":2},"about_you":["age"],
      "ideas":[{"id":"i1","text":{"en":"Shade"}},{"id":"i2","text":{"en":"Water"}},{"id":"i3","text":{"en":"Toilets"}}]},
     {"id":"c2","title":{"en":"Buses"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":{"method":"opinion"},"about_you":[],
      "ideas":[{"id":"t1","text":{"en":"Later buses"}}]}]})");
  REQUIRE(parsed.ok());
  return *parsed;
}

OnlineMapping mapping(const std::string& json) {
  auto m = parse_online_mapping(json, parks());
  REQUIRE(m.ok());
  return *m;
}

const OnlineMapping& c1_mapping() {
  static const OnlineMapping m = mapping(R"({"format":1,"consultation":"c1","ideas":{"101":"i1","103":"i2"},
                                             "titles":{"dog":"Dog park"},"decidim_component":12})");
  return m;
}

// Decidim's open-data proposals export (Decidim::Proposals::ProposalSerializer, flattened with "/"
// by Decidim::Exporters::CSV, separator ";" as Decidim.default_csv_col_sep may be), with the
// author names of endorsements that must never be kept.
const char* kDecidim =
    "\xEF\xBB\xBFid;category/id;category/name/en;scope/id;participatory_space/id;component/id;title/en;title/fr;"
    "body/en;state;reference;answer/en;supports;endorsements/total_count;endorsements/user_endorsements;comments;"
    "published_at;url;is_amend\r\n"
    "101;;;;7;12;More shade;Plus d'ombre;Plant trees;accepted;EX-101;;10;2;\"Ana Real, Bob Name\";1;2026-10-01;"
    "https://p.example/101;false\r\n"
    "102;;;;7;12;\"Dog park; fenced\";Parc;\"Two\nlines\";evaluating;EX-102;;3;0;;0;2026-10-02;https://p.example/102;"
    "false\r\n"
    "103;;;;7;12;Fountains;Fontaines;Water;evaluating;EX-103;;1;0;;0;2026-10-03;https://p.example/103;false\r\n";

const char* kSurvey =
    "participant,consultation,idea:i1,idea:i2,idea:i3,about:age\n"
    "p1,c1,support,,,young\n"
    "p2,c1,support,support,,young\n"
    "p3,c1,support,,,old\n";

OnlineData read(OnlineFormat format, const std::string& text, const std::string& source,
                const OnlineMapping& m = c1_mapping()) {
  OnlineParse p = parse_online_export(format, text, m, parks(), source);
  INFO(p.report("file"));
  REQUIRE(p.data);
  return *p.data;
}

std::string problems(OnlineFormat format, const std::string& text, const OnlineMapping& m = c1_mapping()) {
  OnlineParse p = parse_online_export(format, text, m, parks(), "src");
  CHECK_FALSE(p.data);
  return p.report("f.csv");
}

SessionId session(std::uint8_t n) {
  SessionId id{};
  id[0] = n;
  return id;
}

void add(OpenedRecords& r, std::uint8_t who, Channel channel, const std::string& age,
         std::vector<std::string> ideas) {
  Submission s;
  s.consultation_id = "c1";
  s.session_id = session(who);
  s.language = "en";
  s.channel = channel;
  s.coarse_time = 1795000000 / 3600 * 3600;
  if (channel == Channel::kTownHall) s.event_id = "e1";
  if (!age.empty()) s.answers.push_back({"age", age});
  for (auto& i : ideas) s.votes.push_back({i, VoteChoice::kSupport});
  r.opened.push_back({static_cast<std::uint64_t>(r.opened.size() + 1), {}, s});
}

const IdeaResult& idea(const ConsultationResult& c, const std::string& id) {
  for (const auto& i : c.ideas) {
    if (i.id == id) return i;
  }
  FAIL("no idea " << id);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("CSV: quotes, doubled quotes, line breaks in cells, the separator found from the header, lines kept",
          "[online][csv]") {
  auto rows = read_csv("a;b;c\r\n\"x;1\";\"say \"\"hi\"\"\";\"two\nlines\"\n\n4;5;6");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 3);
  CHECK(rows->at(1).cells == std::vector<std::string>{"x;1", "say \"hi\"", "two\nlines"});
  CHECK(rows->at(1).line == 2);
  CHECK(rows->at(2).line == 5);  // after a cell over two lines and an empty line
  CHECK(rows->at(2).cells == std::vector<std::string>{"4", "5", "6"});
  auto unclosed = read_csv("a,b\n1,\"never closed\n2,3\n");
  REQUIRE_FALSE(unclosed.ok());
  CHECK_THAT(unclosed.message(), Catch::Contains("line 2") && Catch::Contains("never closed"));
  auto stray = read_csv("a,b\n1,x\"y\n");
  REQUIRE_FALSE(stray.ok());
  CHECK_THAT(stray.message(), Catch::Contains("line 2"));
}

TEST_CASE("Decidim's proposals export: supports per proposal, mapped or kept online-only, names dropped",
          "[online]") {
  const OnlineData d = read(OnlineFormat::kDecidim, kDecidim, "decidim");
  CHECK(d.rows == 3);
  CHECK(d.aggregate_only());
  REQUIRE(d.counts.size() == 3);
  CHECK(d.counts[0].online_id == "101");
  CHECK(d.counts[0].idea_id == "i1");
  CHECK(d.counts[0].supports == 10);
  CHECK(d.counts[1].idea_id.empty());
  CHECK(d.counts[1].title == "Dog park; fenced");
  CHECK(d.online_only_titles.at("online:102") == "Dog park; fenced");
  CHECK(d.counts[2].idea_id == "i2");
  // Nothing personal is stored: the endorsers' names are not in the stored form.
  const std::string stored = online_data_json(d);
  CHECK_THAT(stored, !Catch::Contains("Ana Real"));
  auto back = parse_online_data_json(stored);
  REQUIRE(back.ok());
  CHECK(back->counts.size() == 3);
  CHECK(back->counts[0].supports == 10);
  // Decidim 0.28 names the column "votes".
  std::string newer = kDecidim;
  newer.replace(newer.find(";supports;"), 10, ";votes;");
  CHECK(read(OnlineFormat::kDecidim, newer, "decidim").counts[0].supports == 10);
}

TEST_CASE("Decidim and CONSUL files that cannot be counted are refused with the line and the reason",
          "[online]") {
  std::string hidden = kDecidim;
  hidden.replace(hidden.find(";10;"), 4, ";;");  // supports hidden in the component
  CHECK_THAT(problems(OnlineFormat::kDecidim, hidden), Catch::Contains("f.csv:2: error: proposal 101 has supports ''") &&
                                                           Catch::Contains("hidden"));
  std::string other_component = kDecidim;
  other_component.replace(other_component.find(";7;12;Fountains"), 15, ";7;13;Fountains");
  CHECK_THAT(problems(OnlineFormat::kDecidim, other_component),
             Catch::Contains("f.csv:5: error: proposal 103 belongs to Decidim component 13"));  // 102 spans lines 3-4
  std::string twice = std::string(kDecidim) + "101;;;;7;12;Again;;;;;;4;;;;;;\r\n";
  CHECK_THAT(problems(OnlineFormat::kDecidim, twice), Catch::Contains(":6: error: proposal 101 is in the file twice"));
  CHECK_THAT(problems(OnlineFormat::kDecidim, "id;title/en;state\n1;x;y\n"), Catch::Contains("no \"votes\""));
  // CONSUL's own proposals exporter (Proposal::Exporter) has no supports: say what to export.
  CHECK_THAT(problems(OnlineFormat::kConsul, "ID,Title,Author,Summary,Created at\n1,x,a@b.c,s,d\n"),
             Catch::Contains("not a CONSUL proposals download"));
  CHECK_THAT(problems(OnlineFormat::kConsul, "id,title,summary,author_email\n1,x,s,a@b.c\n"),
             Catch::Contains("cached_votes_up"));
  // Supports cannot be counted as agree/disagree.
  const OnlineMapping c2 = mapping(R"({"format":1,"consultation":"c2"})");
  CHECK_THAT(problems(OnlineFormat::kDecidim, kDecidim, c2), Catch::Contains("agree/disagree consultation"));
}

TEST_CASE("CONSUL's proposals download (attribute names, as Admin > Download settings writes them)", "[online]") {
  const OnlineData d = read(OnlineFormat::kConsul,
                            "id,title,summary,cached_votes_up,author_name,author_email\n"
                            "101,More shade,s,25,Ana,ana@example.org\n7,Skate park,s,4,Bo,bo@example.org\n",
                            "consul");
  REQUIRE(d.counts.size() == 2);
  CHECK(d.counts[0].idea_id == "i1");
  CHECK(d.counts[0].supports == 25);
  CHECK(d.counts[1].idea_id.empty());
  CHECK_THAT(online_data_json(d), !Catch::Contains("example.org") && !Catch::Contains("Ana"));
}

TEST_CASE("per-participant CSV: every rule a kiosk enforces, each broken row named with its line", "[online]") {
  const OnlineData d = read(OnlineFormat::kParticipants, kSurvey, "survey");
  REQUIRE(d.ballots.size() == 3);
  CHECK(d.ballots[1].votes.size() == 2);
  CHECK(d.ballots[2].answers == std::vector<Answer>{{"age", "old"}});
  const std::string bad =
      "participant,consultation,idea:i1,idea:i2,idea:i3,idea:dog,about:age\n"
      "p1,c1,support,support,support,,young\n"  // 3 supports, 2 allowed
      "p2,c1,yes,,,,young\n"                    // not a choice
      "p3,c1,,,,,75+\n"                         // not an answer
      "p3,c1,,,,,\n"                            // twice
      "ana@example.org,c1,,,,,\n"               // an e-mail address
      "p6,c2,,,,,\n"                            // another consultation
      "p7,c1,,,,support,old\n";                 // fine: an online-only idea
  const std::string report = problems(OnlineFormat::kParticipants, bad);
  CHECK_THAT(report, Catch::Contains("f.csv:2: error: participant 'p1' supports 3 ideas; consultation 'c1' allows 2"));
  CHECK_THAT(report, Catch::Contains("f.csv:3: error: 'yes' in column 'idea:i1' is not a choice here"));
  CHECK_THAT(report, Catch::Contains("f.csv:4: error: '75+' is not an answer to 'age'; its answers are: young, old"));
  CHECK_THAT(report, Catch::Contains("f.csv:5: error: participant 'p3' is in the file twice"));
  CHECK_THAT(report, Catch::Contains("f.csv:6: error: participant 'ana@…' looks like an e-mail address"));
  CHECK_THAT(report, Catch::Contains("f.csv:7: error: this row is for consultation 'c2'"));
  CHECK_THAT(report, !Catch::Contains("f.csv:8"));
  CHECK_THAT(report, !Catch::Contains("example.org"));
  // Columns: personal data, an unasked question.
  CHECK_THAT(problems(OnlineFormat::kParticipants, "participant,email\np1,a@b.c\n"),
             Catch::Contains("f.csv:1: error: column 'email' is not one this file may have"));
  CHECK_THAT(problems(OnlineFormat::kParticipants, "participant,about:area\np1,n\n"),
             Catch::Contains("does not ask 'area'"));
  CHECK_THAT(problems(OnlineFormat::kParticipants, "participant,idea:i1\n"), Catch::Contains("no rows"));
}

TEST_CASE("the mapping file names a consultation and ideas the hub has", "[online]") {
  const Content c = parks();
  CHECK_THAT(parse_online_mapping(R"({"format":1,"consultation":"nope"})", c).message(),
             Catch::Contains("it has: c1, c2"));
  CHECK_THAT(parse_online_mapping(R"({"format":1,"consultation":"c1","ideas":{"5":"i9"}})", c).message(),
             Catch::Contains("idea 'i9'") && Catch::Contains("i1, i2, i3"));
  CHECK_THAT(parse_online_mapping(R"({"format":1,"consultation":"c1","idea":{}})", c).message(),
             Catch::Contains("'idea'"));
  CHECK_FALSE(parse_online_mapping("{", c).ok());
}

// Worked out by hand (the numbers in the comments are the oracle, not the code):
//   offline: kiosk s1 young {i3}, s2 old {i3}, s5 young {i3}, s6 (no age) {i3};
//            town hall s3 old {i3, i2}; paper s4 (no age) {i2}
//   online survey (per person): p1 young {i1}, p2 young {i1, i2}, p3 old {i1}
//   Decidim (totals only): 101 -> i1 10, 102 -> online-only "Dog park; fenced" 3, 103 -> i2 1
// Supports: i1 = 3 + 10 = 13; i3 = 5; i2 = 2 + 1 + 1 = 4; dog park 3.
// Online only: i1 13, dog park 3, i2 2, i3 0 -> top three i1, dog park, i2.
// Every channel: i1 13, i3 5, i2 4, dog park 3 -> top three i1, i3, i2: offline moved Toilets in.
// Age, population 50/50: answered 7 (young s1 s5 p1 p2, old s2 s3 p3), 2 did not say. Young weight
// 3.5/4 = 0.875, old 3.5/3 = 1.1667, no answer 1. Weighted i3 = .875*2 + 1.1667*2 + 1 = 5.0833;
// i1 = .875*2 + 1.1667 + 10 = 12.9167; i2 = 1.1667 + 1 + .875 + 1 = 4.0417. Representativeness:
// young 4/7 vs 0.5, old 3/7 vs 0.5 -> (6/7) / (8/7) = 0.75. Online young 2/3, offline young 2/4.
TEST_CASE("every channel in one count: kiosk, town hall, paper, a survey and Decidim, by hand", "[online][results]") {
  OpenedRecords r;
  add(r, 1, Channel::kKiosk, "young", {"i3"});
  add(r, 2, Channel::kKiosk, "old", {"i3"});
  add(r, 3, Channel::kTownHall, "old", {"i2", "i3"});
  add(r, 4, Channel::kPaper, "", {"i2"});
  add(r, 5, Channel::kKiosk, "young", {"i3"});
  add(r, 6, Channel::kKiosk, "", {"i3"});
  TallyOptions options;
  options.online = {read(OnlineFormat::kParticipants, kSurvey, "survey"),
                    read(OnlineFormat::kDecidim, kDecidim, "decidim")};
  PopulationMargins m{{{"age", {{"young", 0.5}, {"old", 0.5}}}}};
  const Tally t = tally(parks(), r, &m, options);
  const ConsultationResult& c = t.consultations.at(0);
  CHECK(c.participants == 9);  // Decidim's supporters are not people we can count
  CHECK(c.participants_by_channel ==
        std::map<std::string, std::uint64_t>{{"kiosk", 4}, {"town-hall", 1}, {"paper", 1}, {"online:survey", 3}});
  CHECK(idea(c, "i1").raw.support == 13);
  CHECK(idea(c, "i3").raw.support == 5);
  CHECK(idea(c, "i2").raw.support == 4);
  const IdeaResult& dog = idea(c, "online:102");
  CHECK(dog.raw.support == 3);
  CHECK(dog.online_only);
  CHECK(dog.text == "Dog park; fenced");
  CHECK(idea(c, "i2").online.support == 2);
  CHECK(idea(c, "i2").offline.support == 2);
  CHECK(idea(c, "i1").by_group.at("channel=online:decidim").support == 10);
  CHECK(idea(c, "i1").by_group.at("channel=online:survey").support == 3);
  CHECK(idea(c, "i1").by_group.at("age=young").support == 2);  // per person only: not Decidim's 10
  CHECK(idea(c, "i1").rank_online == 1);
  CHECK(dog.rank_online == 2);
  CHECK(idea(c, "i2").rank_online == 3);
  CHECK(idea(c, "i3").rank_online == 4);
  CHECK(idea(c, "i3").rank_all == 2);
  CHECK(idea(c, "i2").rank_all == 3);
  CHECK(dog.rank_all == 4);
  CHECK(c.offline_effect ==
        "Residents who took part at kiosks, town halls and on paper moved 'Toilets' into the top three.");
  CHECK(idea(c, "i3").weighted.support == Approx(5.0833).epsilon(1e-4));
  CHECK(idea(c, "i1").weighted.support == Approx(12.9167).epsilon(1e-4));
  CHECK(idea(c, "i2").weighted.support == Approx(4.0417).epsilon(1e-4));
  CHECK(dog.weighted.support == 3);
  CHECK(c.weighting_effect == "Weighting participants to match the population does not change the top three.");
  REQUIRE(c.representativeness);
  CHECK(*c.representativeness == Approx(0.75));
  REQUIRE(c.representation.size() == 2);
  CHECK(c.representation[0].answer == "young");
  CHECK(*c.representation[0].online_share == Approx(2.0 / 3));
  CHECK(*c.representation[0].offline_share == Approx(0.5));
  REQUIRE(c.unanswered.size() == 1);
  CHECK(c.unanswered[0].participants == 2);
  REQUIRE(c.aggregate_sources.size() == 1);
  CHECK(c.aggregate_sources[0].supports == 14);
  CHECK(c.aggregate_sources[0].online_only_ideas == 1);

  const std::string html = results_html(t, "today");
  CHECK_THAT(html, Catch::Contains("moved &#39;Toilets&#39; into the top three"));
  CHECK_THAT(html, Catch::Contains("Online (decidim) adds 14 supports on 3 proposals"));
  CHECK_THAT(html, Catch::Contains("Dog park; fenced (proposed online)"));
  CHECK_THAT(html, Catch::Contains("Did not answer: Age 2 (22%)"));
  CHECK_THAT(html, Catch::Contains("<main>"));
  const auto j = nlohmann::json::parse(results_json(t));
  CHECK(j["consultations"][0]["ideas"][1]["id"] == "i3");
  CHECK(j["consultations"][0]["ideas"][1]["rank_online"] == 4);
}

TEST_CASE("opinion results are ranked by the share who agree, not agree minus disagree", "[results]") {
  // 640 agree / 708 disagree must not look supported (47% agree); and 3 agree of 4 (75%) ranks above
  // 500 agree of 700 (71%) although its agree minus disagree is far smaller.
  OpenedRecords r;
  std::uint32_t who = 0;
  auto vote = [&](const std::string& idea, VoteChoice choice, int n) {
    for (int i = 0; i < n; ++i) {
      Submission s;
      s.consultation_id = "c2";
      ++who;
      s.session_id[0] = static_cast<std::uint8_t>(who);
      s.session_id[1] = static_cast<std::uint8_t>(who >> 8);
      s.session_id[2] = static_cast<std::uint8_t>(who >> 16);
      s.language = "en";
      s.votes = {{idea, choice}};
      r.opened.push_back({r.opened.size() + 1, {}, s});
    }
  };
  Content content = parks();
  content.consultations[1].ideas.push_back({"t2", {{{"en", "Night buses"}}}});
  content.consultations[1].ideas.push_back({"t3", {{{"en", "Bus shelters"}}}});
  vote("t1", VoteChoice::kAgree, 640);
  vote("t1", VoteChoice::kDisagree, 708);
  vote("t2", VoteChoice::kAgree, 3);
  vote("t2", VoteChoice::kPass, 1);
  vote("t3", VoteChoice::kAgree, 500);
  vote("t3", VoteChoice::kDisagree, 150);
  vote("t3", VoteChoice::kPass, 50);
  const Tally t = tally(content, r, nullptr);
  const ConsultationResult& c = t.consultations.at(1);
  REQUIRE(c.ideas.size() == 3);
  CHECK(c.ideas[0].id == "t2");
  CHECK(c.ideas[1].id == "t3");
  CHECK(c.ideas[2].id == "t1");
  const std::string html = results_html(t, "today");
  CHECK_THAT(html, Catch::Contains("Share of voters who agree and who disagree"));
  CHECK_THAT(html, Catch::Contains("640 <span class=\"pct\">(47%)</span>"));
  CHECK_THAT(html, Catch::Contains("Pass, weighted"));
}

TEST_CASE("CSV cells that a spreadsheet would run as formulas stay text", "[results][report]") {
  OpenedRecords r;
  add(r, 1, Channel::kKiosk, "", {"i1"});
  Content content = parks();
  content.consultations[0].ideas[0].text.by_language["en"] = "=SUM(A1:A9)";
  content.consultations[0].ideas[1].text.by_language["en"] = "-2+3";
  content.consultations[0].ideas[2].text.by_language["en"] = "@cmd";
  const std::string csv = ideas_csv(tally(content, r, nullptr));
  CHECK_THAT(csv, Catch::Contains("\"'=SUM(A1:A9)\""));
  CHECK_THAT(csv, Catch::Contains("\"'-2+3\""));
  CHECK_THAT(csv, Catch::Contains("\"'@cmd\""));
}

TEST_CASE("busy kiosks are residents at a screen: a town hall's or paper cards' hour is not flagged", "[results]") {
  OpenedRecords r;
  for (std::uint8_t i = 1; i <= 80; ++i) add(r, i, i % 2 ? Channel::kTownHall : Channel::kPaper, "", {"i1"});
  CHECK(tally(parks(), r, nullptr).anomalies.empty());
  for (std::uint8_t i = 81; i <= 150; ++i) add(r, i, Channel::kKiosk, "", {"i1"});
  const Tally t = tally(parks(), r, nullptr);
  REQUIRE(t.anomalies.size() == 1);
  CHECK(t.anomalies[0].kind == "busy-kiosk");
  CHECK_THAT(t.anomalies[0].detail, Catch::Contains("70 residents' sessions") && Catch::Contains("they are counted"));
}

TEST_CASE("text is shortened at a character, never inside one, and the report shows labels whole", "[results][report]") {
  const std::string syllabics = "ᐃᓄᒃᑎᑐᑦ";  // 3 bytes each
  CHECK(shorten_utf8(syllabics, 7) == "ᐃᓄ…");
  CHECK(shorten_utf8("café crème", 4) == "caf…");
  CHECK(shorten_utf8("café", 5) == "café");
  OpenedRecords r;
  add(r, 1, Channel::kKiosk, "", {"i1"});
  Content content = parks();
  const std::string long_text = std::string(48, 'x') + "é and a long rest of the idea that goes on";
  content.consultations[0].ideas[0].text.by_language["en"] = long_text;
  const std::string html = results_html(tally(content, r, nullptr), "today");
  CHECK_THAT(html, Catch::Contains(long_text));
}

TEST_CASE("Decidim's import files: residents' ideas with where they came from, results as answers", "[online]") {
  OpenedRecords r;
  add(r, 1, Channel::kKiosk, "", {"i1"});
  add(r, 2, Channel::kTownHall, "", {"i1", "i2"});
  TallyOptions options;
  options.online = {read(OnlineFormat::kDecidim, kDecidim, "decidim")};
  const Tally t = tally(parks(), r, nullptr, options);
  const std::string answers = decidim_answers_csv(t.consultations[0], c1_mapping(), {"en", "fr"});
  CHECK_THAT(answers, Catch::StartsWith("\xEF\xBB\xBFid,state,answer/en,answer/fr\r\n"));
  CHECK_THAT(answers, Catch::Contains("\"101\",\"evaluating\",\"Results across every channel: 12 supports (kiosks 1, "
                                      "online (decidim) 10, town halls 1). Ranked 1 of 4 with every channel, 1 online "
                                      "only.\",\"Résultats de tous les canaux : 12 appuis"));
  CHECK_THAT(answers, Catch::Contains("\"103\",\"evaluating\",\"Results across every channel: 2 supports"));
  const std::string proposals = decidim_proposals_csv(
      {{"r-1a2b3c4d", "fr", "=1+1 des bancs à l'ombre", "town-hall", "Library, Ward 3 meeting"}}, {"en", "fr"});
  CHECK_THAT(proposals, Catch::Contains("title/en,title/fr,body/en,body/fr\r\n\"'=1+1 des bancs à l'ombre\""));
  CHECK_THAT(proposals, Catch::Contains("Proposed by a resident at a town-hall meeting (Library, Ward 3 meeting)"));
}

TEST_CASE("online ballots are checked again at the count against the consultations as they are now", "[online][results]") {
  TallyOptions options;
  options.online = {read(OnlineFormat::kParticipants, kSurvey, "survey")};
  Content fewer = parks();
  fewer.consultations[0].max_supports = 1;  // p2 supports two ideas
  const Tally t = tally(fewer, {}, nullptr, options);
  const ConsultationResult& c = t.consultations.at(0);
  CHECK(c.participants == 2);
  CHECK(c.refused_ballots.at("too-many-supports") == 1);
  REQUIRE(t.anomalies.size() == 1);
  CHECK_THAT(t.anomalies[0].detail, Catch::Contains("not counted"));
}

TEST_CASE("weighting notes name groups by their labels, and a question nobody answered once", "[results]") {
  OpenedRecords r;
  add(r, 1, Channel::kKiosk, "young", {"i1"});
  add(r, 2, Channel::kKiosk, "young", {"i2"});
  Content content = parks();
  content.consultations[0].about_you = {"age", "area"};
  PopulationMargins m{{{"age", {{"young", 0.5}, {"old", 0.5}}}, {"area", {{"n", 1.0}}}}};
  const Tally t = tally(content, r, &m);
  const std::string& note = t.consultations.at(0).weighting_note;
  CHECK_THAT(note, Catch::Contains("nobody took part from Age: 40 and over, so weighting cannot speak for them"));
  CHECK_THAT(note, Catch::Contains("nobody answered \"Area\""));
  CHECK_THAT(note, !Catch::Contains("age=old"));
  // No table for a question nobody answered: the "did not answer" line says it.
  const std::string html = results_html(t, "today");
  CHECK_THAT(html, !Catch::Contains("Area — participants and population"));
  CHECK_THAT(html, Catch::Contains("Age — participants and population"));
}

TEST_CASE("online exports into a budget or pairwise consultation are refused, saying where those ballots come from",
          "[online]") {
  auto content = parse_content(R"({"format":2,
    "consultations":[{"id":"b","title":{"en":"Budget"},"summary":{"en":"s"},"body":{"en":"b"},
      "voting":{"method":"budget","total":100},"ideas":[{"id":"p1","text":{"en":"Park"},"cost":50}]},
     {"id":"w","title":{"en":"Which"},"summary":{"en":"s"},"body":{"en":"b"},"voting":{"method":"pairwise"},
      "ideas":[{"id":"a","text":{"en":"A"}},{"id":"c","text":{"en":"C"}}]}]})");
  REQUIRE(content.ok());
  for (const char* id : {"b", "w"}) {
    auto m = parse_online_mapping(std::string(R"({"format":1,"consultation":")") + id + R"(","ideas":{"1":")" +
                                      (id[0] == 'b' ? "p1" : "a") + R"("}})",
                                  *content);
    REQUIRE(m.ok());
    const std::string kind = id[0] == 'b' ? "a budget consultation" : "a pairwise consultation";
    OnlineParse decidim = parse_online_export(OnlineFormat::kDecidim, kDecidim, *m, *content, "src");
    CHECK_FALSE(decidim.data);
    CHECK_THAT(decidim.report("f.csv"), Catch::Contains(kind));
    OnlineParse people = parse_online_export(OnlineFormat::kParticipants,
                                             std::string("participant,consultation,idea:1\np1,") + id + ",support\n",
                                             *m, *content, "src");
    CHECK_FALSE(people.data);
    CHECK_THAT(people.report("f.csv"), Catch::Contains(kind) && Catch::Contains("come from kiosks"));
  }
}
