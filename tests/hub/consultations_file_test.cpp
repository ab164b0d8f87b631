// The operator's consultations file: every problem reported at once, each with its JSON pointer and
// the line it is on (found here by searching the text, not by the code under test).
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include <sodium.h>

#include <cmath>
#include <cstring>

#include "sync/common/adpcm.h"
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
  const ContentCheck newer = check_consultations_file(R"({"format": 4, "consultations": []})");
  REQUIRE(newer.errors.size() == 1);
  CHECK_THAT(newer.errors[0].message, !Catch::Contains("update the kiosk"));  // an operator's file: fix the file
  CHECK(parse_content(R"({"format": 4, "consultations": []})").code() == ErrorCode::kUnknownVersion);
  CHECK_THAT(parse_content(R"({"format": 4, "consultations": []})").message(), Catch::Contains("update the kiosk"));

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

TEST_CASE("recordings: format 3, each clip checked, carried to the bundle, missing ones and translations warned about",
          "[content]") {
  // A 200-sample tone, compressed; its base64 made by libsodium here as an operator's tool would.
  std::vector<std::int16_t> tone(200);
  for (std::size_t i = 0; i < tone.size(); ++i) tone[i] = static_cast<std::int16_t>(8000 * std::sin(0.3 * static_cast<double>(i)));
  const auto adpcm = adpcm_encode(tone.data(), tone.size());
  REQUIRE(adpcm.size() == 100);
  std::string b64(sodium_base64_ENCODED_LEN(adpcm.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), adpcm.data(), adpcm.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  auto file = [&](int format, const std::string& clip) {
    return std::string(R"({"format": )") + std::to_string(format) + R"(, "consultations": [
      {"id": "a", "title": {"en": "Title", "iu": "ᐸᑉᑭ"}, "summary": {"en": "s", "iu": "ᐅᓪᓗᒥ"}, "body": {"en": "b"}}],
      "recordings": {"iu": [)" + clip + "]}}";
  };
  const std::string good = R"({"text": "ᐸᑉᑭ", "rate": 16000, "samples": 200, "adpcm": ")" + b64 + R"("})";
  const ContentCheck ok = check_consultations_file(file(3, good));
  REQUIRE(ok.errors.empty());
  REQUIRE(ok.content);
  REQUIRE(ok.content->recordings.at("iu").size() == 1);
  CHECK(ok.content->recordings.at("iu")[0].adpcm == adpcm);
  // Warned: the summary in Inuktitut has no recording; the body has no Inuktitut text.
  auto warned = [&](const std::string& what) {
    return std::any_of(ok.warnings.begin(), ok.warnings.end(),
                       [&](const ContentProblem& p) { return p.message.find(what) != std::string::npos; });
  };
  CHECK(warned("the summary of 'a' has no recording in 'iu'"));
  CHECK(warned("the text of 'a' has no 'iu' text"));
  CHECK_FALSE(warned("the title of 'a' has no recording"));
  // The bundle payload carries them (format 3) and a kiosk reads them back.
  const std::string payload = format_content(*ok.content);
  CHECK_THAT(payload, Catch::Contains("\"format\": 3"));
  auto parsed = parse_content(payload);
  REQUIRE(parsed.ok());
  CHECK(parsed->recordings.at("iu")[0].adpcm == adpcm);
  CHECK(parsed->recordings.at("iu")[0].text == "ᐸᑉᑭ");
  // Without recordings a payload stays at the lowest format that holds it.
  Content plain = *ok.content;
  plain.recordings.clear();
  CHECK_THAT(format_content(plain), Catch::Contains("\"format\": 1"));
  // Refused, each with what to do.
  auto first_error = [&](const std::string& text) {
    const ContentCheck c = check_consultations_file(text);
    return c.errors.empty() ? std::string() : c.errors.front().message;
  };
  CHECK_THAT(first_error(file(2, good)), Catch::Contains("need \"format\": 3"));
  CHECK_THAT(first_error(file(3, R"({"text": "ᐸᑉᑭ", "rate": 16000, "samples": 300, "adpcm": ")" + b64 + R"("})")),
             Catch::Contains("(samples + 1) / 2 bytes"));
  CHECK_THAT(first_error(file(3, R"({"text": "ᐸᑉᑭ", "rate": 16000, "samples": 200, "adpcm": "not base64!"})")),
             Catch::Contains("base64"));
  CHECK_THAT(first_error(file(3, R"({"text": "ᐸᑉᑭ", "rate": 4000, "samples": 200, "adpcm": ")" + b64 + R"("})")),
             Catch::Contains("8000 to 48000"));
  CHECK_THAT(first_error(file(3, good + "," + good)), Catch::Contains("same text"));
  // A kiosk older than format 3 is told to update (kept for the newer-format path).
  const ContentCheck newer = check_consultations_file(file(4, good));
  REQUIRE_FALSE(newer.errors.empty());
}

TEST_CASE("IMA ADPCM: the bytes and samples of Python's audioop, and a close round trip", "[content]") {
  // Made by Python's audioop.lin2adpcm / adpcm2lin (no state) from these 64 samples: another
  // implementation of the same codec, which the kiosks' and the hub's must match.
  const std::vector<std::int16_t> samples{
      0,     1670,  3222,  4551,  5571,  6225,  6493,  6389,  5962,  5292, 4481, 3643, 2895, 2342, 2072, 2142,
      2578,  3367,  4463,  5788,  7240,  8706,  10066, 11211, 12050, 12519, 12587, 12260, 11580, 10619, 9475, 8261,
      7095,  6087,  5332,  4898,  4818,  5093,  5685,  6526,  7521,  8558, 9521, 10298, 10792, 10932, 10681, 10034,
      9025,  7720,  6212,  4611,  3037,  1604,  413,   -460,  -971,  -1110, -902, -409, 282,  1064, 1822, 2440};
  const std::string audioop_hex = "0777777778899880022434232188bbebbbaa00354333119ccdcbcab998012422";
  const std::vector<std::int16_t> audioop_decoded{
      0,     11,    41,    104,   240,   533,   1164,  2521, 5431, 5016, 4638, 3608, 2672, 2388, 2130, 2364,
      2577,  3547,  4428,  5870,  7228,  8815,  9881,  11239, 12120, 12600, 12455, 12323, 11482, 10716, 9423, 8190,
      7069,  6050,  5388,  4787,  4896,  4995,  5628,  6532,  7615,  8634, 9561, 10402, 10730, 11028, 10757, 10017,
      9122,  7799,  6212,  4720,  2974,  1801,  309,   -273,  -801,  -961, -816, -419, 182,  1167, 1829, 2430};
  const auto encoded = adpcm_encode(samples.data(), samples.size());
  std::string hex;
  for (auto b : encoded) {
    static const char* digits = "0123456789abcdef";
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  CHECK(hex == audioop_hex);
  CHECK(adpcm_decode(encoded.data(), encoded.size(), samples.size()) == audioop_decoded);
}

TEST_CASE("IMA ADPCM decodes what it encodes, within a few percent of the signal", "[content]") {
  std::vector<std::int16_t> speechlike(16000);
  for (std::size_t i = 0; i < speechlike.size(); ++i)
  {
    const double t = static_cast<double>(i);
    speechlike[i] = static_cast<std::int16_t>(9000 * std::sin(0.05 * t) + 4000 * std::sin(0.31 * t) * std::sin(0.002 * t));
  }
  const auto packed = adpcm_encode(speechlike.data(), speechlike.size());
  CHECK(packed.size() == speechlike.size() / 2);  // 4 bits a sample
  const auto back = adpcm_decode(packed.data(), packed.size(), speechlike.size());
  REQUIRE(back.size() == speechlike.size());
  double noise = 0, energy = 0;
  for (std::size_t i = 0; i < back.size(); ++i) {
    noise += std::pow(back[i] - speechlike[i], 2);
    energy += std::pow(speechlike[i], 2);
  }
  CHECK(noise < 0.01 * energy);
  CHECK(adpcm_decode(packed.data(), 10, 1000).size() == 20);  // never reads past the bytes given
}
