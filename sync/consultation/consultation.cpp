#include "consultation.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <cstring>
#include <sodium.h>
#include <optional>
#include <set>

#include "sync/protocol/record.h"

namespace civic {

using nlohmann::json;

const char* voting_method_name(VotingMethod m) {
  switch (m) {
    case VotingMethod::kSupport: return "support";
    case VotingMethod::kOpinion: return "opinion";
    case VotingMethod::kBudget: return "budget";
    case VotingMethod::kPairwise: return "pairwise";
    case VotingMethod::kNone: return "none";
  }
  return "none";
}

const char* budget_ballot_name(BudgetBallot b) {
  return b == BudgetBallot::kApproval ? "approval" : "knapsack";
}

const Idea* Consultation::idea(const std::string& idea_id) const {
  for (const auto& i : ideas) {
    if (i.id == idea_id) return &i;
  }
  return nullptr;
}

std::uint64_t budget_spent(const Consultation& c, const std::vector<std::string>& ids) {
  std::uint64_t spent = 0;
  for (const auto& id : ids) {
    if (const Idea* i = c.idea(id)) spent += i->cost;
  }
  return spent;
}

std::optional<std::string> impossible_budget_selection(const Consultation& c, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (!c.idea(id)) return "unknown-project";
  }
  if (c.budget_ballot == BudgetBallot::kApproval) {
    if (ids.size() > static_cast<std::size_t>(c.max_projects)) return "too-many-projects";
  } else if (budget_spent(c, ids) > c.budget_total) {
    return "over-budget";
  }
  return std::nullopt;
}

const std::string& LocalText::in(const std::string& language) const {
  static const std::string kEmpty;
  if (auto it = by_language.find(language); it != by_language.end()) return it->second;
  if (auto it = by_language.find("en"); it != by_language.end()) return it->second;
  return by_language.empty() ? kEmpty : by_language.begin()->second;
}

const Consultation* Content::consultation(const std::string& id) const {
  for (const auto& c : consultations) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

const Question* Content::question(const std::string& id) const {
  for (const auto& q : questions) {
    if (q.id == id) return &q;
  }
  return nullptr;
}

Content open_at(const Content& content, std::uint64_t unix_now) {
  Content out;
  out.questions = content.questions;
  for (const auto& c : content.consultations) {
    if (c.open_at(unix_now)) out.consultations.push_back(c);
  }
  return out;
}

namespace {

// Where each value starts in the text, by JSON pointer: nlohmann::json keeps no positions, and an
// operator needs the line. Runs only over text json::parse accepted, so it can trust the grammar.
class LineIndex {
 public:
  explicit LineIndex(const std::string& text) : text_(text) {
    skip_space();
    value("", 0);
  }
  int line_of(const std::string& pointer) const {
    auto it = lines_.find(pointer);
    return it == lines_.end() ? 0 : it->second;
  }

 private:
  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) {
      if (text_[at_] == '\n') ++line_;
      ++at_;
    }
  }
  std::string string_token() {  // at the opening quote; escapes kept as written except \" and \\ and \/
    std::string out;
    ++at_;
    while (at_ < text_.size() && text_[at_] != '"') {
      if (text_[at_] == '\\' && at_ + 1 < text_.size()) {
        const char next = text_[++at_];
        out += (next == '"' || next == '\\' || next == '/') ? next : '?';
      } else {
        out += text_[at_];
      }
      ++at_;
    }
    ++at_;
    return out;
  }
  static std::string escape(const std::string& token) {
    std::string out;
    for (char ch : token) out += ch == '~' ? "~0" : ch == '/' ? "~1" : std::string(1, ch);
    return out;
  }
  // The file's own structure is six levels deep; deeper values are stepped over without recursion,
  // so a hostile file nested a million times cannot exhaust the stack.
  static constexpr int kMaxDepth = 16;

  void skip_nested() {  // at '{' or '['; to just past its matching close
    int depth = 0;
    do {
      const char ch = text_[at_];
      if (ch == '"') {
        string_token();
        continue;
      }
      if (ch == '\n') ++line_;
      if (ch == '{' || ch == '[') ++depth;
      if (ch == '}' || ch == ']') --depth;
      ++at_;
    } while (depth > 0 && at_ < text_.size());
  }

  void value(const std::string& pointer, int depth) {
    lines_[pointer] = line_;
    if (at_ >= text_.size()) return;
    const char ch = text_[at_];
    if ((ch == '{' || ch == '[') && depth >= kMaxDepth) {
      skip_nested();
    } else if (ch == '{' || ch == '[') {
      const char close = ch == '{' ? '}' : ']';
      ++at_;
      skip_space();
      for (std::size_t index = 0; at_ < text_.size() && text_[at_] != close; ++index) {
        std::string child = pointer + "/" + std::to_string(index);
        if (ch == '{') {
          child = pointer + "/" + escape(string_token());
          skip_space();
          ++at_;  // ':'
          skip_space();
        }
        value(child, depth + 1);
        skip_space();
        if (at_ < text_.size() && text_[at_] == ',') ++at_;
        skip_space();
      }
      ++at_;
    } else if (ch == '"') {
      string_token();
    } else {
      while (at_ < text_.size() && !std::strchr(",]} \t\r\n", text_[at_])) ++at_;
    }
  }

  const std::string& text_;
  std::size_t at_ = 0;
  int line_ = 1;
  std::map<std::string, int> lines_;
};

const char* kind_of(const json& j) {
  switch (j.type()) {
    case json::value_t::object: return "an object {...}";
    case json::value_t::array: return "a list [...]";
    case json::value_t::string: return "text in quotes";
    case json::value_t::boolean: return "true or false";
    case json::value_t::null: return "null";
    case json::value_t::number_float: return "a number with a fraction";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "a whole number";
    default: return "something else";
  }
}

// Walks a consultations file or bundle payload, noting every problem with its place, and builds
// the Content as it goes (kept only when nothing is wrong).
class ContentReader {
 public:
  ContentReader(const std::string& text, bool operator_file) : text_(text), operator_file_(operator_file) {}

  // The format is newer than this software reads (a kiosk older than its hub).
  bool newer_format() const { return format_unknown_; }

  ContentCheck read() {
    ContentCheck check;
    json root;
    try {
      root = json::parse(text_);
    } catch (const json::parse_error& e) {
      const auto [line, column] = position(e.byte);
      check.errors.push_back({"", line, "this is not valid JSON at column " + std::to_string(column) + ": " +
                                            plain_parse_error(e.what()) +
                                            " (a missing comma or quote, or a comma before } or ]?)"});
      return check;
    }
    lines_.emplace(text_);
    Content content;
    read_root(root, content);
    check.errors = std::move(errors_);
    check.warnings = std::move(warnings_);
    if (check.errors.empty()) check.content = std::move(content);
    return check;
  }

 private:
  std::pair<int, int> position(std::size_t byte) const {
    int line = 1, column = 1;
    for (std::size_t i = 0; i + 1 < byte && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return {line, column};
  }
  static std::string plain_parse_error(const std::string& what) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while parsing
    // object - unexpected '}'; expected string literal": keep what follows the last " - ".
    const auto dash = what.rfind(" - ");
    return dash == std::string::npos ? what : what.substr(dash + 3);
  }

  void error(const std::string& pointer, const std::string& message) {
    errors_.push_back({pointer, lines_->line_of(pointer), message});
  }
  void warning(const std::string& pointer, const std::string& message) {
    warnings_.push_back({pointer, lines_->line_of(pointer), message});
  }

  // False when `j` is not an object. Refuses keys the format does not have: a typo ("closes_on") would otherwise be ignored.
  bool object_with(const json& j, const std::string& pointer, const std::string& what,
                   std::initializer_list<const char*> allowed, std::initializer_list<const char*> required) {
    if (!j.is_object()) {
      error(pointer, what + " must be an object {...}, not " + kind_of(j));
      return false;
    }
    for (const auto& [key, value] : j.items()) {
      bool known = false;
      for (const char* a : allowed) known = known || key == a;
      if (!known) {
        std::string list;
        for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
        error(pointer + "/" + key, "'" + key + "' is not a field of " + what + " (a typo?); it has: " + list);
      }
    }
    for (const char* r : required) {
      if (!j.contains(r)) error(pointer, what + " lacks \"" + r + "\", which is required");
    }
    return true;
  }

  // The field, or a "discarded" value when it is missing (already reported by object_with), which
  // the readers below skip without a second message.
  static const json& field(const json& j, const char* key) {
    static const json kMissing(json::value_t::discarded);
    return j.contains(key) ? j[key] : kMissing;
  }

  bool list(const json& j, const std::string& pointer, const std::string& what) {
    if (j.is_array()) return true;
    error(pointer, what + " must be a list [...], not " + kind_of(j));
    return false;
  }

  std::string id(const json& j, const std::string& pointer, const std::string& what) {
    if (j.is_discarded()) return {};
    if (!j.is_string()) {
      error(pointer, what + " id must be text in quotes, not " + kind_of(j));
      return {};
    }
    std::string value = j.get<std::string>();
    if (value.empty() || value.size() > kMaxIdBytes ||
        value.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            std::string::npos) {
      error(pointer, what + " id '" + value + "' must be 1 to 64 letters, digits, '.', '_' or '-' (no spaces)");
    }
    return value;
  }

  void unique(std::set<std::string>& seen, const std::string& value, const std::string& pointer,
              const std::string& what) {
    if (!value.empty() && !seen.insert(value).second) error(pointer, what + " id '" + value + "' is used twice");
  }

  LocalText local_text(const json& j, const std::string& pointer, const std::string& what) {
    LocalText t;
    if (j.is_discarded()) return t;
    if (!j.is_object() || j.empty()) {
      error(pointer, what + " must be an object of texts by language, e.g. {\"en\": \"...\", \"fr\": \"...\"}");
      return t;
    }
    for (const auto& [language, text] : j.items()) {
      const std::string at = pointer + "/" + language;
      if (language.empty() || language.size() > kMaxLanguageBytes ||
          language.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
              std::string::npos) {
        error(at, "'" + language + "' is not a language tag (such as en, fr or iu-Cans)");
      }
      if (!text.is_string()) {
        error(at, what + " in '" + language + "' must be text in quotes, not " + kind_of(text));
      } else if (text.get<std::string>().empty()) {
        error(at, what + " in '" + language + "' is empty");
      } else {
        t.by_language[language] = text.get<std::string>();
      }
    }
    return t;
  }

  std::uint64_t unix_time(const json& j, const std::string& pointer, const std::string& what) {
    if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0)) {
      error(pointer, what + " must be a whole number of seconds since 1970-01-01 UTC (Unix time, e.g. 1900000000), "
                            "not " + kind_of(j));
      return 0;
    }
    return j.get<std::uint64_t>();
  }

  void read_root(const json& root, Content& content) {
    if (!root.is_object()) {
      error("", "the file must be an object {...} with \"format\": 1, \"questions\" and \"consultations\"");
      return;
    }
    if (!root.contains("format")) {
      error("", "the file has no \"format\": add \"format\": 1 as its first field (see assets/README.md)");
    } else if (root["format"] != 1 && root["format"] != 2 && root["format"] != 3) {
      const json& f = root["format"];
      const bool newer = f.is_number_unsigned() && f.get<std::uint64_t>() > 3;
      error("/format", newer && !operator_file_
                           ? "the content's format is newer than this kiosk reads (versions 1 to 3); update the "
                             "kiosk software"
                           : "\"format\" must be 1, 2 or 3 (2 for budget and pairwise consultations, 3 with "
                             "recordings; see assets/README.md)");
      format_unknown_ = newer;
    } else {
      format_ = root["format"].get<int>();
    }
    // "open_data" is the operators' (civic-hub open-data): bundles for kiosks never carry it.
    if (operator_file_) {
      object_with(root, "", "the file", {"format", "questions", "consultations", "recordings", "open_data"},
                  {"consultations"});
      if (root.contains("open_data")) read_open_data(root["open_data"], content);
    } else {
      object_with(root, "", "the file", {"format", "questions", "consultations", "recordings"}, {"consultations"});
    }
    if (root.contains("recordings")) {
      if (format_ != 3) error("/recordings", "\"recordings\" need \"format\": 3 (older kiosks would not read them)");
      read_recordings(root["recordings"], content);
    }
    if (root.contains("questions") && list(root["questions"], "/questions", "\"questions\"")) {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < root["questions"].size(); ++i) {
        read_question(root["questions"][i], "/questions/" + std::to_string(i), seen, content);
      }
    }
    if (root.contains("consultations") && list(root["consultations"], "/consultations", "\"consultations\"")) {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < root["consultations"].size(); ++i) {
        read_consultation(root["consultations"][i], "/consultations/" + std::to_string(i), seen, content);
      }
      for (const auto& c : content.consultations) {
        if (format_ == 1 && (c.voting == VotingMethod::kBudget || c.voting == VotingMethod::kPairwise ||
                             c.min_votes != kDefaultMinOpinionVotes)) {
          error("/format", std::string("consultation '") + c.id + "' uses " +
                               (c.voting == VotingMethod::kOpinion ? "\"min_votes\""
                                                                   : std::string("the \"") + voting_method_name(c.voting) +
                                                                         "\" method") +
                               ", which needs \"format\": 2 (kiosks that read only format 1 would not show it)");
          break;
        }
      }
      if (root["consultations"].empty() && operator_file_) {
        warning("/consultations", "there are no consultations: kiosks will show nothing to take part in");
      }
    }
    if (operator_file_) warn_untranslated(content);
  }

  // Each text in every language the file uses, and a recording of each in every recorded
  // language: what is missing is said (kiosks show the fallback language, or stay silent).
  void warn_untranslated(const Content& content) {
    std::set<std::string> languages;
    auto note = [&](const LocalText& t) {
      for (const auto& [lang, text] : t.by_language) languages.insert(lang);
    };
    for (const auto& q : content.questions) {
      note(q.label);
      for (const auto& a : q.answers) note(a.label);
    }
    for (const auto& c : content.consultations) {
      for (const auto* t : {&c.title, &c.summary, &c.body}) note(*t);
      for (const auto& i : c.ideas) note(i.text);
    }
    std::map<std::string, std::set<std::string>> recorded;
    for (const auto& [lang, clips] : content.recordings) {
      for (const auto& r : clips) recorded[lang].insert(r.text);
    }
    auto check = [&](const LocalText& t, const std::string& at, const std::string& what) {
      for (const auto& lang : languages) {
        auto it = t.by_language.find(lang);
        if (it == t.by_language.end()) {
          warning(at, what + " has no '" + lang + "' text: kiosks show it in another language, marked");
        } else if (recorded.count(lang) && !recorded[lang].count(it->second)) {
          warning(at + "/" + lang, what + " has no recording in '" + lang + "': kiosks cannot say it aloud");
        }
      }
    };
    for (std::size_t i = 0; i < content.questions.size(); ++i) {
      const auto& q = content.questions[i];
      const std::string at = "/questions/" + std::to_string(i);
      check(q.label, at + "/label", "question '" + q.id + "'");
      for (std::size_t a = 0; a < q.answers.size(); ++a)
        check(q.answers[a].label, at + "/answers/" + std::to_string(a) + "/label", "an answer of '" + q.id + "'");
    }
    for (std::size_t i = 0; i < content.consultations.size(); ++i) {
      const auto& c = content.consultations[i];
      const std::string at = "/consultations/" + std::to_string(i);
      check(c.title, at + "/title", "the title of '" + c.id + "'");
      check(c.summary, at + "/summary", "the summary of '" + c.id + "'");
      check(c.body, at + "/body", "the text of '" + c.id + "'");
      for (std::size_t k = 0; k < c.ideas.size(); ++k)
        check(c.ideas[k].text, at + "/ideas/" + std::to_string(k) + "/text", "idea '" + c.ideas[k].id + "'");
    }
  }

  void read_recordings(const json& r, Content& content) {
    if (!r.is_object()) {
      error("/recordings", "\"recordings\" must be an object of lists by language, {\"iu\": [...]}");
      return;
    }
    std::size_t total = 0;
    for (const auto& [language, clips] : r.items()) {
      const std::string at = "/recordings/" + language;
      if (language.empty() || language.size() > kMaxLanguageBytes ||
          language.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
              std::string::npos) {
        error(at, "'" + language + "' is not a language tag (such as iu or crk)");
        continue;
      }
      if (!list(clips, at, "a language's recordings")) continue;
      std::set<std::string> texts;
      auto& out = content.recordings[language];
      for (std::size_t i = 0; i < clips.size(); ++i) {
        const std::string p = at + "/" + std::to_string(i);
        const json& clip = clips[i];
        if (!object_with(clip, p, "a recording", {"text", "rate", "samples", "adpcm"},
                         {"text", "rate", "samples", "adpcm"}))
          continue;
        Recording rec;
        if (!clip["text"].is_string() || clip["text"].get<std::string>().empty() ||
            clip["text"].get<std::string>().size() > 4096) {
          error(p + "/text", "a recording's \"text\" must be the text it says, 1 to 4096 bytes");
          continue;
        }
        rec.text = clip["text"].get<std::string>();
        if (!texts.insert(rec.text).second) error(p + "/text", "a second recording of the same text in '" + language + "'");
        const json& rate = clip["rate"];
        if (!rate.is_number_unsigned() || rate.get<std::uint64_t>() < 8000 || rate.get<std::uint64_t>() > 48000) {
          error(p + "/rate", "\"rate\" must be samples per second, 8000 to 48000");
          continue;
        }
        rec.sample_rate = rate.get<std::uint32_t>();
        const json& samples = clip["samples"];
        if (!samples.is_number_unsigned() || samples.get<std::uint64_t>() == 0 ||
            samples.get<std::uint64_t>() > std::uint64_t{kMaxRecordingSeconds} * rec.sample_rate) {
          error(p + "/samples", "\"samples\" must be 1 to " + std::to_string(kMaxRecordingSeconds) +
                                    " seconds' worth of samples");
          continue;
        }
        rec.samples = samples.get<std::uint32_t>();
        const json& adpcm = clip["adpcm"];
        const std::string b64 = adpcm.is_string() ? adpcm.get<std::string>() : std::string();
        rec.adpcm.resize(b64.size() / 4 * 3 + 3);
        std::size_t decoded = 0;
        if (b64.empty() || sodium_base642bin(rec.adpcm.data(), rec.adpcm.size(), b64.data(), b64.size(), nullptr,
                                             &decoded, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            decoded != (rec.samples + 1) / 2) {
          error(p + "/adpcm", "\"adpcm\" must be the clip in base64: (samples + 1) / 2 bytes of IMA ADPCM");
          continue;
        }
        rec.adpcm.resize(decoded);
        total += decoded;
        out.push_back(std::move(rec));
      }
    }
    if (total > kMaxRecordingBytes) {
      error("/recordings", "the recordings take " + std::to_string(total / 1024) + " KiB; at most " +
                               std::to_string(kMaxRecordingBytes / 1024) + " KiB fit in a content bundle (record "
                               "at 16000 samples a second, or fewer texts)");
    }
  }

  void read_open_data(const json& o, Content& content) {
    if (!object_with(o, "/open_data", "\"open_data\"", {"smallest_cell"}, {})) return;
    if (!o.contains("smallest_cell")) return;
    const json& n = o["smallest_cell"];
    if (!n.is_number_unsigned() || n.get<std::uint64_t>() < 1 || n.get<std::uint64_t>() > 1000) {
      error("/open_data/smallest_cell", std::string("\"smallest_cell\" must be a whole number from 1 to 1000 (counts "
                                                    "below it are left out of open data), not ") + kind_of(n));
      return;
    }
    content.open_data_smallest_cell = n.get<std::uint64_t>();
  }

  void read_question(const json& q, const std::string& at, std::set<std::string>& seen, Content& content) {
    Question question;
    if (!object_with(q, at, "a question", {"id", "label", "answers"}, {"id", "label", "answers"})) return;
    question.id = id(field(q, "id"), at + "/id", "a question's");
    unique(seen, question.id, at + "/id", "question");
    question.label = local_text(field(q, "label"), at + "/label", "a question's label");
    if (q.contains("answers") && list(q["answers"], at + "/answers", "a question's \"answers\"")) {
      if (q["answers"].empty()) error(at + "/answers", "question '" + question.id + "' has no answers");
      std::set<std::string> answers_seen;
      for (std::size_t i = 0; i < q["answers"].size(); ++i) {
        const json& a = q["answers"][i];
        const std::string a_at = at + "/answers/" + std::to_string(i);
        if (!object_with(a, a_at, "an answer", {"id", "label"}, {"id", "label"})) continue;
        AnswerOption option{id(field(a, "id"), a_at + "/id", "an answer's"),
                            local_text(field(a, "label"), a_at + "/label", "an answer's label")};
        unique(answers_seen, option.id, a_at + "/id", "answer");
        question.answers.push_back(std::move(option));
      }
    }
    content.questions.push_back(std::move(question));
  }

  void read_consultation(const json& k, const std::string& at, std::set<std::string>& seen, Content& content) {
    Consultation con;
    if (!object_with(k, at, "a consultation",
                     {"id", "title", "summary", "body", "opens_at", "closes_at", "voting", "about_you", "ideas"},
                     {"id", "title", "summary", "body"})) {
      return;
    }
    con.id = id(field(k, "id"), at + "/id", "a consultation's");
    unique(seen, con.id, at + "/id", "consultation");
    con.title = local_text(field(k, "title"), at + "/title", "a consultation's title");
    con.summary = local_text(field(k, "summary"), at + "/summary", "a consultation's summary");
    con.body = local_text(field(k, "body"), at + "/body", "a consultation's text (\"body\")");
    con.opens_at = k.contains("opens_at") ? unix_time(k["opens_at"], at + "/opens_at", "\"opens_at\"") : 0;
    con.closes_at = k.contains("closes_at") ? unix_time(k["closes_at"], at + "/closes_at", "\"closes_at\"")
                                            : std::uint64_t{UINT64_MAX};
    if (k.contains("closes_at") && con.closes_at <= con.opens_at) {
      error(at + "/closes_at", "consultation '" + con.id + "' closes (" + std::to_string(con.closes_at) +
                                   ") on or before it opens (" + std::to_string(con.opens_at) +
                                   "): kiosks would never offer it");
    }
    if (k.contains("voting") &&
        object_with(k["voting"], at + "/voting", "\"voting\"",
                    {"method", "max_supports", "min_votes", "total", "currency", "ballot", "max_projects",
                     "max_comparisons"},
                    {"method"})) {
      read_voting(k["voting"], at + "/voting", con);
    }
    if (k.contains("about_you") && list(k["about_you"], at + "/about_you", "\"about_you\"")) {
      std::set<std::string> asked;
      for (std::size_t i = 0; i < k["about_you"].size(); ++i) {
        const std::string q_at = at + "/about_you/" + std::to_string(i);
        const json& q = k["about_you"][i];
        if (!q.is_string()) {
          error(q_at, "\"about_you\" lists question ids as text in quotes, not " + std::string(kind_of(q)));
          continue;
        }
        const std::string qid = q.get<std::string>();
        if (!content.question(qid)) {
          std::string known;
          for (const auto& question : content.questions) known += (known.empty() ? "" : ", ") + question.id;
          error(q_at, "consultation '" + con.id + "' asks question '" + qid + "', which \"questions\" does not have" +
                          (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
        } else if (!asked.insert(qid).second) {
          error(q_at, "question '" + qid + "' is asked twice");
        }
        con.about_you.push_back(qid);
      }
    }
    if (k.contains("ideas") && list(k["ideas"], at + "/ideas", "\"ideas\"")) {
      std::set<std::string> ideas_seen;
      for (std::size_t i = 0; i < k["ideas"].size(); ++i) {
        const json& idea_json = k["ideas"][i];
        const std::string i_at = at + "/ideas/" + std::to_string(i);
        if (!object_with(idea_json, i_at, "an idea", {"id", "text", "cost"}, {"id", "text"})) continue;
        Idea idea{id(field(idea_json, "id"), i_at + "/id", "an idea's"),
                  local_text(field(idea_json, "text"), i_at + "/text", "an idea's text")};
        read_cost(idea_json, i_at, con, idea);
        unique(ideas_seen, idea.id, i_at + "/id", "idea");
        if (operator_file_ && idea.id.rfind("r-", 0) == 0) {
          error(i_at + "/id", "idea id '" + idea.id + "' starts with 'r-', which is kept for residents' ideas: "
                              "choose another id");
        }
        con.ideas.push_back(std::move(idea));
      }
    }
    if (con.voting == VotingMethod::kPairwise && operator_file_ && con.ideas.size() < 2) {
      warning(at + "/ideas", "a pairwise consultation shows two ideas at a time: until two ideas are approved, "
                             "kiosks offer only \"add your idea\"");
    }
    content.consultations.push_back(std::move(con));
  }

  // A whole number in [low, high], or an error naming the field and the range.
  std::optional<std::uint64_t> whole(const json& j, const std::string& pointer, const std::string& what,
                                     std::uint64_t low, std::uint64_t high) {
    if (!j.is_number_unsigned() || j.get<std::uint64_t>() < low || j.get<std::uint64_t>() > high) {
      error(pointer, what + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high) +
                         ", not " + (j.is_number() ? j.dump() : std::string(kind_of(j))));
      return std::nullopt;
    }
    return j.get<std::uint64_t>();
  }

  void read_voting(const json& voting, const std::string& at, Consultation& con) {
    const std::string method = field(voting, "method").is_string() ? voting["method"].get<std::string>() : "";
    // Each setting belongs to one method: a setting for another is a mistake worth saying.
    const std::map<std::string, std::string> owner{{"max_supports", "support"}, {"min_votes", "opinion"},
                                                   {"total", "budget"},         {"currency", "budget"},
                                                   {"ballot", "budget"},        {"max_projects", "budget"},
                                                   {"max_comparisons", "pairwise"}};
    if (method == "support") {
      con.voting = VotingMethod::kSupport;
      con.max_supports = 3;
      if (voting.contains("max_supports")) {
        const json& m = voting["max_supports"];
        if (!m.is_number_integer() || m.get<std::int64_t>() < 1 || m.get<std::int64_t>() > 100) {
          error(at + "/max_supports", "\"max_supports\" must be a whole number from 1 to 100");
        } else {
          con.max_supports = m.get<int>();
        }
      }
    } else if (method == "opinion") {
      con.voting = VotingMethod::kOpinion;
      if (voting.contains("min_votes")) {
        if (auto n = whole(voting["min_votes"], at + "/min_votes", "\"min_votes\"", 1, 50)) {
          con.min_votes = static_cast<int>(*n);
        }
      }
    } else if (method == "budget") {
      con.voting = VotingMethod::kBudget;
      if (!voting.contains("total")) {
        error(at, "a budget consultation needs \"total\": the money to spend, a whole number (e.g. 250000)");
      } else if (auto n = whole(voting["total"], at + "/total", "\"total\"", 1, 1000000000000ULL)) {
        con.budget_total = *n;
      }
      con.currency = "";
      if (voting.contains("currency")) {
        const json& cur = voting["currency"];
        const std::string code = cur.is_string() ? cur.get<std::string>() : "";
        const bool ok = code.size() == 3 &&
                        std::all_of(code.begin(), code.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
        if (!ok) {
          error(at + "/currency", "\"currency\" must be a three-letter ISO 4217 code in capitals, like \"CAD\" or \"EUR\"");
        } else {
          con.currency = cur.get<std::string>();
        }
      }
      const std::string ballot = voting.contains("ballot") && voting["ballot"].is_string()
                                     ? voting["ballot"].get<std::string>()
                                     : (voting.contains("ballot") ? "?" : "knapsack");
      if (ballot == "knapsack") {
        con.budget_ballot = BudgetBallot::kKnapsack;
        if (voting.contains("max_projects")) {
          error(at + "/max_projects", "\"max_projects\" belongs to \"ballot\": \"approval\"; a knapsack ballot is "
                                      "limited by the total");
        }
      } else if (ballot == "approval") {
        con.budget_ballot = BudgetBallot::kApproval;
        if (!voting.contains("max_projects")) {
          error(at, "an approval budget ballot needs \"max_projects\": how many projects a resident may choose");
        } else if (auto n = whole(voting["max_projects"], at + "/max_projects", "\"max_projects\"", 1, 100)) {
          con.max_projects = static_cast<int>(*n);
        }
      } else {
        error(at + "/ballot", "\"ballot\" must be \"knapsack\" (projects whose costs fit the total) or \"approval\" "
                              "(up to \"max_projects\" projects)");
      }
    } else if (method == "pairwise") {
      con.voting = VotingMethod::kPairwise;
      if (voting.contains("max_comparisons")) {
        if (auto n = whole(voting["max_comparisons"], at + "/max_comparisons", "\"max_comparisons\"", 1,
                           kMaxComparisons)) {
          con.max_comparisons = static_cast<int>(*n);
        }
      }
    } else if (method == "none") {
      con.voting = VotingMethod::kNone;
    } else if (voting.contains("method")) {
      error(at + "/method",
            "the voting method must be \"support\", \"opinion\", \"budget\", \"pairwise\" or \"none\"");
      return;
    }
    for (const auto& [setting, method_of] : owner) {
      if (voting.contains(setting) && method_of != method && !method.empty()) {
        error(at + "/" + setting, "\"" + setting + "\" belongs to the \"" + method_of + "\" method only");
      }
    }
  }

  void read_cost(const json& idea_json, const std::string& at, const Consultation& con, Idea& idea) {
    if (con.voting != VotingMethod::kBudget) {
      if (idea_json.contains("cost")) {
        error(at + "/cost", "\"cost\" belongs to the projects of a budget consultation (\"method\": \"budget\")");
      }
      return;
    }
    if (!idea_json.contains("cost")) {
      error(at, "project '" + idea.id + "' has no \"cost\": a budget consultation needs each project's cost");
      return;
    }
    if (auto n = whole(idea_json["cost"], at + "/cost", "\"cost\"", 1, 1000000000000ULL)) {
      idea.cost = *n;
      if (con.budget_total > 0 && idea.cost > con.budget_total && operator_file_) {
        warning(at + "/cost", "project '" + idea.id + "' costs more than the whole budget: nobody can choose it");
      }
    }
  }

  const std::string& text_;
  const bool operator_file_;
  std::optional<LineIndex> lines_;
  std::vector<ContentProblem> errors_, warnings_;
  bool format_unknown_ = false;
  int format_ = 1;
};

}  // namespace

std::string ContentCheck::report(const std::string& file) const {
  std::string out;
  auto add = [&](const ContentProblem& p, const char* kind) {
    out += file + ":" + std::to_string(p.line) + ": " + kind + (p.pointer.empty() ? "" : " at " + p.pointer) +
           ": " + p.message + "\n";
  };
  for (const auto& e : errors) add(e, "error");
  for (const auto& w : warnings) add(w, "warning");
  return out;
}

ContentCheck check_consultations_file(const std::string& json_text) {
  return ContentReader(json_text, true).read();
}

Result<Content> parse_content(const std::string& text) {
  ContentReader reader(text, false);
  ContentCheck check = reader.read();
  if (check.content) return std::move(*check.content);
  const ContentProblem& first = check.errors.front();
  return make_error(reader.newer_format() ? ErrorCode::kUnknownVersion : ErrorCode::kMalformed,
                    "the consultation content is not usable: " + (first.pointer.empty() ? "" : first.pointer + ": ") +
                        first.message +
                        (check.errors.size() > 1 ? " (and " + std::to_string(check.errors.size() - 1) + " more)" : ""));
}

std::vector<std::string> expiry_warnings(const Content& content, std::uint64_t bundle_expires_at) {
  std::vector<std::string> out;
  for (const auto& c : content.consultations) {
    if (c.closes_at != UINT64_MAX && c.closes_at > bundle_expires_at) {
      out.push_back("consultation '" + c.id + "' closes after this content expires: kiosks stop offering it when "
                    "the content expires unless it is published again before then (or publish with more --days)");
    }
  }
  return out;
}

namespace {
json text_json(const LocalText& t) {
  json j = json::object();
  for (const auto& [lang, text] : t.by_language) j[lang] = text;
  return j;
}
}  // namespace

namespace {
json recordings_json(const std::vector<Recording>& clips) {
  json list = json::array();
  for (const auto& r : clips) {
    std::string b64(sodium_base64_ENCODED_LEN(r.adpcm.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), r.adpcm.data(), r.adpcm.size(), sodium_base64_VARIANT_ORIGINAL);
    b64.resize(std::strlen(b64.c_str()));
    list.push_back({{"text", r.text}, {"rate", r.sample_rate}, {"samples", r.samples}, {"adpcm", b64}});
  }
  return list;
}
}  // namespace

Result<std::string> with_recordings(const std::string& text, const std::string& language,
                                    const std::vector<Recording>& recordings) {
  json root;
  try {
    root = json::parse(text);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kMalformed, std::string("the consultations file is not valid JSON: ") + e.what());
  }
  if (!root.is_object()) return make_error(ErrorCode::kMalformed, "the consultations file is not a JSON object");
  root["format"] = 3;
  root["recordings"][language] = recordings_json(recordings);
  return root.dump(2) + "\n";
}

std::string format_content(const Content& content) {
  // Format 2 only when a consultation needs it, so kiosks that read format 1 keep working with
  // content that has no budget or pairwise consultation.
  const bool needs_2 = std::any_of(content.consultations.begin(), content.consultations.end(), [](const auto& c) {
    return c.voting == VotingMethod::kBudget || c.voting == VotingMethod::kPairwise ||
           (c.voting == VotingMethod::kOpinion && c.min_votes != kDefaultMinOpinionVotes);
  });
  // Format 3 only with recordings.
  json j = {{"format", !content.recordings.empty() ? 3 : needs_2 ? 2 : 1},
            {"questions", json::array()},
            {"consultations", json::array()}};
  for (const auto& q : content.questions) {
    json answers = json::array();
    for (const auto& a : q.answers) answers.push_back({{"id", a.id}, {"label", text_json(a.label)}});
    j["questions"].push_back({{"id", q.id}, {"label", text_json(q.label)}, {"answers", answers}});
  }
  for (const auto& c : content.consultations) {
    json k = {{"id", c.id},
              {"title", text_json(c.title)},
              {"summary", text_json(c.summary)},
              {"body", text_json(c.body)},
              {"opens_at", c.opens_at},
              {"closes_at", c.closes_at}};
    k["voting"] = {{"method", voting_method_name(c.voting)}};
    json& voting = k["voting"];
    if (c.voting == VotingMethod::kSupport) voting["max_supports"] = c.max_supports;
    if (c.voting == VotingMethod::kOpinion && c.min_votes != kDefaultMinOpinionVotes) voting["min_votes"] = c.min_votes;
    if (c.voting == VotingMethod::kBudget) {
      voting["total"] = c.budget_total;
      if (!c.currency.empty()) voting["currency"] = c.currency;
      voting["ballot"] = budget_ballot_name(c.budget_ballot);
      if (c.budget_ballot == BudgetBallot::kApproval) voting["max_projects"] = c.max_projects;
    }
    if (c.voting == VotingMethod::kPairwise) voting["max_comparisons"] = c.max_comparisons;
    k["about_you"] = c.about_you;
    json ideas = json::array();
    for (const auto& i : c.ideas) {
      json idea = {{"id", i.id}, {"text", text_json(i.text)}};
      if (c.voting == VotingMethod::kBudget) idea["cost"] = i.cost;
      ideas.push_back(idea);
    }
    k["ideas"] = ideas;
    j["consultations"].push_back(k);
  }
  for (const auto& [language, clips] : content.recordings) j["recordings"][language] = recordings_json(clips);
  return j.dump(2);
}

}  // namespace civic
