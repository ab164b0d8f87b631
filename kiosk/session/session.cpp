#include "session.h"

#include "sync/common/human.h"

#include <algorithm>

namespace civic::kiosk {

const char* screen_name(Screen s) {
  switch (s) {
    case Screen::kAttract: return "attract";
    case Screen::kLanguage: return "language";
    case Screen::kConsultations: return "consultations";
    case Screen::kConsultation: return "consultation";
    case Screen::kIdea: return "idea";
    case Screen::kVote: return "vote";
    case Screen::kAboutYou: return "about-you";
    case Screen::kReview: return "review";
    case Screen::kStoring: return "storing";
    case Screen::kThanks: return "thanks";
    case Screen::kOutOfService: return "out-of-service";
  }
  return "unknown";
}

std::size_t utf8_length(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

Session::Session(SessionSettings settings, Clock clock, RandomSessionId random_id)
    : settings_(std::move(settings)), clock_(std::move(clock)), random_id_(std::move(random_id)) {
  language_ = settings_.default_language;
  last_activity_ = clock_();
}

Session::~Session() { reset(); }

void Session::set_participation(Channel channel, std::string event_id, std::string card_number) {
  if (settings_.channel == channel && settings_.event_id == event_id && card_number_ == card_number) return;
  settings_.channel = channel;
  settings_.event_id = std::move(event_id);
  card_number_ = std::move(card_number);
  ++revision_;
}

void Session::set_content(Content content) {
  content_ = std::move(content);
  ++revision_;
  ++content_revision_;
}

const Consultation* Session::consultation() const { return content_.consultation(consultation_id_); }

std::vector<const Consultation*> Session::consultations() const {
  std::vector<const Consultation*> out;
  for (const auto& c : content_.consultations) out.push_back(&c);
  return out;
}

void Session::touch() {
  last_activity_ = clock_();
  warning_ = false;
  ++revision_;
}

void Session::set_headphones(bool plugged_in) {
  if (plugged_in == headphones_) return;
  headphones_ = plugged_in;
  if (screen_ != Screen::kAttract) message_ = Message{plugged_in ? "speech.headphones_on" : "speech.headphones_off", {}};
  if (!plugged_in) {
    // Speech that was private must not carry on out loud: it stops until the resident turns it on.
    speech_ = false;
    privacy_ = false;
  }
  ++revision_;
}

void Session::go(Screen s) {
  if (s != screen_) history_.push_back(screen_);
  screen_ = s;
  const Consultation* c = consultation();
  if (s == Screen::kVote && c && c->voting == VotingMethod::kPairwise && !pair_) choose_pair();
}

void Session::clear_votes() {
  supports_.clear();
  opinions_.clear();
  selected_.clear();
  for (auto& cmp : comparisons_) {
    wipe_string(cmp.left);
    wipe_string(cmp.right);
  }
  comparisons_.clear();
  pair_.reset();
  opinion_pages_ = 1;
  asked_for_more_opinions_ = false;
}

std::size_t Session::opinions_shown() const {
  const Consultation* c = consultation();
  if (!c) return 0;
  const std::size_t first = std::max<std::size_t>(kOpinionPage, static_cast<std::size_t>(c->min_votes));
  return std::min(c->ideas.size(), first + (opinion_pages_ - 1) * kOpinionPage);
}

std::uint64_t Session::budget_spent() const {
  const Consultation* c = consultation();
  if (!c) return 0;
  return civic::budget_spent(*c, std::vector<std::string>(selected_.begin(), selected_.end()));
}

void Session::choose_pair() {
  pair_.reset();
  const Consultation* c = consultation();
  if (!c || comparisons_.size() >= static_cast<std::size_t>(c->max_comparisons)) return;
  std::set<std::pair<std::string, std::string>> done;
  for (const auto& cmp : comparisons_) done.insert(std::minmax(cmp.left, cmp.right));
  // Random bits for ties and for which side each idea goes.
  SessionId noise = random_id_();
  std::size_t next_noise = 0;
  auto coin = [&]() -> unsigned {  // 16 random bits, fresh bytes when these run out
    if (next_noise + 2 > noise.size()) {
      noise = random_id_();
      next_noise = 0;
    }
    next_noise += 2;
    return static_cast<unsigned>(noise[next_noise - 2]) << 8 | noise[next_noise - 1];
  };
  auto seen = [&](const Idea& i) { return appearances_[c->id + "/" + i.id]; };
  // The pair not yet shown this session whose ideas have been shown least: first the pair whose
  // more-shown idea is least shown, then the smaller total; ties at random.
  const Idea* a = nullptr;
  const Idea* b = nullptr;
  std::pair<std::uint64_t, std::uint64_t> best{UINT64_MAX, UINT64_MAX};
  std::size_t ties = 0;
  for (std::size_t i = 0; i < c->ideas.size(); ++i) {
    for (std::size_t j = i + 1; j < c->ideas.size(); ++j) {
      const Idea& x = c->ideas[i];
      const Idea& y = c->ideas[j];
      if (done.count(std::minmax(x.id, y.id))) continue;
      const std::pair<std::uint64_t, std::uint64_t> key{std::max(seen(x), seen(y)), seen(x) + seen(y)};
      if (key < best) {
        best = key;
        a = &x;
        b = &y;
        ties = 1;
      } else if (key == best && coin() % ++ties == 0) {
        a = &x;  // each of the tied pairs is as likely
        b = &y;
      }
    }
  }
  if (!a) return;
  ++appearances_[c->id + "/" + a->id];
  ++appearances_[c->id + "/" + b->id];
  if (coin() % 2 == 0) std::swap(a, b);
  pair_ = std::make_pair(a->id, b->id);
}

std::vector<Screen> Session::steps() const {
  std::vector<Screen> out{Screen::kIdea};
  if (const Consultation* c = consultation()) {
    const std::size_t needed = c->voting == VotingMethod::kPairwise ? 2 : 1;
    if (c->voting != VotingMethod::kNone && c->ideas.size() >= needed) out.push_back(Screen::kVote);
    if (!c->about_you.empty()) out.push_back(Screen::kAboutYou);
  }
  out.push_back(Screen::kReview);
  return out;
}

std::pair<int, int> Session::step() const {
  auto s = steps();
  auto it = std::find(s.begin(), s.end(), screen_);
  if (it == s.end()) return {0, 0};
  return {static_cast<int>(it - s.begin()) + 1, static_cast<int>(s.size())};
}

void Session::next_from(Screen current) {
  if (current == Screen::kConsultation) return go(Screen::kIdea);
  auto s = steps();
  auto it = std::find(s.begin(), s.end(), current);
  if (it != s.end() && it + 1 != s.end()) go(*(it + 1));
}

std::size_t Session::idea_chars() const { return utf8_length(idea_); }

bool Session::supports(const std::string& idea_id) const { return supports_.count(idea_id) > 0; }

std::optional<VoteChoice> Session::opinion(const std::string& idea_id) const {
  auto it = opinions_.find(idea_id);
  if (it == opinions_.end()) return std::nullopt;
  return it->second;
}

int Session::supports_used() const { return static_cast<int>(supports_.size()); }

std::optional<std::string> Session::answer(const std::string& question_id) const {
  auto it = answers_.find(question_id);
  if (it == answers_.end()) return std::nullopt;
  return it->second;
}

std::size_t Session::vote_count() const {
  return supports_.size() + opinions_.size() + selected_.size() + comparisons_.size();
}

std::uint64_t Session::idle_timeout_ms() const {
  return speech_ ? settings_.speech_idle_timeout_ms : settings_.idle_timeout_ms;
}

std::uint64_t Session::seconds_until_reset() const {
  const std::uint64_t elapsed = clock_() - last_activity_;
  if (elapsed >= idle_timeout_ms()) return 0;
  return (idle_timeout_ms() - elapsed + 999) / 1000;
}

// The attract screen has no timer, except when someone turned speech on there and walked away:
// speech then goes off after the (speech) time-out, without a warning (there is nothing to lose).
std::optional<std::uint64_t> Session::ms_until_next_timer() const {
  if (screen_ == Screen::kStoring || (screen_ == Screen::kAttract && !speech_)) return std::nullopt;
  const std::uint64_t elapsed = clock_() - last_activity_;
  if (elapsed >= idle_timeout_ms()) return 0;
  if (screen_ == Screen::kAttract) return idle_timeout_ms() - elapsed;
  const std::uint64_t warn_at = idle_timeout_ms() - settings_.idle_warning_ms;
  if (elapsed < warn_at) return warn_at - elapsed;
  // During the warning the countdown on screen changes every second.
  return std::min<std::uint64_t>(1000, idle_timeout_ms() - elapsed);
}

void Session::tick() {
  if (screen_ == Screen::kStoring || (screen_ == Screen::kAttract && !speech_)) return;
  const std::uint64_t elapsed = clock_() - last_activity_;
  if (elapsed >= idle_timeout_ms()) {
    reset();
    return;
  }
  if (screen_ == Screen::kAttract) return;
  if (elapsed >= idle_timeout_ms() - settings_.idle_warning_ms) {
    // The countdown on screen (and in speech) changes every second: each second is a change.
    const std::uint64_t left = seconds_until_reset();
    if (!warning_ || left != warning_seconds_) ++revision_;
    warning_ = true;
    warning_seconds_ = left;
  }
}

// Where Back goes: the screen before, or from the consultations (after "another consultation",
// which starts afresh) the language screen.
std::optional<Screen> Session::back_target() const {
  if (screen_ == Screen::kThanks || screen_ == Screen::kOutOfService || screen_ == Screen::kStoring ||
      screen_ == Screen::kAttract)
    return std::nullopt;
  if (!history_.empty()) return history_.back();
  if (screen_ == Screen::kConsultations)
    return settings_.languages.size() > 1 ? Screen::kLanguage : Screen::kAttract;
  if (screen_ == Screen::kLanguage) return Screen::kAttract;
  return std::nullopt;
}

bool Session::would_discard(const Action& a) const {
  if (!has_anything_to_send()) return false;
  switch (a.kind) {
    case Action::Kind::kFinish:
      return screen_ == Screen::kConsultations || screen_ == Screen::kLanguage;
    case Action::Kind::kBack:
      return back_target() == Screen::kAttract;
    case Action::Kind::kOpenConsultation:
      return screen_ == Screen::kConsultations && a.value != consultation_id_ && !done_.count(a.value) &&
             content_.consultation(a.value) != nullptr;
    default:
      return false;
  }
}

void Session::apply(const Action& a) {
  if (screen_ == Screen::kStoring) return;  // nothing may change what is being stored
  touch();
  message_.reset();
  // While the kiosk asks "delete what you have not sent?", only the answer (and the display and
  // speech settings) count.
  if (discard_) {
    if (a.kind == Action::Kind::kConfirmDiscard) {
      const Action asked = *discard_;
      discard_.reset();
      wipe_string(idea_);
      clear_votes();
      answers_.clear();
      consent_ = false;
      apply(asked);
      return;
    }
    if (a.kind == Action::Kind::kCancelDiscard || a.kind == Action::Kind::kBack) {
      discard_.reset();
      return;
    }
    if (a.kind != Action::Kind::kToggleHighContrast && a.kind != Action::Kind::kToggleLargeText &&
        a.kind != Action::Kind::kToggleSpeech && a.kind != Action::Kind::kSpeechRepeat &&
        a.kind != Action::Kind::kWhereAmI &&
        a.kind != Action::Kind::kMoreTime) {
      return;
    }
  } else if (would_discard(a)) {
    discard_ = a;
    return;
  }
  const Consultation* c = consultation();
  switch (a.kind) {
    case Action::Kind::kConfirmDiscard:
    case Action::Kind::kCancelDiscard:
      break;
    case Action::Kind::kChangeStep: {
      if (screen_ != Screen::kReview) break;
      for (Screen step : steps()) {
        if (step != Screen::kReview && a.value == screen_name(step)) go(step);
      }
      break;
    }
    case Action::Kind::kStart:
      if (screen_ != Screen::kAttract) break;
      session_id_ = random_id_();
      language_ = settings_.default_language;
      go(settings_.languages.size() > 1 ? Screen::kLanguage : Screen::kConsultations);
      break;
    case Action::Kind::kChooseLanguage:
      if (std::find(settings_.languages.begin(), settings_.languages.end(), a.value) == settings_.languages.end()) break;
      language_ = a.value;
      if (screen_ == Screen::kLanguage) {
        // Chosen mid-visit (from the title bar): back to that screen. Chosen at the start: on.
        if (!history_.empty() && history_.back() != Screen::kAttract) {
          screen_ = history_.back();
          history_.pop_back();
        } else {
          go(Screen::kConsultations);
        }
      }
      break;
    case Action::Kind::kShowLanguages:
      if (screen_ != Screen::kAttract && screen_ != Screen::kLanguage && screen_ != Screen::kStoring &&
          settings_.languages.size() > 1)
        go(Screen::kLanguage);
      break;
    case Action::Kind::kOpenConsultation: {
      if (screen_ != Screen::kConsultations) break;
      const Consultation* chosen = content_.consultation(a.value);
      if (!chosen) break;
      if (done_.count(a.value)) {
        message_ = Message{"consultations.already", {}};
        break;
      }
      if (a.value != consultation_id_) {  // the same one again keeps what was entered
        consultation_id_ = a.value;
        wipe_string(idea_);
        clear_votes();
        answers_.clear();
        consent_ = false;
      }
      go(Screen::kConsultation);
      break;
    }
    case Action::Kind::kNext:
      if (screen_ == Screen::kIdea && !idea_.empty() && idea_chars() < settings_.idea_min_chars) {
        message_ = Message{"idea.too_short", {{"min", std::to_string(settings_.idea_min_chars)}}};
        break;
      }
      if (screen_ == Screen::kVote && c && c->voting == VotingMethod::kOpinion && !opinions_.empty() &&
          opinions_.size() < std::min(static_cast<std::size_t>(c->min_votes), c->ideas.size()) &&
          !asked_for_more_opinions_) {
        // Asked once: fewer votes than this cannot place the resident's views among others.
        asked_for_more_opinions_ = true;
        message_ = Message{"vote.min_votes", {{"min", std::to_string(c->min_votes)},
                                              {"n", std::to_string(opinions_.size())}}};
        break;
      }
      if (screen_ == Screen::kVote && c && c->voting == VotingMethod::kBudget &&
          impossible_budget_selection(*c, std::vector<std::string>(selected_.begin(), selected_.end()))) {
        message_ = Message{"vote.over_budget_total", {}};  // cannot happen from the screen: checked again
        break;
      }
      if (screen_ == Screen::kConsultation || screen_ == Screen::kIdea || screen_ == Screen::kVote ||
          screen_ == Screen::kAboutYou) {
        next_from(screen_);
      }
      break;
    case Action::Kind::kSkip:
      if (screen_ == Screen::kIdea) {
        wipe_string(idea_);
      } else if (screen_ == Screen::kVote) {
        clear_votes();
      } else if (screen_ == Screen::kAboutYou) {
        answers_.clear();
        consent_ = false;
      } else {
        break;
      }
      next_from(screen_);
      break;
    case Action::Kind::kBack: {
      const auto to = back_target();
      if (!to) break;
      if (!history_.empty()) history_.pop_back();
      screen_ = *to;
      if (screen_ == Screen::kAttract) reset();
      break;
    }
    case Action::Kind::kTypeText:
      if (screen_ != Screen::kIdea) break;
      if (idea_chars() + utf8_length(a.value) > settings_.idea_max_chars) {
        message_ = Message{"idea.too_long", {{"max", std::to_string(settings_.idea_max_chars)}}};
        break;
      }
      idea_ += a.value;
      break;
    case Action::Kind::kBackspace:
      if (screen_ != Screen::kIdea || idea_.empty()) break;
      // One whole character: its continuation bytes, then its first byte.
      while (!idea_.empty() && (static_cast<unsigned char>(idea_.back()) & 0xC0) == 0x80) idea_.pop_back();
      if (!idea_.empty()) idea_.pop_back();
      break;
    case Action::Kind::kClearIdea:
      if (screen_ == Screen::kIdea) wipe_string(idea_);
      break;
    case Action::Kind::kToggleSupport:
      if (screen_ != Screen::kVote || !c || c->voting != VotingMethod::kSupport) break;
      if (supports_.erase(a.value)) break;
      if (static_cast<int>(supports_.size()) >= c->max_supports) {
        message_ = Message{"vote.limit", {{"max", std::to_string(c->max_supports)}}};
        break;
      }
      if (std::any_of(c->ideas.begin(), c->ideas.end(), [&](const Idea& i) { return i.id == a.value; })) {
        supports_.insert(a.value);
      }
      break;
    case Action::Kind::kSetOpinion: {
      if (screen_ != Screen::kVote || !c || c->voting != VotingMethod::kOpinion) break;
      if (a.choice == VoteChoice::kSupport) break;
      auto it = opinions_.find(a.value);
      if (it != opinions_.end() && it->second == a.choice) {
        opinions_.erase(it);
      } else if (std::any_of(c->ideas.begin(), c->ideas.end(), [&](const Idea& i) { return i.id == a.value; })) {
        opinions_[a.value] = a.choice;
      }
      break;
    }
    case Action::Kind::kShowMore:
      if (screen_ != Screen::kVote || !c || c->voting != VotingMethod::kOpinion) break;
      if (opinions_shown() < c->ideas.size()) ++opinion_pages_;
      break;
    case Action::Kind::kToggleProject: {
      if (screen_ != Screen::kVote || !c || c->voting != VotingMethod::kBudget) break;
      if (selected_.erase(a.value)) break;
      const Idea* project = c->idea(a.value);
      if (!project) break;
      std::vector<std::string> with(selected_.begin(), selected_.end());
      with.push_back(a.value);
      if (auto why = impossible_budget_selection(*c, with)) {
        if (*why == "too-many-projects") {
          message_ = Message{"vote.project_limit", {{"max", std::to_string(c->max_projects)}}};
        } else {
          message_ = Message{"vote.over_budget",
                             {{"cost", format_money(project->cost, c->currency, thousands_separator())},
                              {"left", format_money(c->budget_total - budget_spent(), c->currency,
                                                    thousands_separator())}}};
        }
        break;
      }
      selected_.insert(a.value);
      break;
    }
    case Action::Kind::kChoosePair: {
      if (screen_ != Screen::kVote || !c || c->voting != VotingMethod::kPairwise || !pair_) break;
      PairOutcome outcome;
      if (a.value == "left") {
        outcome = PairOutcome::kLeft;
      } else if (a.value == "right") {
        outcome = PairOutcome::kRight;
      } else if (a.value == "cannot-decide") {
        outcome = PairOutcome::kCannotDecide;
      } else {
        break;
      }
      comparisons_.push_back({pair_->first, pair_->second, outcome});
      choose_pair();
      break;
    }
    case Action::Kind::kSetConsent:
      if (screen_ != Screen::kAboutYou) break;
      consent_ = a.flag;
      if (!consent_) answers_.clear();
      break;
    case Action::Kind::kAnswer: {
      if (screen_ != Screen::kAboutYou) break;
      if (!consent_) {
        message_ = Message{"about.consent_first", {}};
        break;
      }
      const Question* q = content_.question(a.value);
      if (!q) break;
      auto it = answers_.find(a.value);
      if (it != answers_.end() && it->second == a.value2) {
        answers_.erase(it);
      } else if (std::any_of(q->answers.begin(), q->answers.end(), [&](const AnswerOption& o) { return o.id == a.value2; })) {
        answers_[a.value] = a.value2;
      }
      break;
    }
    case Action::Kind::kConfirm:
      if (screen_ != Screen::kReview) break;
      if (!has_anything_to_send()) {
        message_ = Message{"review.nothing", {}};
        break;
      }
      pending_ = build_submission();
      go(Screen::kStoring);
      break;
    case Action::Kind::kMoreTime:
      break;  // touch() above did it
    case Action::Kind::kToggleHighContrast:
      high_contrast_ = !high_contrast_;
      break;
    case Action::Kind::kToggleLargeText:
      large_text_ = !large_text_;
      break;
    case Action::Kind::kToggleSpeech:
      speech_ = !speech_;
      break;
    case Action::Kind::kSpeechRepeat:
      if (speech_) ++speech_repeats_;
      break;
    case Action::Kind::kSpeechSlower:
      if (speech_) speech_rate_ = std::max(0, speech_rate_ - 1);
      break;
    case Action::Kind::kSpeechFaster:
      if (speech_) speech_rate_ = std::min(kSpeechSteps - 1, speech_rate_ + 1);
      break;
    case Action::Kind::kSpeechQuieter:
      if (speech_) speech_volume_ = std::max(0, speech_volume_ - 1);
      break;
    case Action::Kind::kSpeechLouder:
      if (speech_) speech_volume_ = std::min(kSpeechSteps - 1, speech_volume_ + 1);
      break;
    case Action::Kind::kWhereAmI:
      if (speech_) ++where_requests_;
      break;
    case Action::Kind::kToggleSpeakLetters:
      if (speech_) speak_letters_ = !speak_letters_;
      break;
    case Action::Kind::kTogglePrivacy:
      if (speech_ && headphones_) privacy_ = !privacy_;
      break;
    case Action::Kind::kFinish:
      if (screen_ == Screen::kThanks || screen_ == Screen::kOutOfService || screen_ == Screen::kConsultations ||
          screen_ == Screen::kLanguage) {
        reset();
      }
      break;
    case Action::Kind::kAnotherConsultation:
      if (screen_ != Screen::kThanks) break;
      wipe_string(receipt_);
      consultation_id_.clear();
      history_.clear();
      screen_ = Screen::kConsultations;
      break;
  }
}

Submission Session::build_submission() const {
  Submission s;
  s.consultation_id = consultation_id_;
  s.session_id = session_id_;
  s.language = language_;
  s.channel = settings_.channel;
  s.event_id = settings_.event_id;
  s.card_number = card_number_;
  s.idea = idea_;
  for (const auto& id : supports_) s.votes.push_back({id, VoteChoice::kSupport});
  for (const auto& [id, choice] : opinions_) s.votes.push_back({id, choice});
  for (const auto& id : selected_) s.votes.push_back({id, VoteChoice::kSelect});
  s.comparisons = comparisons_;
  const Consultation* c = consultation();
  if (consent_ && c) {
    for (const auto& [q, a] : answers_) {
      if (std::find(c->about_you.begin(), c->about_you.end(), q) != c->about_you.end()) s.answers.push_back({q, a});
    }
  }
  return s;
}

std::optional<Submission> Session::take_submission_to_store() {
  std::optional<Submission> out = std::move(pending_);
  pending_.reset();
  return out;
}

void Session::store_succeeded(const std::string& receipt_code) {
  if (screen_ != Screen::kStoring) return;
  receipt_ = receipt_code;
  done_.insert(consultation_id_);
  wipe_string(idea_);
  clear_votes();
  answers_.clear();
  consent_ = false;
  history_.clear();
  screen_ = Screen::kThanks;
  last_activity_ = clock_();
  ++revision_;
}

void Session::store_failed() {
  if (screen_ != Screen::kStoring) return;
  // The resident's words stay on screen until they leave; nothing was stored.
  history_.clear();
  screen_ = Screen::kOutOfService;
  last_activity_ = clock_();
  ++revision_;
}

void Session::reset() {
  wipe_string(idea_);
  wipe_string(receipt_);
  clear_votes();
  wipe_string(consultation_id_);
  answers_.clear();
  done_.clear();
  consent_ = false;
  if (pending_) wipe_submission(*pending_);
  pending_.reset();
  secure_wipe(session_id_.data(), session_id_.size());
  history_.clear();
  language_ = settings_.default_language;
  warning_ = false;
  high_contrast_ = false;
  large_text_ = false;
  speech_ = false;
  speech_rate_ = 2;
  speech_volume_ = 2;
  speak_letters_ = false;
  privacy_ = false;
  message_.reset();
  discard_.reset();
  warning_seconds_ = 0;
  screen_ = Screen::kAttract;
  ++revision_;
}

}  // namespace civic::kiosk
