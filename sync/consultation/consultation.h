// Consultations, their ideas and the optional "about you" questions, as JSON (format:
// assets/README.md). Operators write them in a file; the hub adds approved ideas and signs the
// result into a content bundle; the kiosk parses the bundle's payload. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sync/protocol/result.h"

namespace civic {

// Text in several languages; falls back to English, then to any language present.
struct LocalText {
  std::map<std::string, std::string> by_language;
  const std::string& in(const std::string& language) const;
};

struct Idea {
  std::string id;
  LocalText text;
};

struct AnswerOption {
  std::string id;
  LocalText label;
};

struct Question {
  std::string id;
  LocalText label;
  std::vector<AnswerOption> answers;
};

enum class VotingMethod { kNone, kSupport, kOpinion };  // opinion: agree / disagree / pass
// "none", "support", "opinion": as the file format writes them.
const char* voting_method_name(VotingMethod m);

struct Consultation {
  std::string id;
  LocalText title;
  LocalText summary;
  LocalText body;
  std::uint64_t opens_at = 0;
  std::uint64_t closes_at = 0;
  VotingMethod voting = VotingMethod::kNone;
  int max_supports = 0;
  std::vector<std::string> about_you;  // question ids, in order
  std::vector<Idea> ideas;

  bool open_at(std::uint64_t now) const { return now >= opens_at && now < closes_at; }
};

struct Content {
  std::vector<Consultation> consultations;
  std::vector<Question> questions;

  const Consultation* consultation(const std::string& id) const;
  const Question* question(const std::string& id) const;
};

// Strict: unknown format, missing fields, repeated ids or references to unknown questions are
// errors.
[[nodiscard]] Result<Content> parse_content(const std::string& json);
// The same format back (parse_content(format_content(c)) gives c).
std::string format_content(const Content& content);

// The consultations open at this Unix time (opens_at <= now < closes_at); questions unchanged.
Content open_at(const Content& content, std::uint64_t unix_now);

}  // namespace civic
