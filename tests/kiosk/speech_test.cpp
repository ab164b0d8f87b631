// Speech: the speaker (espeak-ng into a buffer, no sound card) and the announcer (what a scripted
// session says, and in which language).
#include <catch2/catch.hpp>

#include <set>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "kiosk/speech/audio_route.h"
#include "kiosk/ui/announcer.h"
#include "speech_sinks.h"
#include "tests/temp_dir.h"
#include "ui_harness.h"

using namespace civic;
using namespace civic::kiosk;
using civic::test::HeadlessKiosk;
using civic::test::RecordingSink;

namespace {

double rms(const std::vector<std::int16_t>& s) {
  double sum = 0;
  for (auto v : s) sum += static_cast<double>(v) * v;
  return s.empty() ? 0 : std::sqrt(sum / static_cast<double>(s.size())) / 32768.0;
}

// sox's own measurement of a WAV file: "RMS amplitude" from `sox FILE -n stat`.
double sox_rms(const std::string& wav) {
  const std::string cmd = "sox " + wav + " -n stat 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 256> buf{};
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  pclose(p);
  const auto at = out.find("RMS     amplitude:");
  INFO(out);
  REQUIRE(at != std::string::npos);
  return std::stod(out.substr(at + 18));
}

Utterance say(const std::string& text, const std::string& lang) {
  return Utterance{{{text, lang}}};
}

// Drives a headless kiosk with an announcer after every frame, keeping what it said.
struct SpokenKiosk {
  HeadlessKiosk k;
  Announcer announcer;
  std::vector<Utterance> said;
  int stops = 0;

  SpokenKiosk() {
    k.after_frame = [this] {
      bool stop = false;
      if (auto u = announcer.after_frame(k.session(), k.ui, &stop)) said.push_back(*u);
      if (stop) ++stops;
    };
  }
  SpokenKiosk(const SpokenKiosk&) = delete;
  void frame() { k.frame(); }
  void settle(int n = 3) { k.settle(n); }
  bool tap(const std::string& id) { return k.tap(id, 3); }
  void key(int scancode) { k.key(scancode, 3); }
  // Everything said since `from`, as "lang:text" strings (resident text as "lang:<typed>").
  std::vector<std::string> parts(std::size_t from = 0) const {
    std::vector<std::string> out;
    for (std::size_t i = from; i < said.size(); ++i) {
      for (const auto& p : said[i].parts)
        out.push_back(p.language + ":" + (p.resident_text ? "<typed>" : p.text));
    }
    return out;
  }
  bool said_text(const std::string& lang_text, std::size_t from = 0) const {
    auto all = parts(from);
    return std::find(all.begin(), all.end(), lang_text) != all.end();
  }
};

}  // namespace

TEST_CASE("the speaker synthesises English and French into the sink, audibly", "[speech]") {
  RecordingSink sink;
  auto speaker = Speaker::open(sink);
  REQUIRE(speaker.ok());
  CHECK(sink.rate == (*speaker)->sample_rate());
  CHECK(sink.rate >= 16000);

  const auto en = (*speaker)->say(say("Have your say on your city.", "en"));
  REQUIRE((*speaker)->wait_idle(10000));
  const auto fr = (*speaker)->say(say("Donnez votre avis sur votre ville.", "fr"));
  REQUIRE((*speaker)->wait_idle(10000));
  for (auto id : {en, fr}) {
    const auto audio = sink.audio(id);
    INFO("utterance " << id);
    CHECK(audio.size() > static_cast<std::size_t>(sink.rate) / 2);  // more than half a second
    CHECK(rms(audio) > 0.01);
    const std::string wav =
        (std::filesystem::temp_directory_path() / ("civic-speech-" + std::to_string(id) + ".wav")).string();
    test::write_wav(wav, audio, sink.rate);
    CHECK(sox_rms(wav) > 0.01);
    std::filesystem::remove(wav);
  }
  // A different voice: the French utterance is not the English one.
  CHECK(sink.audio(en) != sink.audio(fr));
}

TEST_CASE("speed and volume steps change the audio", "[speech]") {
  RecordingSink sink;
  auto speaker = Speaker::open(sink);
  REQUIRE(speaker.ok());
  auto make = [&](int rate, int volume) {
    Utterance u = say("Touch here to start.", "en");
    u.rate_step = rate;
    u.volume_step = volume;
    auto id = (*speaker)->say(u);
    REQUIRE((*speaker)->wait_idle(10000));
    return sink.audio(id);
  };
  const auto normal = make(2, 2), slow = make(0, 2), fast = make(4, 2), loud = make(2, 4), quiet = make(2, 0);
  CHECK(slow.size() > normal.size() * 5 / 4);
  CHECK(fast.size() < normal.size() * 4 / 5);
  CHECK(rms(loud) > rms(normal) * 1.3);
  CHECK(rms(quiet) < rms(normal) * 0.7);
}

TEST_CASE("the volume steps span at least 18 dB, one step at least 12 dB above the lowest, measured by sox",
          "[speech]") {
  // EN 301 549 8.2.1 (and ADA 707.5): a range of at least 18 dB, with a level at least 12 dB
  // above the lowest. Measured by sox on the audio the speaker produced, not from our gain table.
  RecordingSink sink;
  auto speaker = Speaker::open(sink);
  REQUIRE(speaker.ok());
  test::TempDir dir("volume");
  std::vector<double> db;
  for (int step = 0; step <= 4; ++step) {
    Utterance u = say("Have your say on your city. Touch here to start.", "en");
    u.volume_step = step;
    auto id = (*speaker)->say(u);
    REQUIRE((*speaker)->wait_idle(10000));
    const std::string wav = (dir.path / ("step" + std::to_string(step) + ".wav")).string();
    test::write_wav(wav, sink.audio(id), sink.rate);
    db.push_back(20 * std::log10(sox_rms(wav)));
  }
  INFO("levels in dB: " << db[0] << " " << db[1] << " " << db[2] << " " << db[3] << " " << db[4]);
  for (int step = 1; step <= 4; ++step) CHECK(db[step] > db[step - 1] + 1);  // every step is louder
  CHECK(db[4] - db[0] >= 18);
  CHECK(std::any_of(db.begin() + 1, db.end(), [&](double level) { return level - db[0] >= 12; }));
  CHECK(db[4] < 0);  // no clipping at the loudest: below full scale
}

TEST_CASE("each language speaks in its catalogue's voice, and one without a voice is never read in another's",
          "[speech]") {
  RecordingSink sink;
  auto speaker = Speaker::open(sink, {{"en", "en"}, {"es", "es"}, {"iu", ""}});
  REQUIRE(speaker.ok());
  auto speak = [&](const std::string& text, const std::string& lang) {
    auto id = (*speaker)->say(say(text, lang));
    REQUIRE((*speaker)->wait_idle(10000));
    return sink.audio(id);
  };
  const auto es = speak("Toque aquí para empezar", "es");
  CHECK(rms(es) > 0.01);
  CHECK(es != speak("Toque aquí para empezar", "en"));  // the Spanish voice, not the English one
  CHECK(speak("ᐃᓄᒃᑎᑐᑦ", "iu").empty());               // no synthetic Inuktitut: silence, not English
  CHECK(speak("Hello", "xx").empty());                 // a language the kiosk does not offer
}

// Its own test case: ctest runs each in a process of its own, and espeak-ng cannot be started
// again in a process where it was stopped.
TEST_CASE("a voice espeak-ng does not have is refused when speech opens, naming the language", "[speech]") {
  RecordingSink other;
  auto wrong = Speaker::open(other, {{"kl", "no-such-voice"}});
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(wrong.message(), Catch::Contains("no-such-voice") && Catch::Contains("kl"));
}

TEST_CASE("a new utterance interrupts the old one: nothing of the old follows the interruption", "[speech]") {
  RecordingSink sink;
  auto speaker = Speaker::open(sink);
  REQUIRE(speaker.ok());
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "This is a very long text that nobody will wait to hear. ";
  const auto first = (*speaker)->say(say(long_text, "en"));
  // Let it start, then interrupt.
  for (int i = 0; i < 500 && sink.audio(first).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto second = (*speaker)->say(say("Stop.", "en"));
  REQUIRE((*speaker)->wait_idle(10000));
  const auto events = sink.events();
  // After the last interruption, only the new utterance is written.
  std::size_t last_interrupt = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].interrupt) last_interrupt = i;
  }
  for (std::size_t i = last_interrupt; i < events.size(); ++i)
    CHECK((events[i].interrupt || events[i].utterance == second));
  CHECK_FALSE(sink.audio(second).empty());
  // The long text was abandoned: 40 sentences would be well over a minute of audio.
  CHECK(sink.audio(first).size() < static_cast<std::size_t>(sink.rate) * 30);
  // stop() silences without a new utterance.
  (*speaker)->say(say(long_text, "en"));
  (*speaker)->stop();
  REQUIRE((*speaker)->wait_idle(10000));
  CHECK(sink.events().back().interrupt);
}

TEST_CASE("only one speaker at a time, and letters are spelled", "[speech]") {
  RecordingSink sink, other;
  auto speaker = Speaker::open(sink);
  REQUIRE(speaker.ok());
  auto second = Speaker::open(other);
  CHECK_FALSE(second.ok());
  CHECK_THAT(second.message(), Catch::Contains("already open"));
  Utterance letter{{{"a", "fr", true, true}}};
  const auto id = (*speaker)->say(letter);
  REQUIRE((*speaker)->wait_idle(10000));
  CHECK(rms(sink.audio(id)) > 0.01);
}

TEST_CASE("a scripted session with speech: what is said, and in which language", "[speech][ui]") {
  SpokenKiosk s;
  s.settle();
  CHECK(s.said.empty());  // speech is off until a resident turns it on

  REQUIRE(s.tap("attract.speech"));
  CHECK(s.k.session().speech());
  REQUIRE(s.said.size() == 1);
  // On the attract screen nobody has chosen a language: both voices, each for its own text.
  CHECK(s.said_text("en:" + s.k.ui.strings->text("en", "speech.intro")));
  CHECK(s.said_text("fr:" + s.k.ui.strings->text("fr", "speech.intro")));
  CHECK(s.said_text("en:Have your say on your city"));
  CHECK(s.said_text("fr:Donnez votre avis sur votre ville"));

  std::size_t mark = s.said.size();
  REQUIRE(s.tap("attract.start"));
  CHECK(s.said_text("en:Choose your language /", mark));
  CHECK(s.said_text("fr:Choisissez votre langue", mark));

  mark = s.said.size();
  REQUIRE(s.tap("language.fr"));
  // From here everything is French.
  for (const auto& p : s.parts(mark)) CHECK(p.rfind("fr:", 0) == 0);
  CHECK(s.said_text("fr:Sur quoi voulez-vous donner votre avis ?", mark));

  REQUIRE(s.tap("consultation.parks-2026"));
  REQUIRE(s.tap("nav.next"));
  REQUIRE(s.k.session().screen() == Screen::kIdea);
  // On the loudspeaker, typed letters are not said aloud (anyone near could hear an idea as it is
  // typed) until the resident asks for it in the speech panel.
  mark = s.said.size();
  REQUIRE(s.tap("key.x"));
  CHECK(s.said.size() == mark);
  REQUIRE(s.tap("key.backspace"));
  REQUIRE(s.tap("speech"));
  REQUIRE(s.tap("speech.letters"));
  CHECK(s.said.back().parts.at(0).text.find(s.k.ui.strings->text("fr", "speech.letters")) == 0);
  REQUIRE(s.tap("speech.close"));
  mark = s.said.size();
  REQUIRE(s.tap("key.l"));
  REQUIRE(s.tap("key.a"));
  // Letter by letter, spelled, marked as the resident's own words (never logged).
  REQUIRE(s.said.size() == mark + 2);
  for (std::size_t i = mark; i < s.said.size(); ++i) {
    REQUIRE(s.said[i].parts.size() == 1);
    CHECK(s.said[i].parts[0].language == "fr");
    CHECK(s.said[i].parts[0].resident_text);
    CHECK(s.said[i].parts[0].spell);
  }
  CHECK(s.said[mark].parts[0].text == "l");
  CHECK(s.said[mark + 1].parts[0].text == "a");

  // An error is spoken.
  mark = s.said.size();
  REQUIRE(s.tap("nav.next"));
  REQUIRE(s.k.session().message());
  CHECK(s.said_text("fr:" + s.k.ui.frame.tree.find("message")->label, mark));

  // A toggle is spoken with its new state.
  mark = s.said.size();
  REQUIRE(s.tap("display.contrast"));
  CHECK(s.said_text("fr:Contraste élevé, activé", mark));

  // Repeat (F2 on the keypad) reads the whole screen again, with the text typed so far.
  mark = s.said.size();
  s.key(kSpeechKey);
  CHECK(s.said_text("fr:" + s.k.ui.strings->text("fr", "idea.title"), mark));
  CHECK(s.said_text("fr:<typed>", mark));

  // The speech panel: faster, then louder; the utterances carry the new steps.
  REQUIRE(s.tap("speech"));
  CHECK(s.said_text("fr:Voix", s.said.size() - 1));
  REQUIRE(s.tap("speech.faster"));
  CHECK(s.k.session().speech_rate() == 3);
  CHECK(s.said.back().rate_step == 3);
  CHECK(s.said_text("fr:Plus rapide. Vitesse 4 sur 5. Volume 3 sur 5.", s.said.size() - 1));
  REQUIRE(s.tap("speech.louder"));
  CHECK(s.said.back().volume_step == 3);
  REQUIRE(s.tap("speech.close"));

  // The time-out warning is spoken, and the speech time-out is the longer one.
  const auto settings = s.k.session().settings();
  mark = s.said.size();
  s.k.now_ms += settings.speech_idle_timeout_ms - settings.idle_warning_ms + 10;
  s.settle();
  REQUIRE(s.k.session().idle_warning());
  CHECK(s.said_text("fr:" + s.k.ui.frame.tree.find("idle.text")->label, mark));
  CHECK(s.said_text("fr:" + s.k.ui.strings->text("fr", "idle.more_time"), mark));

  // The session ends: speech goes off at once, silently, and speed and volume are reset.
  s.k.now_ms += settings.idle_warning_ms + 10;
  mark = s.said.size();
  s.settle();
  CHECK(s.k.session().screen() == Screen::kAttract);
  CHECK_FALSE(s.k.session().speech());
  CHECK(s.k.session().speech_rate() == 2);
  CHECK(s.k.session().speech_volume() == 2);
  CHECK(s.stops == 1);
  CHECK(s.said.size() == mark);
}

TEST_CASE("speech by keypad alone: F2 turns it on, arrows speak the focused control", "[speech][ui]") {
  SpokenKiosk s;
  ImGuiIO& io = ImGui::GetIO();
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  const int down = 81, space = 44;  // SDL scancodes, as the platform maps them
  io.KeyMap[ImGuiKey_DownArrow] = down;
  io.KeyMap[ImGuiKey_Space] = space;
  s.settle();
  s.key(kSpeechKey);
  REQUIRE(s.k.session().speech());
  REQUIRE(s.tap("attract.start"));
  REQUIRE(s.tap("language.en"));
  const std::size_t mark = s.said.size();
  s.key(down);
  const A11yNode* focused = nullptr;
  for (const auto& n : s.k.ui.frame.tree.nodes()) {
    if (n.focused) focused = &n;
  }
  REQUIRE(focused != nullptr);
  REQUIRE(s.said.size() > mark);
  CHECK(s.said.back().parts.back().text.rfind(focused->label, 0) == 0);
  CHECK(s.said.back().parts.back().language == "en");
  // Turning speech off from its panel says so, once.
  REQUIRE(s.tap("speech"));
  REQUIRE(s.tap("speech.off"));
  CHECK_FALSE(s.k.session().speech());
  CHECK(s.said.back().parts.at(0).text == s.k.ui.strings->text("en", "speech.off_now"));
  const std::size_t after = s.said.size();
  REQUIRE(s.tap("display.contrast"));
  CHECK(s.said.size() == after);  // off means silent
}

TEST_CASE("speech names what each vote control acts on, reads the whole review, and counts down", "[speech][ui]") {
  SpokenKiosk s;
  ImGuiIO& io = ImGui::GetIO();
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  const int down = 81, up = 82, space = 44;  // SDL scancodes, as the platform maps them
  io.KeyMap[ImGuiKey_DownArrow] = down;
  io.KeyMap[ImGuiKey_UpArrow] = up;
  io.KeyMap[ImGuiKey_Space] = space;
  s.settle();
  REQUIRE(s.tap("attract.speech"));
  for (const char* id : {"attract.start", "language.en", "consultation.parks-2026", "nav.next", "nav.skip"})
    REQUIRE(s.tap(id));
  REQUIRE(s.k.session().screen() == Screen::kVote);
  // A tap: the control, its idea and its new state.
  std::size_t mark = s.said.size();
  REQUIRE(s.tap("idea-002.support"));
  CHECK(s.said_text("en:Supported: Drinking fountains that work all summer, selected", mark));
  // The keypad reaches every idea, even those below the fold, each named with its control.
  std::set<std::string> heard;
  for (int i = 0; i < 20; ++i) {
    s.key(up);
    for (const auto& p : s.parts()) {
      if (p.rfind("en:Support: ", 0) == 0 || p.rfind("en:Supported: ", 0) == 0) heard.insert(p);
    }
  }
  for (int i = 0; i < 40; ++i) {
    s.key(down);
    for (const auto& p : s.parts()) {
      if (p.rfind("en:Support: ", 0) == 0 || p.rfind("en:Supported: ", 0) == 0) heard.insert(p);
    }
  }
  CHECK(heard.count("en:Support: Public toilets open until 10 pm, not selected"));
  CHECK(heard.count("en:Support: Quiet hours with no amplified music, not selected"));
  CHECK(heard.count("en:Support: A splash pad for children, not selected"));
  // The review, read in full on arrival: each vote by name, each answer.
  // A review longer than the screen (larger text, three votes, three answers): read in full all
  // the same, the lines scrolled out of view included.
  s.k.session().apply(Action{Action::Kind::kToggleSupport, "idea-006", ""});
  s.k.session().apply(Action{Action::Kind::kToggleSupport, "idea-001", ""});
  REQUIRE(s.tap("nav.next"));
  REQUIRE(s.tap("about.consent"));
  s.k.session().apply(Action{Action::Kind::kToggleLargeText, "", ""});
  for (const auto& [q, a] : {std::pair{"age", "25-44"}, {"area", "north"}, {"social-media", "no"}})
    s.k.session().apply(Action{Action::Kind::kAnswer, q, a});
  mark = s.said.size();
  REQUIRE(s.tap("nav.next"));
  REQUIRE(s.k.session().screen() == Screen::kReview);
  CHECK(s.said_text("en:Supported: Drinking fountains that work all summer", mark));
  CHECK(s.said_text("en:Supported: Quiet hours with no amplified music", mark));
  CHECK(s.said_text("en:Where you live: North of the river", mark));
  CHECK(s.said_text("en:Do you use social media?: No", mark));
  CHECK(s.said_text("en:Supported: More trees and shade along the paths", mark));
  CHECK(s.k.ui.frame.tree.find("list.down"));  // it did not all fit on the screen
  CHECK(s.said_text("en:no idea", mark));
  // The idle countdown ticks on screen and is spoken as it runs down.
  const auto settings = s.k.session().settings();
  s.k.now_ms += settings.speech_idle_timeout_ms - settings.idle_warning_ms + 10;
  s.settle();
  REQUIRE(s.k.session().idle_warning());
  const std::string first = s.k.ui.frame.tree.find("idle.text")->label;
  mark = s.said.size();
  for (int i = 0; i < 12; ++i) {
    s.k.now_ms += 1000;
    s.settle();
  }
  const std::string later = s.k.ui.frame.tree.find("idle.text")->label;
  CHECK(later != first);
  CHECK(s.said_text("en:" + s.k.ui.strings->format("en", "idle.text", {{"n", "20"}}), mark));
}

TEST_CASE("budget and pairwise screens are spoken with the projects, the money spent and each new pair",
          "[speech][ui]") {
  SpokenKiosk s;
  s.settle();
  REQUIRE(s.tap("attract.speech"));
  REQUIRE(s.tap("attract.start"));
  REQUIRE(s.tap("language.en"));
  REQUIRE(s.tap("consultation.budget-2027"));
  REQUIRE(s.tap("nav.next"));
  std::size_t mark = s.said.size();
  REQUIRE(s.tap("nav.skip"));
  REQUIRE(s.k.session().screen() == Screen::kVote);
  CHECK(s.said_text("en:Choose the projects you want, up to a total of 100,000 CAD.", mark));
  CHECK(s.said_text("en:0 CAD of 100,000 CAD spent. 100,000 CAD left.", mark));
  CHECK(s.said_text("en:Benches and shade along the river path", mark));
  // A tap says the project, its cost, that it is chosen, then the money spent.
  mark = s.said.size();
  REQUIRE(s.tap("b-003.project"));
  CHECK(s.said_text("en:Chosen: Free evening homework help for teenagers, Cost: 40,000 CAD, selected", mark));
  CHECK(s.said_text("en:40,000 CAD of 100,000 CAD spent. 60,000 CAD left.", mark));
  // Over the budget: the refusal is spoken.
  REQUIRE(s.tap("list.down"));
  REQUIRE(s.tap("b-005.project"));  // 75,000
  REQUIRE(s.tap("list.up"));
  mark = s.said.size();
  REQUIRE(s.tap("b-001.project"));  // 30,000 more: refused
  CHECK(s.said_text("en:This project costs 30,000 CAD, and only 25,000 CAD is left. Remove a project to make room.",
                    mark));

  // Pairwise: each new pair is read from its question, both ideas by name.
  for (int i = 0; i < 3; ++i) REQUIRE(s.tap("nav.back"));
  REQUIRE(s.k.session().screen() == Screen::kConsultations);
  REQUIRE(s.tap("consultation.library-2027"));
  REQUIRE(s.k.session().confirming_discard());  // the projects chosen are not sent: asked first
  REQUIRE(s.tap("discard.leave"));
  REQUIRE(s.tap("nav.next"));
  mark = s.said.size();
  REQUIRE(s.tap("nav.skip"));
  REQUIRE(s.k.session().current_pair());
  auto idea_text = [&](const std::string& id) { return s.k.session().consultation()->idea(id)->text.in("en"); };
  auto [left, right] = *s.k.session().current_pair();
  CHECK(s.said_text("en:Which is better? Tap the one you prefer. Pair 1 of up to 10.", mark));
  CHECK(s.said_text("en:" + idea_text(left), mark));
  CHECK(s.said_text("en:" + idea_text(right), mark));
  mark = s.said.size();
  REQUIRE(s.tap("pair.left"));
  std::tie(left, right) = *s.k.session().current_pair();
  CHECK(s.said_text("en:Which is better? Tap the one you prefer. Pair 2 of up to 10.", mark));
  CHECK(s.said_text("en:" + idea_text(left), mark));
  CHECK(s.said_text("en:" + idea_text(right), mark));
}

TEST_CASE("headphones: letters spoken privately, privacy hides the screen, unplugging stops speech and says so",
          "[speech][ui]") {
  SpokenKiosk s;
  s.k.session().set_headphones(true);  // plugged in while nobody is at the kiosk: no message
  s.k.settle();
  CHECK_FALSE(s.k.session().message());
  REQUIRE(s.tap("attract.speech"));
  REQUIRE(s.tap("attract.start"));
  REQUIRE(s.tap("language.en"));
  REQUIRE(s.tap("consultation.parks-2026"));
  REQUIRE(s.tap("nav.next"));
  REQUIRE(s.k.session().screen() == Screen::kIdea);
  // On headphones a typed letter is spoken without asking.
  std::size_t mark = s.said.size();
  REQUIRE(s.tap("key.q"));
  REQUIRE(s.said.size() == mark + 1);
  CHECK(s.said.back().parts.at(0).text == "q");
  // The speech panel offers privacy (not "say each letter", which headphones make needless).
  REQUIRE(s.tap("speech"));
  CHECK_FALSE(s.k.tree().find("speech.letters"));
  REQUIRE(s.tap("speech.privacy"));
  CHECK(s.k.session().privacy());
  REQUIRE(s.tap("speech.close"));
  const A11yNode* note = s.k.tree().find("privacy.note");
  REQUIRE(note);
  CHECK(note->label == s.k.ui.strings->text("en", "speech.privacy_note"));
  CHECK(s.k.tree().find("key.q"));  // the controls still work under the dark screen
  // Unplugged: speech stops at once, the screen shows again and says why.
  const int stops = s.stops;
  s.k.session().set_headphones(false);
  s.k.settle();
  CHECK_FALSE(s.k.session().speech());
  CHECK(s.stops == stops + 1);
  CHECK_FALSE(s.k.tree().find("privacy.note"));
  const A11yNode* message = s.k.tree().find("message");
  REQUIRE(message);
  CHECK(message->label == s.k.ui.strings->text("en", "speech.headphones_off"));
  // Back on the loudspeaker, letters are silent again.
  REQUIRE(s.tap("speech"));  // speech on again, now on the loudspeaker
  REQUIRE(s.k.session().speech());
  mark = s.said.size();
  REQUIRE(s.tap("key.w"));
  CHECK(s.said.size() == mark);
}

TEST_CASE("headphones are told from the loudspeaker by the names the kiosk's sound cards give", "[speech]") {
  const std::vector<std::string> names{"headphone", "headset", "earphone", "earbud"};
  CHECK(is_headphones("Built-in Audio Headphones", names));
  CHECK(is_headphones("Jabra EVOLVE 20 USB HEADSET Mono", names));
  CHECK_FALSE(is_headphones("Built-in Audio Analog Stereo", names));
  CHECK_FALSE(is_headphones("HDMI / DisplayPort 1 Output", names));
  CHECK_FALSE(is_headphones("Anything", {}));
  CHECK_FALSE(is_headphones("Anything", {""}));  // an empty name in the setting matches nothing
}

TEST_CASE("the keypad's where-am-I key says the step, the consultation and the focus, and its volume keys work",
          "[speech][ui]") {
  SpokenKiosk s;
  ImGuiIO& io = ImGui::GetIO();
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  const int down = 81, space = 44;  // SDL scancodes, as the platform maps them
  io.KeyMap[ImGuiKey_DownArrow] = down;
  io.KeyMap[ImGuiKey_Space] = space;
  s.k.settle();
  REQUIRE(s.tap("attract.speech"));
  REQUIRE(s.tap("attract.start"));
  REQUIRE(s.tap("language.en"));
  REQUIRE(s.tap("consultation.parks-2026"));
  REQUIRE(s.tap("nav.next"));
  REQUIRE(s.tap("nav.skip"));
  REQUIRE(s.k.session().screen() == Screen::kVote);
  s.key(down);  // the keypad focus is on a control
  const std::size_t mark = s.said.size();
  s.key(kWhereKey);
  REQUIRE(s.said.size() == mark + 1);
  const auto& parts = s.said.back().parts;
  REQUIRE(parts.size() == 2);
  const std::string step = s.k.tree().find("step")->label;
  CHECK(parts[0].text == "You are here: " + step + ", Our parks in summer.");
  const A11yNode* focused = nullptr;
  for (const auto& n : s.k.tree().nodes()) {
    if (n.focused) focused = &n;
  }
  REQUIRE(focused);
  CHECK(parts[1].text.find(focused->label) == 0);
  // Volume keys of an audio-tactile keypad.
  const int volume = s.k.session().speech_volume();
  s.key(kVolumeUpKey);
  CHECK(s.k.session().speech_volume() == volume + 1);
  s.key(kVolumeDownKey);
  s.key(kVolumeDownKey);
  CHECK(s.k.session().speech_volume() == volume - 1);
}
