// Results: decrypting records (on all cores), counting ballots, breakdowns, anomalies,
// representativeness against population margins and raking weights. Pure computation over
// records and content; the operator command (civic-hub tally) does the I/O. Outputs hold counts
// only: nothing in a Tally links a receipt, a record or a kiosk position to what was said.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "budget.h"
#include "online.h"
#include "opinion_groups.h"
#include "pairwise.h"
#include "store.h"
#include "sync/config/config.h"
#include "sync/consultation/consultation.h"

namespace civic {

struct OpenedRecord {
  std::uint64_t id = 0;  // hub record id: arrival order, used only to order ballots
  KioskId kiosk{};
  Submission submission;
};

struct OpenedRecords {
  std::vector<OpenedRecord> opened;                           // in record id order
  std::vector<std::pair<std::uint64_t, std::string>> failed;  // record id, why it did not open
};

// Opens every record with the operator's submission key on `threads` threads (0: one per core).
OpenedRecords open_records(const std::vector<HubRecord>& records, const SealKeyPair& key,
                           unsigned threads = 0);

struct Counts {
  double support = 0, agree = 0, disagree = 0, pass = 0;
  double total() const { return support + agree + disagree + pass; }
  void add(VoteChoice c, double weight);
};

struct IdeaResult {
  std::string id;
  std::string text;  // in English where it has English
  std::string text_language;  // the language `text` is in ("" when not known)
  Counts raw;
  Counts weighted;                         // raked to the population margins (equal to raw without them)
  std::map<std::string, Counts> by_group;  // "channel=kiosk", "event=e1", "age=65-74", "age=(no answer)"
  bool online_only = false;                // proposed on the online platform, not in the consultations file
  // Every channel: kiosk, town-hall, paper and "online:<source>" (aggregate sources included).
  Counts online, offline;  // all online channels; kiosk, town hall and paper together
  // Ranks (1 = first; ties share a rank): online channels only, every channel, weighted.
  int rank_online = 0, rank_all = 0, rank_weighted = 0;
  std::uint64_t cost = 0;  // budget consultations: the project's cost
};

// What one budget rule chose, and whom it serves: the share of participants with at least one
// project they chose among the winners, overall and by "about you" group ("age=65-74").
struct BudgetMethodResult {
  std::vector<std::string> chosen;  // idea ids, in the order the rule chose them
  std::uint64_t spent = 0;
  double served = 0;
  // By "about you" group, in the order the questions and their answers are asked, "no answer" last.
  std::vector<std::pair<std::string, double>> served_by_group;
  int completion_steps = 0;        // equal shares: "add one" steps kept
  std::size_t filled_greedily = 0;  // equal shares: projects the final greedy fill added
};

struct BudgetResult {
  std::uint64_t total = 0;
  std::string currency;
  BudgetBallot ballot = BudgetBallot::kKnapsack;
  int max_projects = 0;
  BudgetMethodResult greedy, equal_shares;
  std::string why_they_differ;  // in words, for councillors
};

struct GroupShare {
  std::string question, answer;
  std::uint64_t participants = 0;
  double participant_share = 0;  // among participants who answered this question
  double population_share = 0;
  double ratio = 0;  // participant share / population share
  // The same share among online and among offline participants who answered (per-person
  // sources only); nullopt when that side has nobody who answered.
  std::optional<double> online_share, offline_share;
};

// How many did not answer an "about you" question, among those counted.
struct Unanswered {
  std::string question;
  std::uint64_t participants = 0;
};

// An online source that gives only totals per proposal: its supports join the counts, never
// the per-person breakdowns or the weighting.
struct AggregateSource {
  std::string channel;  // "online:<source>"
  std::string format;   // decidim, consul
  std::uint64_t proposals = 0, supports = 0, online_only_ideas = 0;
};

struct ConsultationResult {
  std::string id, title;
  std::string title_language;
  // People's words for the "about you" questions and answers asked, in English where there is
  // English: "age" -> "Age", "age=65-74" -> "65 to 74".
  std::map<std::string, std::string> labels;
  std::vector<std::string> questions;  // asked, in order
  VotingMethod voting = VotingMethod::kNone;
  std::uint64_t participants = 0;      // counted ballots: one per session
  std::uint64_t repeated_ballots = 0;  // later ballots of a session already counted: reported, not counted
  // Ballots no kiosk screen could have produced, by kind (too-many-supports, wrong-vote-kind,
  // repeated-vote, vote-without-voting, unasked-question, unknown-answer, repeated-answer):
  // refused from the count, reported in the anomalies.
  std::map<std::string, std::uint64_t> refused_ballots;
  std::uint64_t ideas_submitted = 0;
  std::map<std::string, std::uint64_t> participants_by_channel;
  std::map<std::string, std::uint64_t> participants_by_event;  // town-hall events (event id)
  std::vector<IdeaResult> ideas;                               // most votes first
  std::vector<GroupShare> representation;
  std::optional<double> representativeness;  // min ratio / max ratio over all groups; none without margins
  std::vector<Unanswered> unanswered;        // per question asked, in the consultation's order
  bool weighted = false;
  std::string weighting_note;  // why weights could not be computed, or how they converged
  std::vector<AggregateSource> aggregate_sources;
  bool has_online = false, has_offline = false;
  // In words, for councillors: what the offline channels changed at the top, and what weighting
  // changed ("" when there is nothing to compare).
  std::string offline_effect;
  std::string weighting_effect;
  // Agree / disagree / pass consultations: groups of residents who vote alike (per-person channels).
  std::optional<OpinionGroups> opinion_groups;
  std::optional<BudgetResult> budget;      // budget consultations (per-person channels)
  std::optional<PairwiseFit> pairwise;     // pairwise consultations; ideas as in `ideas`' ids
};

struct Anomaly {
  std::string kind;    // busy-kiosk, repeated-ballot, unknown-idea, unknown-consultation, unreadable, or
                       // an impossible ballot's kind (ConsultationResult::refused_ballots)
  std::string detail;  // for operators; never content
};

// A town-hall event as staff reported it, with who took part (distinct sessions in any
// consultation, at the terminal or on paper) against the headcount of the room.
struct EventResult {
  EventReport report;
  std::uint64_t participants = 0;
  std::optional<double> share_of_room;  // participants / headcount, when staff counted the room
};

// A kiosk the hub has revoked, and what of it the results hold: records accepted before the
// revocation (or handed over and accepted by an operator after it) count unless the tally is run
// with exclude_revoked, and are named either way.
struct RevokedKioskRecords {
  std::string kiosk;  // hex id
  std::string name;
  std::uint64_t revoked_at = 0;
  std::uint64_t records = 0;
  bool counted = true;
};

// What the moderation log says, in counts: never an idea's words or an operator's reasons.
struct ModerationSummary {
  std::uint64_t decisions = 0;             // every entry of the log
  std::map<std::string, std::uint64_t> by_action;  // approved, rejected, reopened-approved, reopened-rejected
  std::uint64_t ideas_decided = 0;         // distinct moderation ids
  std::uint64_t redacted = 0;              // decisions that published a redacted or rewritten text
  std::uint64_t reopened = 0;              // decisions that changed an earlier one
};
ModerationSummary summarise_moderation(const std::vector<ModerationLogEntry>& log);

// An online import the results used (the transparency log holds its signed statement).
struct OnlineSourceUsed {
  std::string channel, consultation, format, file_sha256;
  std::uint64_t rows = 0, imported_at = 0;
};

struct Tally {
  std::uint64_t records = 0;
  std::vector<OnlineSourceUsed> online_sources;  // filled by the caller, which reads the store
  ModerationSummary moderation;
  std::vector<RevokedKioskRecords> revoked_kiosks;  // only kiosks with records
  std::vector<ConsultationResult> consultations;
  std::vector<EventResult> events;
  std::vector<Anomaly> anomalies;
};

struct TallyOptions {
  std::uint64_t max_sessions_per_hour = 60;  // more from one kiosk in one hour is flagged
  std::string consultation;                  // empty: all
  std::vector<EventReport> event_reports;    // from the kiosks (civic-hub stores them)
  std::vector<KioskInfo> kiosks;             // the enrolled kiosks: those revoked are named in the results
  bool exclude_revoked = false;              // leave their records out of the count
  std::vector<OnlineData> online;            // current online imports
};

// The number ideas are ranked by: supports (budget: approvals), or for agree/disagree the share
// who agree. Pairwise consultations are ranked by their score instead.
double headline_value(VotingMethod voting, const Counts& k);

// A budget consultation's ballots that count, by the rules tally() uses (ballots no kiosk could
// have produced and repeated sessions left out), with their channel and "about you" answers:
// what export-pabulib writes. The caller shuffles them before writing them out.
struct CountedBudgetBallot {
  std::vector<std::string> projects;
  std::vector<Answer> answers;
  std::string channel;
};

// The count, fed one page of opened records at a time. What it keeps follows the distinct ballots
// (identical ballots are kept once, with how many there are: at most one per session), the ideas
// and the sessions of the kiosks whose records are being read; never the number of records, and
// never a resident's idea text. One ballot per session counts: a session belongs to the kiosk
// that made it, and the first of its ballots to be added counts (the count reads a kiosk's
// records in chain order: the first the kiosk sealed).
class TallyCounter {
 public:
  // `content` and `margins` must outlive the counter.
  TallyCounter(const Content& content, const PopulationMargins* margins, TallyOptions options);
  ~TallyCounter();
  TallyCounter(const TallyCounter&) = delete;
  TallyCounter& operator=(const TallyCounter&) = delete;

  void add(const OpenedRecords& records);
  // Every record of this kiosk has been added: what is kept of its sessions is let go.
  void kiosk_done(const KioskId& kiosk);
  // The counted ballots of one budget consultation so far (kiosks, town halls and paper).
  [[nodiscard]] std::vector<CountedBudgetBallot> counted_budget_ballots(const Consultation& c) const;
  // The results; call once, after the last add.
  [[nodiscard]] Tally finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The count of records held in memory (tests, small runs): a TallyCounter fed once.
Tally tally(const Content& content, const OpenedRecords& records, const PopulationMargins* margins,
            const TallyOptions& options = {});

// Refuses, naming the valid choices, a consultation that is not in `content` and population
// margins for a question or an answer the consultations do not have (a typo would otherwise give
// empty results or a representativeness of 0 without a word).
[[nodiscard]] Status check_tally_request(const Content& content, const PopulationMargins* margins,
                                         const std::string& only_consultation);

// One participant's answers for raking: question id -> answer id (absent: not answered).
using Profile = std::map<std::string, std::string>;
struct RakingResult {
  std::vector<double> weights;  // one per profile, summing to the number of profiles
  bool converged = false;
  int iterations = 0;
  std::string note;
  std::vector<std::string> empty_groups;  // "question=answer" with population but no participants
};
// Iterative proportional fitting to the margins. A participant who did not answer a question
// keeps their share of "no answer" (its target is its observed share); a group with population
// but no participants cannot be corrected for, and is named in the note.
// Converged: every margin within `tolerance` × n of its target. `counts`: how many participants
// each profile stands for (empty: one each); a profile's weight is each one's weight, and the
// weights times the counts sum to the number of participants.
RakingResult rake(const std::vector<Profile>& profiles, const PopulationMargins& margins,
                  int max_iterations = 200, double tolerance = 1e-6,
                  const std::vector<std::uint64_t>& counts = {});

}  // namespace civic
