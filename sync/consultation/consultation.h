// Consultations, their ideas and the optional "about you" questions, as JSON (format:
// assets/README.md). Operators write them in a file; the hub adds approved ideas and signs the
// result into a content bundle; the kiosk parses the bundle's payload. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sync/common/result.h"

namespace civic {

// Text in several languages; falls back to English, then to any language present.
struct LocalText {
  std::map<std::string, std::string> by_language;
  const std::string& in(const std::string& language) const;
};

struct Idea {
  std::string id;
  LocalText text;
  std::uint64_t cost = 0;  // budget consultations: what the project costs, in the budget's currency
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

// opinion: agree / disagree / pass; budget: choose projects (participatory budgeting); pairwise:
// "which is better?" between two ideas at a time.
enum class VotingMethod { kNone, kSupport, kOpinion, kBudget, kPairwise };
// "none", "support", "opinion", "budget", "pairwise": as the file format writes them.
const char* voting_method_name(VotingMethod m);

// A budget ballot: projects whose costs fit the budget (knapsack), or up to max_projects
// projects whatever they cost (approval).
enum class BudgetBallot { kKnapsack, kApproval };
const char* budget_ballot_name(BudgetBallot b);

inline constexpr int kDefaultMinOpinionVotes = 3;
inline constexpr int kDefaultMaxComparisons = 20;

struct Consultation {
  std::string id;
  LocalText title;
  LocalText summary;
  LocalText body;
  std::uint64_t opens_at = 0;
  std::uint64_t closes_at = 0;
  VotingMethod voting = VotingMethod::kNone;
  int max_supports = 0;
  // Opinion: the votes a resident is asked for (at least), so their views can be placed in a group.
  int min_votes = kDefaultMinOpinionVotes;
  // Budget: the total to spend, its currency (ISO 4217, e.g. "CAD") and the kind of ballot.
  std::uint64_t budget_total = 0;
  std::string currency;
  BudgetBallot budget_ballot = BudgetBallot::kKnapsack;
  int max_projects = 0;  // approval ballots: how many projects a resident may choose
  // Pairwise: the most "which is better?" screens one resident is shown.
  int max_comparisons = kDefaultMaxComparisons;
  std::vector<std::string> about_you;  // question ids, in order
  std::vector<Idea> ideas;

  bool open_at(std::uint64_t now) const { return now >= opens_at && now < closes_at; }
  const Idea* idea(const std::string& idea_id) const;
};

// Why no kiosk screen could let a resident send this budget selection (over budget, too many
// projects, an unknown project), as a kind for reports; nothing when one could.
std::optional<std::string> impossible_budget_selection(const Consultation& c, const std::vector<std::string>& ids);
// The money a selection spends (unknown ids cost nothing).
std::uint64_t budget_spent(const Consultation& c, const std::vector<std::string>& ids);

// A recorded human voice saying one text in one language (a language with no synthetic voice, or a
// better one), compressed as IMA ADPCM (sync/common/adpcm.h): format 3's "recordings".
struct Recording {
  std::string text;  // exactly what the kiosk shows (a catalogue text or consultation text)
  std::uint32_t sample_rate = 16000;
  std::uint32_t samples = 0;
  std::vector<std::uint8_t> adpcm;  // (samples + 1) / 2 bytes
};
inline constexpr std::uint32_t kMaxRecordingSeconds = 60;
inline constexpr std::size_t kMaxRecordingBytes = 6 * 1024 * 1024;  // all clips, compressed (payload: 8 MiB)

struct Content {
  std::vector<Consultation> consultations;
  std::vector<Question> questions;
  // Language tag -> its recordings (format 3).
  std::map<std::string, std::vector<Recording>> recordings;
  // Open data leaves out any count below this (a small group could identify someone): the
  // operators' file's "open_data": {"smallest_cell": N}; never in bundles.
  std::uint64_t open_data_smallest_cell = 5;

  const Consultation* consultation(const std::string& id) const;
  const Question* question(const std::string& id) const;
};

// A problem in a consultations file: where (JSON pointer, and the line it starts on) and what, in
// words an operator can act on.
struct ContentProblem {
  std::string pointer;  // "/consultations/0/closes_at"; "" for the whole file
  int line = 0;
  std::string message;
};

struct ContentCheck {
  std::optional<Content> content;  // only when there are no errors
  std::vector<ContentProblem> errors;
  std::vector<ContentProblem> warnings;
  // One line each, errors first: "FILE:LINE: error at /pointer: message".
  std::string report(const std::string& file) const;
};

// An operator's consultations file, checked whole: every problem is reported, not just the first.
// Unknown fields, a consultation closing on or before it opens and ids starting with "r-" (kept
// for residents' ideas) are errors.
ContentCheck check_consultations_file(const std::string& json);

// A content bundle's payload (format_content's output, approved "r-" ideas included). Strict in the
// same way; the error names the first problem.
[[nodiscard]] Result<Content> parse_content(const std::string& json);

// Warnings for consultations that close after a bundle expiring at this time stops being offered.
std::vector<std::string> expiry_warnings(const Content& content, std::uint64_t bundle_expires_at);
// The same format back (parse_content(format_content(c)) gives c).
std::string format_content(const Content& content);

// The consultations file `json` with the recordings of `language` set to `recordings` (format 3),
// as `civic-hub content add-recordings` writes it; the file's other fields are kept.
[[nodiscard]] Result<std::string> with_recordings(const std::string& json, const std::string& language,
                                                  const std::vector<Recording>& recordings);

// The consultations open at this Unix time (opens_at <= now < closes_at); questions unchanged.
Content open_at(const Content& content, std::uint64_t unix_now);

}  // namespace civic
