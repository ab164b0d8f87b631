#include "consultation.h"

#include <nlohmann/json.hpp>
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
LocalText local_text(const json& j, const char* what) {
  LocalText t;
  if (!j.is_object() || j.empty())
    throw std::runtime_error(std::string(what) + " must be an object of languages");
  for (const auto& [lang, text] : j.items()) t.by_language[lang] = text.get<std::string>();
  return t;
}

void check_id(const std::string& id, const char* what) {
  if (id.empty() || id.size() > kMaxIdBytes ||
      id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos) {
    throw std::runtime_error(std::string(what) + " id '" + id +
                             "' must be 1-64 letters, digits, '.', '_' or '-'");
  }
}
}  // namespace

Result<Content> parse_content(const std::string& text) {
  Content c;
  std::set<std::string> seen;
  auto unique = [&seen](const std::string& kind, const std::string& id) {
    if (!seen.insert(kind + "/" + id).second)
      throw std::runtime_error(kind + " id '" + id + "' is used twice");
  };
  try {
    const json j = json::parse(text);
    if (j.value("format", 0) != 1) {
      return make_error(ErrorCode::kUnknownVersion,
                        "the content's format is not version 1; update the kiosk software");
    }
    for (const auto& q : j.value("questions", json::array())) {
      Question question;
      question.id = q.at("id").get<std::string>();
      check_id(question.id, "question");
      unique("question", question.id);
      question.label = local_text(q.at("label"), "a question's label");
      for (const auto& a : q.at("answers")) {
        AnswerOption option{a.at("id").get<std::string>(), local_text(a.at("label"), "an answer's label")};
        check_id(option.id, "answer");
        unique("answer " + question.id, option.id);
        question.answers.push_back(std::move(option));
      }
      c.questions.push_back(std::move(question));
    }
    for (const auto& k : j.at("consultations")) {
      Consultation con;
      con.id = k.at("id").get<std::string>();
      check_id(con.id, "consultation");
      unique("consultation", con.id);
      con.title = local_text(k.at("title"), "a consultation's title");
      con.summary = local_text(k.at("summary"), "a consultation's summary");
      con.body = local_text(k.at("body"), "a consultation's text");
      con.opens_at = k.value("opens_at", std::uint64_t{0});
      con.closes_at = k.value("closes_at", std::uint64_t{UINT64_MAX});
      const json voting = k.value("voting", json::object());
      const std::string method = voting.value("method", "none");
      if (method == "support") {
        con.voting = VotingMethod::kSupport;
        con.max_supports = voting.value("max_supports", 3);
        if (con.max_supports < 1) throw std::runtime_error("max_supports must be at least 1");
      } else if (method == "opinion") {
        con.voting = VotingMethod::kOpinion;
      } else if (method != "none") {
        throw std::runtime_error("voting method '" + method + "' is not support, opinion or none");
      }
      for (const auto& q : k.value("about_you", json::array())) {
        const std::string id = q.get<std::string>();
        if (!c.question(id))
          throw std::runtime_error("consultation '" + con.id + "' asks unknown question '" + id + "'");
        con.about_you.push_back(id);
      }
      for (const auto& i : k.value("ideas", json::array())) {
        Idea idea{i.at("id").get<std::string>(), local_text(i.at("text"), "an idea's text")};
        check_id(idea.id, "idea");
        unique("idea " + con.id, idea.id);
        con.ideas.push_back(std::move(idea));
      }
      c.consultations.push_back(std::move(con));
    }
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kMalformed,
                      std::string("the consultation content is not usable: ") + e.what());
  }
  return c;
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
