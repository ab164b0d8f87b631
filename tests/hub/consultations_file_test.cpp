// The operator's consultations file: every problem reported at once, each with its JSON pointer and
// the line it is on (found here by searching the text, not by the code under test).
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "sync/consultation/consultation.h"

using namespace civic;

namespace {

// The 1-based line of the only line containing `marker`.
int line_of(const std::string& text, const std::string& marker) {
  std::istringstream in(text);
  std::string line;
  int number = 0, found = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find(marker) != std::string::npos) {
      REQUIRE(found == 0);  // the marker must be unique
      found = number;
    }
  }
  REQUIRE(found > 0);
  return found;
}

const ContentProblem* problem_at(const std::vector<ContentProblem>& all, const std::string& pointer) {
  auto it = std::find_if(all.begin(), all.end(), [&](const ContentProblem& p) { return p.pointer == pointer; });
  return it == all.end() ? nullptr : &*it;
}

const std::string kFile = R"({
  "format": 1,
  "questions": [
    {"id": "age", "label": {"en": "Your age"},
     "answers": [{"id": "under-25", "label": {"en": "Under 25"}}]}
  ],
  "consultations": [
    {"id": "parks-2026",
     "title": {"en": "Parks"}, "summary": {"en": "s"}, "body": {"en": "b"},
     "opens_at": "2026-01-01",
     "closes_at": 1900000000,
     "voting": {"method": "support", "max_supports": 0},
     "about_you": ["age", "income"],
     "ideas": [
       {"id": "r-001", "text": {"en": "A"}},
       {"id": "idea 2", "txt": {"en": "B"}}
     ]},
    {"id": "roads", "title": {"en": "Roads"}, "summary": {"en": "s"}, "body": {"en": "b"},
     "opens_at": 1900000000,
     "closes_at": 1800000000,
     "closes_on": 5}
  ]
})";

}  // namespace

TEST_CASE("a consultations file with many errors gets every one, each with its pointer and line", "[content]") {
  const ContentCheck check = check_consultations_file(kFile);
  CHECK_FALSE(check.content);
  struct Expected {
    std::string pointer, marker, words;
  };
  const std::vector<Expected> expected{
      {"/consultations/0/opens_at", "\"2026-01-01\"", "whole number of seconds"},
      {"/consultations/0/voting/max_supports", "\"max_supports\": 0", "from 1 to 100"},
      {"/consultations/0/about_you/1", "\"income\"", "'income', which \"questions\" does not have (it has: age)"},
      {"/consultations/0/ideas/0/id", "r-001", "kept for residents' ideas"},
      {"/consultations/0/ideas/1/txt", "\"txt\"", "'txt' is not a field of an idea"},
      {"/consultations/0/ideas/1/id", "idea 2", "'idea 2' must be 1 to 64 letters"},
      {"/consultations/1/closes_at", "1800000000", "on or before it opens"},
      {"/consultations/1/closes_on", "closes_on", "not a field of a consultation"},
  };
  for (const auto& e : expected) {
    INFO(e.pointer);
    const ContentProblem* p = problem_at(check.errors, e.pointer);
    REQUIRE(p != nullptr);
    CHECK(p->line == line_of(kFile, e.marker));
    CHECK_THAT(p->message, Catch::Contains(e.words));
    CHECK_THAT(p->message, !Catch::Contains("json.exception"));
  }
  // The idea without "text" is reported at the idea itself.
  const ContentProblem* missing = problem_at(check.errors, "/consultations/0/ideas/1");
  REQUIRE(missing != nullptr);
  CHECK_THAT(missing->message, Catch::Contains("lacks \"text\""));
  CHECK(check.errors.size() == expected.size() + 1);
  // One line each, with the file name, the line and the pointer.
  CHECK_THAT(check.report("consultations.json"),
             Catch::Contains("consultations.json:" + std::to_string(line_of(kFile, "closes_on")) +
                             ": error at /consultations/1/closes_on: "));
}

TEST_CASE("a consultations file without format, or not JSON, is explained in an operator's words", "[content]") {
  const ContentCheck no_format =
      check_consultations_file(R"({"consultations": [{"id": "a", "title": {"en": "t"}, "summary": {"en": "s"},
                                   "body": {"en": "b"}}]})");
  REQUIRE(no_format.errors.size() == 1);
  CHECK_THAT(no_format.errors[0].message, Catch::Contains("add \"format\": 1"));
  CHECK_THAT(no_format.errors[0].message, !Catch::Contains("update the kiosk"));
  const ContentCheck newer = check_consultations_file(R"({"format": 3, "consultations": []})");
  REQUIRE(newer.errors.size() == 1);
  CHECK_THAT(newer.errors[0].message, !Catch::Contains("update the kiosk"));  // an operator's file: fix the file
  CHECK(parse_content(R"({"format": 3, "consultations": []})").code() == ErrorCode::kUnknownVersion);
  CHECK_THAT(parse_content(R"({"format": 3, "consultations": []})").message(), Catch::Contains("update the kiosk"));

  const std::string broken = "{\"format\": 1,\n \"consultations\": [\n  {\"id\": \"a\",}\n ]}";
  const ContentCheck syntax = check_consultations_file(broken);
  REQUIRE(syntax.errors.size() == 1);
  CHECK(syntax.errors[0].line == 3);
  CHECK_THAT(syntax.errors[0].message, Catch::Contains("not valid JSON at column"));
  CHECK_THAT(syntax.errors[0].message, !Catch::Contains("json.exception"));
}

TEST_CASE("residents' r- ids are refused in an operator's file but read in a bundle", "[content]") {
  const std::string text = R"({"format": 1, "consultations": [{"id": "a", "title": {"en": "t"}, "summary": {"en": "s"},
    "body": {"en": "b"}, "ideas": [{"id": "r-0000002a", "text": {"en": "a resident's"}}]}]})";
  CHECK_FALSE(check_consultations_file(text).content);
  REQUIRE(parse_content(text).ok());
  CHECK(parse_content(text)->consultations[0].ideas[0].id == "r-0000002a");
}

TEST_CASE("a good file passes, closes_at is optional, and a bundle expiring first is warned about", "[content]") {
  const std::string text = R"({"format": 1, "consultations": [
    {"id": "open-ended", "title": {"en": "t"}, "summary": {"en": "s"}, "body": {"en": "b"}},
    {"id": "late", "title": {"en": "t"}, "summary": {"en": "s"}, "body": {"en": "b"}, "closes_at": 2000},
    {"id": "early", "title": {"en": "t"}, "summary": {"en": "s"}, "body": {"en": "b"}, "closes_at": 1000}]})";
  const ContentCheck check = check_consultations_file(text);
  REQUIRE(check.errors.empty());
  REQUIRE(check.content);
  const auto warnings = expiry_warnings(*check.content, 1500);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("'late'"));
  CHECK(expiry_warnings(*check.content, 2000).empty());  // closing the second the bundle expires is fine

  const ContentCheck same_second = check_consultations_file(R"({"format": 1, "consultations": [
    {"id": "a", "title": {"en": "t"}, "summary": {"en": "s"}, "body": {"en": "b"}, "opens_at": 5, "closes_at": 5}]})");
  REQUIRE(same_second.errors.size() == 1);
  CHECK_THAT(same_second.errors[0].message, Catch::Contains("on or before it opens"));
}

TEST_CASE("a consultations file nested a hundred thousand deep is refused, not a crash", "[content]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string text = "{\"format\": 1,\n \"consultations\": [{\"id\": \"a\", \"title\": " + deep +
                           ",\n  \"summary\": {\"en\": \"s\"}, \"body\": {\"en\": \"b\"},\n  \"closes_on\": 1}]}";
  const ContentCheck check = check_consultations_file(text);
  CHECK_FALSE(check.content);
  const ContentProblem* title = problem_at(check.errors, "/consultations/0/title");
  REQUIRE(title != nullptr);
  CHECK(title->line == 2);
  const ContentProblem* typo = problem_at(check.errors, "/consultations/0/closes_on");
  REQUIRE(typo != nullptr);
  CHECK(typo->line == 4);  // lines are still counted past the deep part
  CHECK_FALSE(parse_content(text).ok());
}

TEST_CASE("open_data.smallest_cell is the operators' setting: read from their file, never in a bundle",
          "[content][open-data]") {
  const std::string file = R"({"format": 1, "open_data": {"smallest_cell": 3},
    "consultations": [{"id": "c", "title": {"en": "t"}, "summary": {"en": "s"}, "body": {"en": "b"}}]})";
  const ContentCheck ok = check_consultations_file(file);
  REQUIRE(ok.content);
  CHECK(ok.content->open_data_smallest_cell == 3);
  CHECK(check_consultations_file(R"({"format": 1, "consultations": []})").content->open_data_smallest_cell == 5);
  std::string zero = file;
  zero.replace(zero.find("\"smallest_cell\": 3"), 18, "\"smallest_cell\": 0");
  const ContentCheck bad = check_consultations_file(zero);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].pointer == "/open_data/smallest_cell");
  CHECK(bad.errors[0].line == 1);
  // Kiosks read bundles strictly, and the hub never puts it in one.
  CHECK_FALSE(parse_content(file).ok());
  CHECK(format_content(*ok.content).find("open_data") == std::string::npos);
}
