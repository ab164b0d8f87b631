#include "consultation.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstring>
#include <optional>
#include <set>

#include "sync/protocol/record.h"

namespace civic {

using nlohmann::json;

const char* voting_method_name(VotingMethod m) {
  switch (m) {
    case VotingMethod::kSupport: return "support";
    case VotingMethod::kOpinion: return "opinion";
    case VotingMethod::kNone: return "none";
  }
  return "none";
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
    } else if (root["format"] != 1) {
      const json& f = root["format"];
      const bool newer = f.is_number_unsigned() && f.get<std::uint64_t>() > 1;
      error("/format", newer && !operator_file_
                           ? "the content's format is newer than this kiosk reads (version 1); update the kiosk software"
                           : "\"format\" must be 1, the only version there is (see assets/README.md)");
      format_unknown_ = newer;
    }
    // "open_data" is the operators' (civic-hub open-data): bundles for kiosks never carry it.
    if (operator_file_) {
      object_with(root, "", "the file", {"format", "questions", "consultations", "open_data"}, {"consultations"});
      if (root.contains("open_data")) read_open_data(root["open_data"], content);
    } else {
      object_with(root, "", "the file", {"format", "questions", "consultations"}, {"consultations"});
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
      if (root["consultations"].empty() && operator_file_) {
        warning("/consultations", "there are no consultations: kiosks will show nothing to take part in");
      }
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
        object_with(k["voting"], at + "/voting", "\"voting\"", {"method", "max_supports"}, {"method"})) {
      const json& voting = k["voting"];
      const std::string method = field(voting, "method").is_string() ? voting["method"].get<std::string>() : "";
      if (method == "support") {
        con.voting = VotingMethod::kSupport;
        con.max_supports = 3;
        if (voting.contains("max_supports")) {
          const json& m = voting["max_supports"];
          if (!m.is_number_integer() || m.get<std::int64_t>() < 1 || m.get<std::int64_t>() > 100) {
            error(at + "/voting/max_supports", "\"max_supports\" must be a whole number from 1 to 100");
          } else {
            con.max_supports = m.get<int>();
          }
        }
      } else if (method == "opinion" || method == "none") {
        con.voting = method == "opinion" ? VotingMethod::kOpinion : VotingMethod::kNone;
        if (voting.contains("max_supports")) {
          error(at + "/voting/max_supports", "\"max_supports\" belongs to the \"support\" method only");
        }
      } else if (voting.contains("method")) {
        error(at + "/voting/method", "the voting method must be \"support\", \"opinion\" or \"none\"");
      }
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
        if (!object_with(idea_json, i_at, "an idea", {"id", "text"}, {"id", "text"})) continue;
        Idea idea{id(field(idea_json, "id"), i_at + "/id", "an idea's"),
                  local_text(field(idea_json, "text"), i_at + "/text", "an idea's text")};
        unique(ideas_seen, idea.id, i_at + "/id", "idea");
        if (operator_file_ && idea.id.rfind("r-", 0) == 0) {
          error(i_at + "/id", "idea id '" + idea.id + "' starts with 'r-', which is kept for residents' ideas: "
                              "choose another id");
        }
        con.ideas.push_back(std::move(idea));
      }
    }
    content.consultations.push_back(std::move(con));
  }

  const std::string& text_;
  const bool operator_file_;
  std::optional<LineIndex> lines_;
  std::vector<ContentProblem> errors_, warnings_;
  bool format_unknown_ = false;
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

std::string format_content(const Content& content) {
  json j = {{"format", 1}, {"questions", json::array()}, {"consultations", json::array()}};
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
    if (c.voting == VotingMethod::kSupport) k["voting"]["max_supports"] = c.max_supports;
    k["about_you"] = c.about_you;
    json ideas = json::array();
    for (const auto& i : c.ideas) ideas.push_back({{"id", i.id}, {"text", text_json(i.text)}});
    k["ideas"] = ideas;
    j["consultations"].push_back(k);
  }
  return j.dump(2);
}

}  // namespace civic
