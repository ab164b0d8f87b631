#include <catch2/catch.hpp>

#include <set>

#include "sync/common/human.h"

#include "demo_content.h"
#include "kiosk/session/session.h"

using namespace civic;
using namespace civic::kiosk;
using K = Action::Kind;

namespace {
struct Fixture {
  std::uint64_t now_ms = 1000;
  int ids = 0;
  Session s{SessionSettings{.languages = {"en", "fr"},
                            .default_language = "en",
                            .thousands_separators = {{"en", ","}, {"fr", " "}}}, [this] { return now_ms; }, [this] {
              SessionId id{};
              id[0] = static_cast<std::uint8_t>(++ids);
              return id;
            }};
  Fixture() { s.set_content(test::demo_content()); }
  void act(K kind, std::string value = "", std::string value2 = "") { s.apply(Action{kind, value, value2}); }
  void opinion(const std::string& idea, VoteChoice c) {
    s.apply(Action{.kind = K::kSetOpinion, .value = idea, .choice = c});
  }
  void type(const std::string& text) { act(K::kTypeText, text); }
  void to_consultation(const std::string& id) {
    act(K::kStart);
    act(K::kChooseLanguage, "fr");
    act(K::kOpenConsultation, id);
  }
};
}  // namespace

TEST_CASE("a full session: read, idea, support votes, about you, review, store, thanks", "[session]") {
  Fixture f;
  CHECK(f.s.screen() == Screen::kAttract);
  f.act(K::kStart);
  CHECK(f.s.screen() == Screen::kLanguage);
  f.act(K::kChooseLanguage, "fr");
  CHECK(f.s.language() == "fr");
  CHECK(f.s.screen() == Screen::kConsultations);
  f.act(K::kOpenConsultation, "parks-2026");
  CHECK(f.s.screen() == Screen::kConsultation);
  f.act(K::kNext);
  CHECK(f.s.screen() == Screen::kIdea);
  CHECK(f.s.step() == std::pair{1, 4});
  f.type("Des bancs à l’ombre");
  f.act(K::kNext);
  CHECK(f.s.screen() == Screen::kVote);
  f.act(K::kToggleSupport, "idea-002");
  f.act(K::kToggleSupport, "idea-001");
  CHECK(f.s.supports_used() == 2);
  f.act(K::kNext);
  CHECK(f.s.screen() == Screen::kAboutYou);
  f.act(K::kAnswer, "age", "65-74");
  CHECK(f.s.message()->key == "about.consent_first");
  f.s.apply(Action{.kind = K::kSetConsent, .flag = true});
  f.act(K::kAnswer, "age", "65-74");
  f.act(K::kAnswer, "social-media", "no");
  f.act(K::kNext);
  CHECK(f.s.screen() == Screen::kReview);
  f.act(K::kConfirm);
  CHECK(f.s.screen() == Screen::kStoring);

  auto sub = f.s.take_submission_to_store();
  REQUIRE(sub.has_value());
  CHECK(sub->consultation_id == "parks-2026");
  CHECK(sub->language == "fr");
  CHECK(sub->idea == "Des bancs à l’ombre");
  CHECK(sub->votes == std::vector<Vote>{{"idea-001", VoteChoice::kSupport}, {"idea-002", VoteChoice::kSupport}});
  CHECK(sub->answers == std::vector<Answer>{{"age", "65-74"}, {"social-media", "no"}});
  CHECK(sub->session_id[0] == 1);
  CHECK_FALSE(f.s.take_submission_to_store().has_value());  // taken once

  f.s.store_succeeded("ABCDE-FGHJK");
  CHECK(f.s.screen() == Screen::kThanks);
  CHECK(f.s.receipt() == "ABCDE-FGHJK");
  CHECK(f.s.idea().empty());  // wiped as soon as it is stored
  f.act(K::kFinish);
  CHECK(f.s.screen() == Screen::kAttract);
  CHECK(f.s.receipt().empty());
  CHECK(f.s.language() == "en");
}

TEST_CASE("nothing is stored before confirm, and confirm needs something to send", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.act(K::kSkip);  // no idea
  f.act(K::kSkip);  // no votes
  f.act(K::kSkip);  // no about-you
  CHECK(f.s.screen() == Screen::kReview);
  CHECK_FALSE(f.s.take_submission_to_store().has_value());
  f.act(K::kConfirm);
  CHECK(f.s.screen() == Screen::kReview);
  CHECK(f.s.message()->key == "review.nothing");
  CHECK_FALSE(f.s.take_submission_to_store().has_value());
}

TEST_CASE("an idea of exactly the shortest length goes on, one character less does not", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.type("abcd");  // 4 of 5
  f.act(K::kNext);
  CHECK(f.s.screen() == Screen::kIdea);
  f.type("é");  // 5 characters (6 bytes)
  f.act(K::kNext);
  CHECK(f.s.screen() == Screen::kVote);
}

TEST_CASE("idea length bounds", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.type("abc");
  f.act(K::kNext);
  CHECK(f.s.screen() == Screen::kIdea);
  CHECK(f.s.message()->key == "idea.too_short");
  CHECK(f.s.message()->args.at("min") == "5");
  f.type(std::string(996, 'x'));
  CHECK(f.s.idea_chars() == 999);
  f.type("é");  // one character, two bytes: fits exactly
  CHECK(f.s.idea_chars() == 1000);
  f.type("z");
  CHECK(f.s.message()->key == "idea.too_long");
  CHECK(f.s.idea_chars() == 1000);
  f.act(K::kBackspace);  // removes the whole 'é', not half of it
  CHECK(f.s.idea_chars() == 999);
  CHECK(f.s.idea().back() == 'x');
}

TEST_CASE("backspace removes exactly one character, whatever its length", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.type("aé œ€😀 ");
  const std::vector<std::string> expected{"aé œ€😀", "aé œ€", "aé œ", "aé ", "aé", "a", ""};
  for (const auto& e : expected) {
    f.act(K::kBackspace);
    CHECK(f.s.idea() == e);
  }
  f.act(K::kBackspace);  // nothing left: harmless
  CHECK(f.s.idea().empty());
}

TEST_CASE("support votes are limited, and opinions toggle", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");  // support, up to 3
  f.act(K::kNext);
  f.act(K::kSkip);
  for (auto id : {"idea-001", "idea-002", "idea-003"}) f.act(K::kToggleSupport, id);
  CHECK(f.s.supports_used() == 3);
  f.act(K::kToggleSupport, "idea-004");
  CHECK(f.s.message()->key == "vote.limit");
  CHECK_FALSE(f.s.supports("idea-004"));
  f.act(K::kToggleSupport, "idea-001");  // withdraw
  f.act(K::kToggleSupport, "idea-004");
  CHECK(f.s.supports("idea-004"));
  f.act(K::kToggleSupport, "no-such-idea");
  CHECK(f.s.supports_used() == 3);

  Fixture g;
  g.to_consultation("transit-2026");  // agree / disagree / pass
  g.act(K::kNext);
  g.act(K::kSkip);
  CHECK(g.s.screen() == Screen::kVote);
  g.opinion("t-001", VoteChoice::kAgree);
  g.opinion("t-002", VoteChoice::kDisagree);
  g.opinion("t-002", VoteChoice::kDisagree);  // again: withdrawn
  g.opinion("t-003", VoteChoice::kPass);
  CHECK(g.s.opinion("t-001") == VoteChoice::kAgree);
  CHECK_FALSE(g.s.opinion("t-002").has_value());
  CHECK(g.s.vote_count() == 2);
  g.act(K::kToggleSupport, "t-001");  // support is not this consultation's method
  CHECK(g.s.vote_count() == 2);
}

TEST_CASE("one ballot per session and consultation", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.type("More shade please");
  f.act(K::kNext);
  f.act(K::kSkip);
  f.act(K::kSkip);
  f.act(K::kConfirm);
  REQUIRE(f.s.take_submission_to_store().has_value());
  f.s.store_succeeded("X");
  f.act(K::kAnotherConsultation);
  CHECK(f.s.screen() == Screen::kConsultations);
  f.act(K::kOpenConsultation, "parks-2026");
  CHECK(f.s.screen() == Screen::kConsultations);
  CHECK(f.s.message()->key == "consultations.already");
  f.act(K::kOpenConsultation, "transit-2026");
  CHECK(f.s.screen() == Screen::kConsultation);
}

TEST_CASE("back navigation keeps what was entered", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.type("Benches near the river");
  f.act(K::kNext);
  f.act(K::kToggleSupport, "idea-003");
  f.act(K::kBack);
  CHECK(f.s.screen() == Screen::kIdea);
  CHECK(f.s.idea() == "Benches near the river");
  f.act(K::kNext);
  CHECK(f.s.supports("idea-003"));
  for (int i = 0; i < 10 && !f.s.confirming_discard(); ++i) f.act(K::kBack);
  // Back to the start would delete the idea and the vote: the kiosk asks first.
  CHECK(f.s.screen() == Screen::kLanguage);
  CHECK(f.s.confirming_discard());
  f.act(K::kConfirmDiscard);
  CHECK(f.s.screen() == Screen::kAttract);
  CHECK(f.s.idea().empty());
}

TEST_CASE("idle: a warning at least 20 s ahead, more time any number of times, then a wipe", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.type("My words");
  const auto& st = f.s.settings();
  REQUIRE(st.idle_warning_ms >= 20000);
  for (int round = 0; round < 5; ++round) {
    f.now_ms += st.idle_timeout_ms - st.idle_warning_ms - 1;
    f.s.tick();
    CHECK_FALSE(f.s.idle_warning());
    f.now_ms += 1;
    f.s.tick();
    CHECK(f.s.idle_warning());
    CHECK(f.s.seconds_until_reset() == st.idle_warning_ms / 1000);
    f.act(K::kMoreTime);
    CHECK_FALSE(f.s.idle_warning());
    CHECK(f.s.idea() == "My words");
  }
  f.now_ms += st.idle_timeout_ms;
  f.s.tick();
  CHECK(f.s.screen() == Screen::kAttract);
  CHECK(f.s.idea().empty());
}

TEST_CASE("the frame loop can sleep until the next timer", "[session]") {
  Fixture f;
  CHECK_FALSE(f.s.ms_until_next_timer().has_value());  // attract: nothing to wait for
  f.act(K::kStart);
  const auto& st = f.s.settings();
  CHECK(*f.s.ms_until_next_timer() == st.idle_timeout_ms - st.idle_warning_ms);
  f.now_ms += st.idle_timeout_ms - st.idle_warning_ms;
  f.s.tick();
  CHECK(*f.s.ms_until_next_timer() == 1000);  // the countdown changes every second
}

TEST_CASE("a failed store keeps the words on screen until the resident leaves", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.type("Keep this text");
  f.act(K::kNext);
  f.act(K::kSkip);
  f.act(K::kSkip);
  f.act(K::kConfirm);
  REQUIRE(f.s.take_submission_to_store().has_value());
  f.act(K::kBack);  // ignored while storing
  CHECK(f.s.screen() == Screen::kStoring);
  f.s.store_failed();
  CHECK(f.s.screen() == Screen::kOutOfService);
  CHECK(f.s.idea() == "Keep this text");
  f.act(K::kFinish);
  CHECK(f.s.idea().empty());
  CHECK(f.s.screen() == Screen::kAttract);
}

TEST_CASE("display choices last the session and reset with it", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kToggleHighContrast);
  f.act(K::kToggleLargeText);
  CHECK(f.s.high_contrast());
  CHECK(f.s.large_text());
  f.act(K::kNext);
  CHECK(f.s.high_contrast());
  f.now_ms += f.s.settings().idle_timeout_ms;
  f.s.tick();
  CHECK(f.s.screen() == Screen::kAttract);
  CHECK_FALSE(f.s.high_contrast());
  CHECK_FALSE(f.s.large_text());
}

TEST_CASE("speech: its own longer time-out, steps within bounds, reset with the session", "[session][speech]") {
  Fixture f;
  const auto settings = f.s.settings();
  REQUIRE(settings.speech_idle_timeout_ms > settings.idle_timeout_ms);
  // Off, repeat and speed do nothing.
  f.act(K::kSpeechFaster);
  f.act(K::kSpeechRepeat);
  CHECK(f.s.speech_rate() == 2);
  CHECK(f.s.speech_repeats() == 0);
  // Turned on from the attract screen: a timer runs there now, so speech cannot stay on forever.
  CHECK_FALSE(f.s.ms_until_next_timer());
  f.act(K::kToggleSpeech);
  REQUIRE(f.s.speech());
  CHECK(f.s.ms_until_next_timer() == settings.speech_idle_timeout_ms);
  f.to_consultation("parks-2026");
  for (int i = 0; i < 9; ++i) f.act(K::kSpeechFaster);
  CHECK(f.s.speech_rate() == Session::kSpeechSteps - 1);
  for (int i = 0; i < 9; ++i) f.act(K::kSpeechQuieter);
  CHECK(f.s.speech_volume() == 0);
  f.act(K::kSpeechRepeat);
  CHECK(f.s.speech_repeats() == 1);
  // The plain time-out passes without a warning: with speech, residents get longer.
  f.now_ms += settings.idle_timeout_ms;
  f.s.tick();
  CHECK_FALSE(f.s.idle_warning());
  CHECK(f.s.screen() == Screen::kConsultation);
  f.now_ms += settings.speech_idle_timeout_ms - settings.idle_timeout_ms - settings.idle_warning_ms;
  f.s.tick();
  CHECK(f.s.idle_warning());
  f.now_ms += settings.idle_warning_ms;
  f.s.tick();
  CHECK(f.s.screen() == Screen::kAttract);
  CHECK_FALSE(f.s.speech());
  CHECK(f.s.speech_rate() == 2);
  CHECK(f.s.speech_volume() == 2);
  // Left on at the attract screen, speech goes off after the speech time-out.
  f.act(K::kToggleSpeech);
  f.now_ms += settings.speech_idle_timeout_ms;
  f.s.tick();
  CHECK_FALSE(f.s.speech());
}

TEST_CASE("the language can change on any screen", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  f.act(K::kChooseLanguage, "en");
  CHECK(f.s.language() == "en");
  CHECK(f.s.screen() == Screen::kConsultation);
  f.act(K::kChooseLanguage, "xx");
  CHECK(f.s.language() == "en");
}

TEST_CASE("only consultations open by the calendar are offered", "[session][content]") {
  Content c = test::demo_content();
  c.consultations[0].opens_at = 1000;
  c.consultations[0].closes_at = 2000;
  CHECK(open_at(c, 999).consultation("parks-2026") == nullptr);
  CHECK(open_at(c, 1000).consultation("parks-2026") != nullptr);
  CHECK(open_at(c, 2000).consultation("parks-2026") == nullptr);
  CHECK(open_at(c, 2000).consultation("transit-2026") != nullptr);
  CHECK(open_at(c, 2000).questions.size() == c.questions.size());
}

TEST_CASE("content is parsed strictly", "[session][content]") {
  auto c = test::demo_content();
  REQUIRE(c.consultations.size() >= 2);
  CHECK(c.consultation("parks-2026")->voting == VotingMethod::kSupport);
  CHECK(c.consultation("parks-2026")->title.in("fr") != c.consultation("parks-2026")->title.in("en"));
  CHECK(c.consultation("parks-2026")->title.in("iu") == c.consultation("parks-2026")->title.in("en"));
  CHECK(parse_content(R"({"format":4,"consultations":[]})").code() == ErrorCode::kUnknownVersion);
  CHECK(parse_content("not json").code() == ErrorCode::kMalformed);
  auto unknown_question = parse_content(
      R"({"format":1,"consultations":[{"id":"a","title":{"en":"t"},"summary":{"en":"s"},"body":{"en":"b"},"about_you":["nope"]}]})");
  CHECK_THAT(unknown_question.message(), Catch::Contains("asks question 'nope', which"));
  auto bad_id = parse_content(R"({"format":1,"consultations":[{"id":"a b","title":{"en":"t"},"summary":{"en":"s"},"body":{"en":"b"}}]})");
  CHECK_THAT(bad_id.message(), Catch::Contains("'a b'"));
}

TEST_CASE("idle: during the warning each second of the countdown is a change to draw", "[session]") {
  Fixture f;
  f.to_consultation("parks-2026");
  const auto& st = f.s.settings();
  f.now_ms += st.idle_timeout_ms - st.idle_warning_ms;
  f.s.tick();
  REQUIRE(f.s.idle_warning());
  std::set<std::uint64_t> shown;
  for (int i = 0; i < 5; ++i) {
    const std::uint64_t before = f.s.revision();
    f.now_ms += 1000;
    f.s.tick();
    CHECK(f.s.revision() != before);  // the frame loop redraws only on a new revision
    shown.insert(f.s.seconds_until_reset());
    const std::uint64_t same = f.s.revision();
    f.s.tick();  // no time passed: nothing new to draw
    CHECK(f.s.revision() == same);
  }
  CHECK(shown.size() == 5);
}

namespace {
// From the attract screen to "about you" in parks-2026 with one support vote.
void to_about_you(Fixture& f) {
  f.to_consultation("parks-2026");
  f.act(K::kNext);
  f.act(K::kSkip);  // no idea
  f.act(K::kToggleSupport, "idea-001");
  f.act(K::kNext);
  REQUIRE(f.s.screen() == Screen::kAboutYou);
}
void consent(Fixture& f, bool yes) { f.s.apply(Action{.kind = K::kSetConsent, .flag = yes}); }
Submission confirm(Fixture& f) {
  f.act(K::kNext);
  REQUIRE(f.s.screen() == Screen::kReview);
  f.act(K::kConfirm);
  auto sub = f.s.take_submission_to_store();
  REQUIRE(sub.has_value());
  return *sub;
}
}  // namespace

TEST_CASE("withdrawing consent drops the about-you answers already given", "[session]") {
  Fixture f;
  to_about_you(f);
  consent(f, true);
  f.act(K::kAnswer, "age", "65-74");
  REQUIRE(f.s.answer("age") == std::optional<std::string>("65-74"));
  consent(f, false);
  CHECK_FALSE(f.s.answer("age").has_value());
  consent(f, true);  // consenting again does not bring them back
  CHECK_FALSE(f.s.answer("age").has_value());
  consent(f, false);
  CHECK(confirm(f).answers.empty());
}

TEST_CASE("the next resident starts clean: a new session id, and every question open to them", "[session]") {
  Fixture f;
  to_about_you(f);
  consent(f, true);
  f.act(K::kAnswer, "age", "65-74");
  const Submission first = confirm(f);
  f.s.store_succeeded("ABCDE-FGHJK");
  f.act(K::kFinish);
  REQUIRE(f.s.screen() == Screen::kAttract);
  CHECK_FALSE(f.s.consent());
  CHECK_FALSE(f.s.answer("age").has_value());

  // A resident who answers and walks away: the idle reset wipes the answers too.
  to_about_you(f);
  consent(f, true);
  f.act(K::kAnswer, "age", "65-74");
  for (int i = 0; i < 20 && f.s.screen() != Screen::kAttract; ++i) {
    f.now_ms += 60000;
    f.s.tick();
  }
  REQUIRE(f.s.screen() == Screen::kAttract);
  CHECK_FALSE(f.s.answer("age").has_value());

  to_about_you(f);  // the same consultation: open to the next resident
  CHECK_FALSE(f.s.answer("age").has_value());
  consent(f, true);
  f.act(K::kAnswer, "age", "25-44");
  const Submission second = confirm(f);
  CHECK(second.answers == std::vector<Answer>{{"age", "25-44"}});
  CHECK(second.session_id != first.session_id);
  CHECK(second.session_id != SessionId{});
}

TEST_CASE("budget: projects are chosen while they fit, and one that does not is refused with what is left", "[session][budget]") {
  Fixture f;
  f.to_consultation("budget-2027");  // 100 000 CAD, knapsack
  f.act(K::kNext);
  f.act(K::kSkip);
  REQUIRE(f.s.screen() == Screen::kVote);
  f.act(K::kToggleProject, "b-003");  // 40 000
  f.act(K::kToggleProject, "b-005");  // 35 000
  CHECK(f.s.budget_spent() == 75000);
  f.act(K::kToggleProject, "b-001");  // 30 000: over by 5 000
  REQUIRE(f.s.message());
  CHECK(f.s.message()->key == "vote.over_budget");
  CHECK(f.s.message()->args.at("cost") == "30 000 CAD");
  CHECK(f.s.message()->args.at("left") == "25 000 CAD");
  CHECK_FALSE(f.s.selected("b-001"));
  f.act(K::kToggleProject, "b-006");  // 25 000: exactly the budget
  CHECK(f.s.budget_spent() == 100000);
  f.act(K::kToggleProject, "no-such-project");
  CHECK(f.s.projects_selected() == 3);
  f.act(K::kToggleSupport, "b-001");  // not this consultation's method
  f.act(K::kNext);
  CHECK(f.s.screen() == Screen::kAboutYou);
  f.act(K::kSkip);
  f.act(K::kConfirm);
  auto sub = f.s.take_submission_to_store();
  REQUIRE(sub);
  CHECK(sub->votes == std::vector<Vote>{{"b-003", VoteChoice::kSelect}, {"b-005", VoteChoice::kSelect},
                                        {"b-006", VoteChoice::kSelect}});
  CHECK(validate_submission(*sub).ok());
  CHECK(format_money(1234567, "CAD", ",") == "1,234,567 CAD");
  CHECK(format_money(1234567, "CAD", " ") == "1 234 567 CAD");
}

TEST_CASE("pairwise: pairs favour the ideas this kiosk has shown least, never repeat, and stop at the limit",
          "[session][pairwise]") {
  Fixture f;
  std::map<std::string, int> shown;
  for (int resident = 0; resident < 3; ++resident) {
    f.to_consultation("library-2027");  // six ideas, at most 10 pairs
    f.act(K::kNext);
    f.act(K::kSkip);
    REQUIRE(f.s.screen() == Screen::kVote);
    std::set<std::pair<std::string, std::string>> pairs;
    std::vector<Comparison> made;
    for (int n = 0; n < 10; ++n) {
      REQUIRE(f.s.current_pair());
      const auto [left, right] = *f.s.current_pair();
      CHECK(left != right);
      CHECK(pairs.insert(std::minmax(left, right)).second);
      ++shown[left];
      ++shown[right];
      const char* choice = n % 3 == 0 ? "left" : n % 3 == 1 ? "right" : "cannot-decide";
      made.push_back({left, right, n % 3 == 0 ? PairOutcome::kLeft : n % 3 == 1 ? PairOutcome::kRight : PairOutcome::kCannotDecide});
      f.act(K::kChoosePair, choice);
      // The least shown and the most shown ideas never drift more than two showings apart (each
      // pair adds one to two ideas: one apart is not always possible).
      int lo = 1 << 30, hi = 0;
      for (const auto& i : f.s.consultation()->ideas) {
        lo = std::min(lo, shown[i.id]);
        hi = std::max(hi, shown[i.id]);
      }
      CHECK(hi - lo <= 2);
    }
    CHECK_FALSE(f.s.current_pair());  // the limit: "you have seen every pair for now"
    f.act(K::kChoosePair, "left");     // nothing to choose
    CHECK(f.s.comparisons() == made);
    f.act(K::kNext);
    f.act(K::kSkip);
    f.act(K::kConfirm);
    auto sub = f.s.take_submission_to_store();
    REQUIRE(sub);
    CHECK(sub->comparisons == made);
    CHECK(sub->votes.empty());
    CHECK(validate_submission(*sub).ok());
    f.s.store_succeeded("R");
    f.act(K::kFinish);
  }
  // Thirty pairs, sixty showings over six ideas: across residents, about ten each.
  for (const auto& [idea, n] : shown) {
    INFO(idea);
    CHECK(n >= 9);
    CHECK(n <= 11);
  }
}

TEST_CASE("opinion: the first statements, 'show me more' for the rest, and one reminder of the votes asked for",
          "[session][opinion]") {
  Content c = test::demo_content();
  Consultation* transit = nullptr;
  for (auto& k : c.consultations) {
    if (k.id == "transit-2026") transit = &k;
  }
  REQUIRE(transit);
  for (int i = 5; i <= 12; ++i) transit->ideas.push_back({"t-" + std::to_string(100 + i), {{{"en", "More " + std::to_string(i)}}}, 0});
  Fixture f;
  f.s.set_content(c);
  f.to_consultation("transit-2026");
  f.act(K::kNext);
  f.act(K::kSkip);
  CHECK(f.s.opinions_shown() == 5);
  f.act(K::kShowMore);
  CHECK(f.s.opinions_shown() == 10);
  f.act(K::kShowMore);
  f.act(K::kShowMore);
  CHECK(f.s.opinions_shown() == 12);
  f.opinion("t-001", VoteChoice::kAgree);
  f.act(K::kNext);  // one of the three asked for: asked once
  CHECK(f.s.screen() == Screen::kVote);
  REQUIRE(f.s.message());
  CHECK(f.s.message()->key == "vote.min_votes");
  CHECK(f.s.message()->args.at("min") == "3");
  f.act(K::kNext);  // the resident goes on anyway
  CHECK(f.s.screen() == Screen::kAboutYou);

  // Fewer statements than the votes asked for: voting on all of them is enough.
  Content two = test::demo_content();
  for (auto& k : two.consultations) {
    if (k.id == "transit-2026") k.ideas.resize(2);
  }
  Fixture g;
  g.s.set_content(two);
  g.to_consultation("transit-2026");
  g.act(K::kNext);
  g.act(K::kSkip);
  g.opinion("t-001", VoteChoice::kAgree);
  g.opinion("t-002", VoteChoice::kPass);
  g.act(K::kNext);
  CHECK(g.s.screen() == Screen::kAboutYou);
}
