// The resident's flow as a pure state machine: no SDL, no ImGui, no storage. Screens read the
// state and send actions; effects (storing a confirmed submission) are handed to the app, which
// reports back. Time comes from a clock, so time-outs are testable.
//
// attract -> language -> consultations -> consultation -> idea -> vote -> about you -> review
//   -> (confirm: the app seals and stores) -> thank you (receipt) -> attract
//
// Nothing a resident enters is stored before confirm; on reset or finish it is wiped from memory.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sync/consultation/consultation.h"
#include "sync/protocol/record.h"

namespace civic::kiosk {

enum class Screen {
  kAttract,
  kLanguage,
  kConsultations,
  kConsultation,
  kIdea,
  kVote,
  kAboutYou,
  kReview,
  kStoring,        // confirm pressed; waiting for the store to answer
  kThanks,
  kOutOfService,   // the store failed: polite message, the resident's words stay on screen
};
const char* screen_name(Screen s);

// Validation messages are catalogue keys; the UI translates them.
struct Message {
  std::string key;
  std::map<std::string, std::string> args;  // "{n}" in the catalogue text
};

struct SessionSettings {
  std::uint64_t idle_timeout_ms = 120000;
  std::uint64_t idle_warning_ms = 30000;        // at least 20 s before the reset
  std::uint64_t speech_idle_timeout_ms = 300000;  // with speech on: listening takes longer
  std::size_t idea_min_chars = 5;
  std::size_t idea_max_chars = 1000;            // well inside the record's byte limit
  Channel channel = Channel::kKiosk;
  std::string event_id;                         // set by staff during a town-hall event
  // The languages offered, in order (BCP 47 tags; the kiosk's [languages] setting); the language a
  // visit starts in; each language's thousands separator ("12,500" or "12 500").
  std::vector<std::string> languages;
  std::string default_language;
  std::map<std::string, std::string> thousands_separators;
};

struct Action {
  enum class Kind {
    kStart,             // attract: begin
    kChooseLanguage,    // value: language tag
    kShowLanguages,     // mid-visit: the language screen, then back to where the resident was
    kOpenConsultation,  // value: consultation id
    kNext,              // move forward from the current step
    kBack,
    kSkip,              // skip an optional step
    kTypeText,          // value: UTF-8 text to append to the idea
    kBackspace,         // delete the last character of the idea
    kClearIdea,
    kToggleSupport,     // value: idea id
    kSetOpinion,        // value: idea id, choice: agree / disagree / pass (again: withdraw)
    kShowMore,          // opinion: show more statements to vote on
    kToggleProject,     // budget: value: idea (project) id; again: unselect
    kChoosePair,        // pairwise: value: "left", "right" or "cannot-decide" for the pair shown
    kSetConsent,        // flag
    kAnswer,            // value: question id, value2: answer id (again: withdraw)
    kConfirm,
    kMoreTime,
    kFinish,            // thank you / out of service: back to attract, wiped
    kAnotherConsultation,
    kToggleHighContrast,
    kToggleLargeText,
    // Speech (the kiosk's own screen reader). Turning it on works from the attract screen too.
    kToggleSpeech,
    kSpeechRepeat,
    kSpeechSlower,
    kSpeechFaster,
    kSpeechQuieter,
    kSpeechLouder,
    kWhereAmI,            // keypad: say where the resident is (screen, step, consultation, focus)
    kToggleSpeakLetters,  // speak each typed letter aloud on the loudspeaker (off: others could listen)
    kTogglePrivacy,       // with headphones: hide the screen's text while speech runs
    // Review: go back to one step to change it (value: the step's screen name, e.g. "vote").
    kChangeStep,
    // Leaving would delete what the resident has not sent: the kiosk asks first. These answer.
    kConfirmDiscard,  // yes: delete it and do what was asked
    kCancelDiscard,   // no: stay
  };
  Kind kind;
  std::string value;
  std::string value2;
  VoteChoice choice = VoteChoice::kSupport;
  bool flag = false;
};

class Session {
 public:
  using Clock = std::function<std::uint64_t()>;  // milliseconds, monotonic
  using RandomSessionId = std::function<SessionId()>;

  Session(SessionSettings settings, Clock clock, RandomSessionId random_id);
  ~Session();

  void set_content(Content content);
  // How records made from now on arrive: kiosk, town hall (with the event id) or paper (with the
  // card number). Set by staff mode; takes effect for the next session.
  void set_participation(Channel channel, std::string event_id, std::string card_number);
  Channel channel() const { return settings_.channel; }
  const Content& content() const { return content_; }

  // Every action counts as activity (it resets the idle timer).
  void apply(const Action& action);
  // Checks the idle timer; call every frame and on timer wake-ups.
  void tick();
  // Milliseconds until tick() would change something (warning or reset), for the frame loop's
  // sleep; nullopt when no timer runs.
  std::optional<std::uint64_t> ms_until_next_timer() const;

  // [SECTION] Effects for the app
  // A confirmed submission waiting to be sealed and stored; the app takes it, stores it, and
  // calls store_succeeded or store_failed.
  std::optional<Submission> take_submission_to_store();
  void store_succeeded(const std::string& receipt_code);
  void store_failed();

  // [SECTION] State for screens
  Screen screen() const { return screen_; }
  const std::string& language() const { return language_; }
  // How the language on screen separates thousands ("," where nothing says otherwise).
  std::string thousands_separator() const {
    auto it = settings_.thousands_separators.find(language_);
    return it == settings_.thousands_separators.end() ? "," : it->second;
  }
  const SessionSettings& settings() const { return settings_; }
  const Consultation* consultation() const;
  // The consultations offered; the app gives the session only those open now (open_at()).
  std::vector<const Consultation*> consultations() const;
  bool already_took_part(const std::string& consultation_id) const { return done_.count(consultation_id) > 0; }
  bool took_part() const { return !done_.empty(); }  // this session stored something already
  const std::string& idea() const { return idea_; }
  std::size_t idea_chars() const;
  bool supports(const std::string& idea_id) const;
  std::optional<VoteChoice> opinion(const std::string& idea_id) const;
  int supports_used() const;
  // Opinion: the statements shown so far (the first ones of the consultation's list); "show me
  // more" adds kOpinionPage. A resident is asked for at least the consultation's min_votes.
  static constexpr std::size_t kOpinionPage = 5;
  std::size_t opinions_shown() const;
  std::size_t opinions_given() const { return opinions_.size(); }
  // Budget: the projects chosen and what they cost together.
  bool selected(const std::string& idea_id) const { return selected_.count(idea_id) > 0; }
  std::size_t projects_selected() const { return selected_.size(); }
  std::uint64_t budget_spent() const;
  // Pairwise: the pair on screen (left, right), none when the resident has seen every pair this
  // kiosk offers them; the comparisons made so far.
  const std::optional<std::pair<std::string, std::string>>& current_pair() const { return pair_; }
  const std::vector<Comparison>& comparisons() const { return comparisons_; }
  bool consent() const { return consent_; }
  std::optional<std::string> answer(const std::string& question_id) const;
  const std::optional<Message>& message() const { return message_; }
  bool idle_warning() const { return warning_; }
  // Set while the kiosk asks whether to delete an unsent idea and votes (Finish, Back to the
  // start, or another consultation, with something not sent yet).
  bool confirming_discard() const { return discard_.has_value(); }
  // How the resident wants the screen: reset when the session ends.
  bool high_contrast() const { return high_contrast_; }
  bool large_text() const { return large_text_; }
  // Speech: on or off, and the resident's speed and volume as steps 0..kSpeechSteps-1. Reset
  // when the session ends. speech_repeats() counts "repeat" requests.
  static constexpr int kSpeechSteps = 5;
  bool speech() const { return speech_; }
  int speech_rate() const { return speech_rate_; }
  int speech_volume() const { return speech_volume_; }
  std::uint64_t speech_repeats() const { return speech_repeats_; }
  std::uint64_t where_requests() const { return where_requests_; }
  // Private listening. The kiosk says whether speech goes to headphones (a device, not a
  // resident's choice: kept across visits); unplugging them stops speech and says so. Typed
  // letters are spoken on headphones, and on the loudspeaker only when the resident asks;
  // privacy hides the screen's text while speech runs on headphones. Both reset with the session.
  void set_headphones(bool plugged_in);
  bool headphones() const { return headphones_; }
  bool speak_letters() const { return speak_letters_; }
  bool speak_typing() const { return headphones_ || speak_letters_; }
  bool privacy() const { return privacy_; }
  bool screen_hidden() const { return privacy_ && headphones_ && speech_; }
  std::uint64_t seconds_until_reset() const;
  const std::string& receipt() const { return receipt_; }
  // 1-based step and total for the step indicator, or {0, 0} outside the participation steps.
  std::pair<int, int> step() const;
  // Counts of what will be sent, for the review screen.
  std::size_t vote_count() const;
  bool has_anything_to_send() const { return !idea_.empty() || vote_count() > 0; }
  // Incremented on every change, so the UI can tell when to redraw.
  std::uint64_t revision() const { return revision_; }
  // Incremented when the content changes (what lists are measured from).
  std::uint64_t content_revision() const { return content_revision_; }

 private:
  void go(Screen s);
  void next_from(Screen s);
  bool would_discard(const Action& a) const;
  void clear_votes();
  void choose_pair();  // the next pair for a pairwise consultation, favouring ideas seen least
  std::optional<Screen> back_target() const;  // a would delete an unsent idea or votes
  std::vector<Screen> steps() const;
  void reset();  // wipe everything and return to attract
  Submission build_submission() const;
  void touch();
  std::uint64_t idle_timeout_ms() const;

  SessionSettings settings_;
  Clock clock_;
  RandomSessionId random_id_;
  Content content_;

  Screen screen_ = Screen::kAttract;
  std::vector<Screen> history_;
  std::string language_;
  std::string consultation_id_;
  std::string idea_;
  std::set<std::string> supports_;
  std::map<std::string, VoteChoice> opinions_;
  std::size_t opinion_pages_ = 1;
  bool asked_for_more_opinions_ = false;  // the "vote on at least N" reminder was shown once
  std::set<std::string> selected_;
  std::vector<Comparison> comparisons_;
  std::optional<std::pair<std::string, std::string>> pair_;
  // How often this kiosk has shown each idea in a pair ("consultation/idea"): what it knows
  // offline to favour ideas seen least. Kept across sessions; holds no resident's choice.
  std::map<std::string, std::uint64_t> appearances_;
  std::map<std::string, std::string> answers_;
  bool consent_ = false;
  std::set<std::string> done_;
  std::string card_number_;
  SessionId session_id_{};
  std::optional<Submission> pending_;
  std::string receipt_;
  std::optional<Message> message_;
  std::optional<Action> discard_;  // what the resident asked for, waiting for "delete it?"
  std::uint64_t last_activity_ = 0;
  bool warning_ = false;
  std::uint64_t warning_seconds_ = 0;  // the countdown last shown: each new second is a change
  bool high_contrast_ = false;
  bool large_text_ = false;
  bool speech_ = false;
  int speech_rate_ = 2;
  int speech_volume_ = 2;
  std::uint64_t speech_repeats_ = 0;
  std::uint64_t where_requests_ = 0;
  bool headphones_ = false;
  bool speak_letters_ = false;
  bool privacy_ = false;
  std::uint64_t revision_ = 0;
  std::uint64_t content_revision_ = 0;
};

// Counts Unicode code points, which is what a resident thinks of as characters.
std::size_t utf8_length(const std::string& s);

}  // namespace civic::kiosk
