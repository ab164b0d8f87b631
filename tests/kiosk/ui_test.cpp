// The kiosk's screens driven headless, by taps at the rectangles widgets report for themselves.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/temp_dir.h"
#include "ui_harness.h"

using namespace civic;
using namespace civic::kiosk;

namespace {
using test::HeadlessKiosk;

void require_no_missing_strings(const A11yTree& tree, const std::string& where) {
  for (const auto& n : tree.nodes()) {
    INFO(where << ": node " << n.id << " says '" << n.label << "'");
    REQUIRE(n.label.find("[") != 0);
  }
}

// Walks a whole session through the UI, calling `each` on every screen.
template <class Fn>
void walk(HeadlessKiosk& k, const std::string& language, const std::string& consultation, Fn&& each) {
  k.settle();
  each("attract");
  REQUIRE(k.tap("attract.start"));
  each("language");
  REQUIRE(k.tap("language." + language));
  each("consultations");
  REQUIRE(k.tap("consultation." + consultation));
  each("consultation");
  REQUIRE(k.tap("nav.next"));
  each("idea");
  // "Bancs" where the keyboard has those letters; five letters of its own where it does not.
  k.type(k.strings().keyboard(k.session().language()).find("B") ? "Bancs" : k.word());
  REQUIRE(k.tap("nav.next"));
  each("vote");
  const Consultation* c = k.session().consultation();
  if (c->voting == VotingMethod::kPairwise) {
    REQUIRE(k.tap("pair.left"));
    each("vote, second pair");
    REQUIRE(k.tap("pair.cannot_decide"));
  } else {
    REQUIRE(k.tap(c->ideas[0].id + (c->voting == VotingMethod::kSupport ? ".support"
                                    : c->voting == VotingMethod::kBudget ? ".project"
                                                                         : ".agree")));
  }
  REQUIRE(k.tap("nav.next"));
  if (c->voting == VotingMethod::kOpinion) {
    each("vote, asked for more votes");  // one vote of the three asked for: asked once, then on
    REQUIRE(k.tap("nav.next"));
  }
  each("about");
  REQUIRE(k.tap("about.consent"));
  REQUIRE(k.tap("about.age.65-74"));
  REQUIRE(k.tap("nav.next"));
  each("review");
}
}  // namespace

TEST_CASE("a resident's whole visit, by taps: read, type an idea, vote, answer, confirm", "[ui]") {
  HeadlessKiosk k;
  walk(k, "fr", "parks-2026", [](const char*) {});
  REQUIRE(k.session().screen() == Screen::kReview);
  REQUIRE(k.tap("nav.confirm"));
  REQUIRE(k.session().screen() == Screen::kStoring);
  auto sub = k.session().take_submission_to_store();
  REQUIRE(sub.has_value());
  CHECK(sub->idea == "Bancs");
  CHECK(sub->language == "fr");
  CHECK(sub->votes == std::vector<Vote>{{"idea-001", VoteChoice::kSupport}});
  CHECK(sub->answers == std::vector<Answer>{{"age", "65-74"}});
  k.session().store_succeeded("RN6RJ-MUAKQ");
  k.settle();
  const A11yNode* receipt = k.tree().find("thanks.receipt");
  REQUIRE(receipt);
  CHECK(receipt->label == "RN6RJ-MUAKQ");
  REQUIRE(k.tap("nav.finish"));
  CHECK(k.session().screen() == Screen::kAttract);
}

TEST_CASE("typing on the on-screen keyboard: capitals, accents, space, delete", "[ui]") {
  HeadlessKiosk k;
  k.settle();
  REQUIRE(k.tap("attract.start"));
  REQUIRE(k.tap("language.fr"));
  REQUIRE(k.tap("consultation.parks-2026"));
  REQUIRE(k.tap("nav.next"));
  k.type("Œuvre à l’école « Été »");
  CHECK(k.session().idea() == "Œuvre à l’école « Été »");
  REQUIRE(k.tap("key.backspace"));
  REQUIRE(k.tap("key.backspace"));
  CHECK(k.session().idea() == "Œuvre à l’école « Été");
  const A11yNode* field = k.tree().find("idea.text");
  REQUIRE(field);
  CHECK(field->value == k.session().idea());
  REQUIRE(k.tap("key.clear"));
  CHECK(k.session().idea().empty());
}

TEST_CASE("every screen, theme and language: every string, help, targets large and apart, labels that fit",
          "[ui]") {
  // Every language shipped, each beside English (French beside English, as kiosks offer them).
  for (const std::string lang : {"en", "fr", "es", "iu", "crk"}) {
    for (const std::string consultation : {"parks-2026", "transit-2026", "budget-2027", "library-2027"}) {
      for (int display = 0; display < 4; ++display) {  // default, high contrast, large text, both
        SessionSettings settings;
        settings.languages = {"en", lang == "en" ? "fr" : lang};
        HeadlessKiosk k(test::demo_content(), settings);
        k.settle();
        if (display & 1) REQUIRE(k.tap("display.contrast"));
        if (display & 2) REQUIRE(k.tap("display.large_text"));
        REQUIRE(k.session().high_contrast() == bool(display & 1));
        // Touch targets: at least 44 x 44 px and no two overlapping, on the screen and its overlays.
        auto check_targets = [&](const std::string& where) {
          require_no_missing_strings(k.tree(), where);
          const auto& nodes = k.tree().nodes();
          for (std::size_t i = 0; i < nodes.size(); ++i) {
            const A11yNode& a = nodes[i];
            if (a.role != Role::kButton && a.role != Role::kToggle && a.role != Role::kKey) continue;
            INFO(where << ": " << a.id << " is " << a.rect.w << "x" << a.rect.h);
            if (!a.clipped) {  // a row half scrolled away shows only part of itself
              CHECK(a.rect.w >= 44);
              CHECK(a.rect.h >= 44);
              INFO(where << ": the label of " << a.id << " does not fit: " << a.label);
              CHECK_FALSE(a.overflows);
            }
            for (std::size_t j = i + 1; j < nodes.size(); ++j) {
              const A11yNode& b = nodes[j];
              if (b.role != Role::kButton && b.role != Role::kToggle && b.role != Role::kKey) continue;
              INFO(a.id << " overlaps " << b.id);
              CHECK_FALSE(a.rect.overlaps(b.rect));
            }
          }
        };
        walk(k, lang, consultation, [&](const char* screen) {
          const std::string where =
              lang + "/" + consultation + "/" + screen + "/display " + std::to_string(display);
          if (std::string(screen) != "attract") {  // every screen has help that explains it
            REQUIRE(k.tap("help"));
            const A11yNode* help = k.tree().find("help.text");
            REQUIRE(help);
            INFO(where << ": help says " << help->label);
            CHECK(help->label.find("[") != 0);
            CHECK(help->label.size() > 30);
            check_targets(where + "/help");
            REQUIRE(k.tap("help.close"));
            REQUIRE_FALSE(k.tree().find("help.text"));
            // Speech on (if it is not yet), then its panel: repeat, speed, volume.
            if (!k.session().speech()) REQUIRE(k.tap("speech"));
            REQUIRE(k.tap("speech"));
            REQUIRE(k.tree().find("speech.repeat"));
            check_targets(where + "/speech");
            REQUIRE(k.tap("speech.close"));
            REQUIRE_FALSE(k.tree().find("speech.repeat"));
          }
          check_targets(where);
        });
        REQUIRE(k.tap("nav.confirm"));
        REQUIRE(k.session().take_submission_to_store());
        k.session().store_succeeded("X");
        REQUIRE(k.tap("nav.finish"));
        CHECK_FALSE(k.session().high_contrast());  // display choices reset with the session
        CHECK_FALSE(k.session().large_text());
        CHECK_FALSE(k.session().speech());
      }
    }
  }
}

TEST_CASE("themes meet their contrast ratios, computed from their own colours", "[ui][contrast]") {
  struct Pair {
    const char* what;
    Rgb Theme::*fg;
    Rgb Theme::*bg;
  };
  const Pair text_pairs[] = {{"text on background", &Theme::text, &Theme::background},
                             {"muted text on background", &Theme::muted_text, &Theme::background},
                             {"button text", &Theme::button_text, &Theme::button},
                             {"button text while pressed", &Theme::button_text, &Theme::button_pressed},
                             {"primary button text", &Theme::primary_text, &Theme::primary},
                             {"chosen option text", &Theme::selected_text, &Theme::selected},
                             {"warning text", &Theme::warning_text, &Theme::warning},
                             {"title bar text", &Theme::primary_text, &Theme::primary}};
  const Pair boundary_pairs[] = {{"button border", &Theme::button_border, &Theme::background},
                                 {"primary button", &Theme::primary, &Theme::background},
                                 {"chosen option", &Theme::selected, &Theme::background},
                                 {"focus ring", &Theme::focus, &Theme::background},
                                 {"title bar buttons", &Theme::button, &Theme::primary}};
  for (const auto& [theme, minimum] : {std::pair{default_theme(), 4.5}, std::pair{large_text_theme(), 4.5},
                                       std::pair{high_contrast_theme(), 7.0}}) {
    for (const auto& p : text_pairs) {
      const double ratio = contrast_ratio(theme.*(p.fg), theme.*(p.bg));
      INFO(theme.name << ": " << p.what << " is " << ratio << ":1");
      CHECK(ratio >= minimum);
    }
    for (const auto& p : boundary_pairs) {
      const double ratio = contrast_ratio(theme.*(p.fg), theme.*(p.bg));
      INFO(theme.name << ": " << p.what << " is " << ratio << ":1");
      CHECK(ratio >= 3.0);
    }
  }
  // The formula itself: black on white is 21:1, a colour on itself 1:1.
  CHECK(contrast_ratio({0, 0, 0}, {1, 1, 1}) == Approx(21.0));
  CHECK(contrast_ratio({0.5f, 0.2f, 0.7f}, {0.5f, 0.2f, 0.7f}) == Approx(1.0));
  CHECK(contrast_ratio({0.4627f, 0.4627f, 0.4627f}, {1, 1, 1}) == Approx(4.54).epsilon(0.01));  // #767676
}

TEST_CASE("keypad only: a whole visit with arrows, Space and Escape, no touch", "[ui][keypad]") {
  HeadlessKiosk k;
  ImGuiIO& io = ImGui::GetIO();
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  // Key indices as the platform maps them (SDL scancodes).
  const int left = 80, right = 79, up = 82, down = 81, space = 44, escape = 41;
  io.KeyMap[ImGuiKey_LeftArrow] = left;
  io.KeyMap[ImGuiKey_RightArrow] = right;
  io.KeyMap[ImGuiKey_UpArrow] = up;
  io.KeyMap[ImGuiKey_DownArrow] = down;
  io.KeyMap[ImGuiKey_Space] = space;
  io.KeyMap[ImGuiKey_Escape] = escape;
  auto press = [&](int key) {
    k.input.push({InputEvent::Type::kKeyDown, 0, 0, key, {}});
    k.input.push({InputEvent::Type::kKeyUp, 0, 0, key, {}});
    k.settle();
  };
  // Moves the keypad focus to the widget with this id by arrow presses, then activates it.
  auto activate = [&](const std::string& id) {
    for (int step = 0; step < 60; ++step) {
      k.settle();
      const A11yNode* target = k.tree().find(id);
      INFO("looking for " << id << " on the " << screen_name(k.session().screen()) << " screen");
      if (!target && k.session().screen() == Screen::kVote) {
        press(up);  // scrolled out of view: the rows wanted here are nearer the top of the list
        continue;
      }
      REQUIRE(target);
      const A11yNode* focused = nullptr;
      for (const auto& n : k.tree().nodes()) {
        if (n.focused) focused = &n;
      }
      if (focused && focused->id == id) {
        press(space);
        return;
      }
      if (!focused) {
        press(down);  // the first arrow press puts the focus on the screen
        continue;
      }
      const float dx = target->rect.cx() - focused->rect.cx(), dy = target->rect.cy() - focused->rect.cy();
      const bool vertical = std::abs(dy) > std::max(focused->rect.h, target->rect.h) / 2;
      press(vertical ? (dy > 0 ? down : up) : (dx > 0 ? right : left));
    }
    FAIL("could not reach '" << id << "' with the arrow keys");
  };
  k.settle();
  activate("attract.start");
  activate("language.en");
  activate("consultation.parks-2026");
  activate("nav.next");
  for (const char* key : {"key.b", "key.e", "key.n", "key.c", "key.h"}) activate(key);
  CHECK(k.session().idea() == "bench");
  activate("nav.next");
  activate("idea-001.support");
  CHECK(k.session().supports("idea-001"));
  press(escape);  // Back
  CHECK(k.session().screen() == Screen::kIdea);
  activate("nav.next");
  activate("nav.next");
  activate("nav.skip");
  activate("nav.confirm");
  auto sub = k.session().take_submission_to_store();
  REQUIRE(sub.has_value());
  CHECK(sub->idea == "bench");
  CHECK(sub->votes == std::vector<Vote>{{"idea-001", VoteChoice::kSupport}});
  k.session().store_succeeded("R1");

  // A budget ballot and pairwise choices, by keypad too.
  activate("nav.another");
  activate("consultation.budget-2027");
  activate("nav.next");
  activate("nav.skip");
  activate("b-002.project");
  activate("b-001.project");
  CHECK(k.session().budget_spent() == 50000);
  activate("nav.next");
  activate("nav.skip");
  activate("nav.confirm");
  sub = k.session().take_submission_to_store();
  REQUIRE(sub.has_value());
  CHECK(sub->votes == std::vector<Vote>{{"b-001", VoteChoice::kSelect}, {"b-002", VoteChoice::kSelect}});
  k.session().store_succeeded("R2");
  activate("nav.another");
  activate("consultation.library-2027");
  activate("nav.next");
  activate("nav.skip");
  const auto first = *k.session().current_pair();
  activate("pair.right");
  activate("pair.cannot_decide");
  activate("nav.next");
  activate("nav.skip");
  activate("nav.confirm");
  sub = k.session().take_submission_to_store();
  REQUIRE(sub.has_value());
  REQUIRE(sub->comparisons.size() == 2);
  CHECK(sub->comparisons[0] == Comparison{first.first, first.second, PairOutcome::kRight});
  CHECK(sub->comparisons[1].outcome == PairOutcome::kCannotDecide);
  for (const auto& a : k.all_actions) CHECK(a.kind != Action::Kind::kMoreTime);
}

TEST_CASE("opinion: 'show me more' brings the next statements into the list, each with its controls", "[ui]") {
  Content content = test::demo_content();
  for (auto& c : content.consultations) {
    if (c.id != "transit-2026") continue;
    for (int i = 5; i <= 12; ++i) {
      c.ideas.push_back({"t-0" + std::to_string(10 + i), {{{"en", "Statement " + std::to_string(i)}}}, 0});
    }
  }
  HeadlessKiosk k(content);
  k.settle();
  for (const char* id : {"attract.start", "language.en", "consultation.transit-2026", "nav.next", "nav.skip"})
    REQUIRE(k.tap(id));
  REQUIRE(k.session().screen() == Screen::kVote);
  CHECK(k.tree().find("t-015.agree") == nullptr);  // the sixth statement: not shown yet
  for (int i = 0; i < 10 && !k.tree().find("vote.show_more"); ++i) REQUIRE(k.tap("list.down"));
  REQUIRE(k.tap("vote.show_more"));
  CHECK(k.session().opinions_shown() == 10);
  for (int i = 0; i < 10 && !k.tree().find("t-015.agree"); ++i) REQUIRE(k.tap("list.down"));
  REQUIRE(k.tap("t-015.agree"));
  CHECK(k.session().opinion("t-015") == VoteChoice::kAgree);
}

TEST_CASE("the language can be switched from the title bar on any screen", "[ui]") {
  HeadlessKiosk k;
  k.settle();
  REQUIRE(k.tap("attract.start"));
  REQUIRE(k.tap("language.en"));
  REQUIRE(k.tap("consultation.parks-2026"));
  const std::string english = k.tree().find("consultation.title")->label;
  REQUIRE(k.tap("lang.fr"));
  CHECK(k.session().language() == "fr");
  CHECK(k.tree().find("consultation.title")->label != english);
  CHECK(k.tree().find("lang.en") != nullptr);
  CHECK(k.tree().find("lang.fr") == nullptr);
}

TEST_CASE("the idle warning leaves one thing to do: ask for more time", "[ui]") {
  HeadlessKiosk k;
  k.settle();
  REQUIRE(k.tap("attract.start"));
  REQUIRE(k.tap("language.en"));
  const auto& st = k.session().settings();
  k.now_ms += st.idle_timeout_ms - st.idle_warning_ms;
  k.settle();
  REQUIRE(k.session().idle_warning());
  CHECK(k.tree().find("idle.more_time"));
  CHECK_FALSE(k.tree().find("consultation.parks-2026"));
  CHECK_THAT(k.tree().find("idle.text")->label, Catch::Contains("30"));
  REQUIRE(k.tap("idle.more_time"));
  CHECK_FALSE(k.session().idle_warning());
  CHECK(k.session().screen() == Screen::kConsultations);
}

TEST_CASE("10,000 ideas: only visible rows are built, drag and buttons scroll, a drag is not a tap", "[ui]") {
  HeadlessKiosk k(test::content_with_many_ideas(10000));
  k.settle();
  REQUIRE(k.tap("attract.start"));
  REQUIRE(k.tap("language.en"));
  REQUIRE(k.tap("consultation.parks-2026"));
  REQUIRE(k.tap("nav.next"));
  REQUIRE(k.tap("nav.skip"));
  REQUIRE(k.session().screen() == Screen::kVote);
  auto count_rows = [&] {
    int rows = 0;
    for (const auto& n : k.tree().nodes())
      rows += n.id.size() > 8 && n.id.substr(n.id.size() - 8) == ".support";
    return rows;
  };
  CHECK(count_rows() > 0);
  CHECK(count_rows() < 12);
  CHECK(k.tree().find("n-00000.support"));
  CHECK_FALSE(k.tree().find("list.up"));  // nothing above

  REQUIRE(k.tap("list.down"));
  CHECK_FALSE(k.tree().find("n-00000.support"));
  CHECK(k.tree().find("list.up"));

  // Drag upwards by 600 px starting on a support button: the list scrolls, nothing is chosen.
  const A11yNode* start = k.tree().find("list.up");
  REQUIRE(start);
  const A11yNode* row = nullptr;
  for (const auto& n : k.tree().nodes()) {
    if (n.id.size() > 8 && n.id.substr(n.id.size() - 8) == ".support" && !n.clipped) {
      row = &n;
      break;
    }
  }
  REQUIRE(row);
  const float x = row->rect.cx(), y0 = row->rect.cy();
  const float before = k.ui.kept.list_scroll;
  k.input.push({InputEvent::Type::kPointerMove, x, y0, 0, {}});
  k.input.push({InputEvent::Type::kPointerDown, x, y0, 0, {}});
  for (int i = 1; i <= 20; ++i)
    k.input.push({InputEvent::Type::kPointerMove, x, y0 - 15.0f * static_cast<float>(i), 0, {}});
  k.input.push({InputEvent::Type::kPointerUp, x, y0 - 300, 0, {}});
  for (int i = 0; i < 40; ++i) k.frame();
  CHECK(k.ui.kept.list_scroll > before + 200);
  CHECK(k.session().supports_used() == 0);
}

TEST_CASE("a tap whose press and release arrive between two frames still lands", "[ui]") {
  HeadlessKiosk k;
  k.settle();
  const A11yNode* start = k.tree().find("attract.start");
  REQUIRE(start);
  k.input.tap(start->rect.cx(), start->rect.cy());  // all three events queued before one frame
  k.settle();
  CHECK(k.session().screen() == Screen::kLanguage);
}

namespace {
std::set<std::string> placeholders(const std::string& text) {
  std::set<std::string> out;
  const std::regex name(R"(\{([a-z_]+)\})");
  for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) out.insert((*it)[1].str());
  return out;
}

// The code points of UTF-8 text (catalogues are valid UTF-8: the JSON parser checked).
std::vector<unsigned> code_points(const std::string& s) {
  std::vector<unsigned> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    unsigned cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t j = 1; j < n && i + j < s.size(); ++j) cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}
}  // namespace

TEST_CASE("every catalogue: every key present or marked, placeholders that match, glyphs in the fonts",
          "[ui][i18n]") {
  auto strings = Catalogues::load(std::string(CIVIC_SOURCE_DIR) + "/assets/i18n");
  REQUIRE(strings.ok());
  // English is the source language of the shipped catalogues: complete, nothing marked.
  const auto* en = strings->catalogue("en");
  REQUIRE(en);
  CHECK(strings->marked("en").empty());
  REQUIRE(strings->languages().size() >= 5);
  HeadlessKiosk k;  // an ImGui context with the kiosk's fonts loaded
  for (const auto& lang : strings->languages()) {
    const auto* cat = strings->catalogue(lang);
    const auto marked = strings->marked(lang);
    for (const auto& [key, text] : *en) {
      INFO(lang << " neither has nor marks " << key);
      CHECK(cat->count(key) + std::count(marked.begin(), marked.end(), key) == 1);
    }
    for (const auto& [key, text] : *cat) {
      INFO(lang << " has " << key << ", which English lacks");
      REQUIRE(en->count(key) == 1);
      INFO(lang << ": the placeholders of " << key << " differ from English's: " << text);
      CHECK(placeholders(text) == placeholders(en->at(key)));
    }
    for (const auto& key : marked) {
      INFO(lang << " marks " << key << " (falls back to " << strings->info(lang).fallback << ")");
      CHECK(strings->text_language(lang, key) != lang);
      CHECK(strings->text(lang, key).find('[') != 0);
    }
    // Every letter of every text and every key of its keyboard has a glyph in every font size.
    std::vector<std::string> all;
    for (const auto& [key, text] : *cat) all.push_back(text);
    for (const auto* rows : {&strings->keyboard(lang).rows, &strings->keyboard(lang).shift_rows}) {
      for (const auto& row : *rows) all.insert(all.end(), row.begin(), row.end());
    }
    for (const FontSet* set : {&k.ui.fonts.normal, &k.ui.fonts.large}) {
      for (ImFont* font : {set->body, set->heading, set->small}) {
        for (const auto& text : all) {
          for (unsigned cp : code_points(text)) {
            if (cp < 0x20) continue;
            INFO(lang << ": no glyph for U+" << std::hex << cp << " in '" << text << "'");
            CHECK(font->FindGlyphNoFallback(static_cast<ImWchar>(cp)) != nullptr);
          }
        }
      }
    }
  }
  // Keys named literally in the kiosk's sources: tr("x.y"), fmt("x.y", ...), Message{"x.y", ...}.
  const std::regex key_use(R"((?:tr|fmt|text)\(\s*"([a-z_]+\.[a-z_.]+)\"|Message\{\"([a-z_]+\.[a-z_.]+)\")");
  int found = 0;
  for (const char* file : {"kiosk/ui/screens.cpp", "kiosk/session/session.cpp"}) {
    std::ifstream in(std::string(CIVIC_SOURCE_DIR) + "/" + file);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string src = ss.str();
    for (std::sregex_iterator it(src.begin(), src.end(), key_use), end; it != end; ++it) {
      const std::string key = (*it)[1].matched ? (*it)[1].str() : (*it)[2].str();
      INFO(file << " names " << key << ", which en.json lacks");
      CHECK(en->count(key) == 1);
      ++found;
    }
  }
  CHECK(found > 30);  // the scan itself works
}

TEST_CASE("the hidden staff gesture: three seconds in the corner by the clock, however few frames",
          "[ui][staff]") {
  HeadlessKiosk k;
  const auto dir = std::filesystem::temp_directory_path() / ("civic-gesture-" + to_hex(random_fixed<6>()));
  std::filesystem::create_directories(dir);
  auto events = EventBook::open(dir);
  REQUIRE(events.ok());
  Staff staff(
      std::make_unique<PinGuard>(dir / "pin", dir / "lockout", [] { return std::uint64_t{1795000000}; }),
      StaffLog(dir / "staff.log"), std::move(*events),
      Staff::Clocks{[&k] { return k.now_ms; }, [] { return std::uint64_t{1795000000}; }});
  k.staff = &staff;
  k.settle();
  auto gestures = [&] {
    return std::count_if(k.all_staff_actions.begin(), k.all_staff_actions.end(),
                         [](const StaffAction& a) { return a.kind == StaffAction::Kind::kGesture; });
  };
  auto press = [&](float x, float y, std::uint64_t ms, int frames) {
    k.input.push({InputEvent::Type::kPointerMove, x, y, 0, {}});
    k.input.push({InputEvent::Type::kPointerDown, x, y, 0, {}});
    k.settle(1);
    for (int i = 0; i < frames; ++i) {
      k.now_ms += ms / static_cast<std::uint64_t>(frames);
      k.frame();
    }
    k.input.push({InputEvent::Type::kPointerUp, x, y, 0, {}});
    k.settle();
  };
  press(60, 775, 2500, 50);  // too short
  CHECK(gestures() == 0);
  press(640, 775, 4000, 50);  // not in the corner
  CHECK(gestures() == 0);
  press(60, 775, 3100, 3);  // long enough, even in only three frames
  CHECK(gestures() == 1);
  press(60, 775, 9000, 90);  // one press opens it once
  CHECK(gestures() == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the accessibility dump (a file) never holds what a resident typed", "[ui][privacy]") {
  HeadlessKiosk k;
  k.settle();
  for (const char* id : {"attract.start", "language.en", "consultation.parks-2026", "nav.next"}) REQUIRE(k.tap(id));
  k.type("secret garden");
  const std::string on_idea = k.tree().to_json();
  CHECK(on_idea.find("secret") == std::string::npos);
  CHECK_THAT(on_idea, Catch::Contains("\"length\":13"));
  for (const char* id : {"nav.next", "nav.skip", "nav.skip"}) REQUIRE(k.tap(id));
  REQUIRE(k.session().screen() == Screen::kReview);
  const A11yNode* review = k.tree().find("review.idea");
  REQUIRE(review);
  CHECK(review->label.find("secret garden") != std::string::npos);  // in memory, for speech
  CHECK(k.tree().to_json().find("secret") == std::string::npos);    // never in the dump
}

namespace {

bool is_control(const A11yNode& n) { return n.role == Role::kButton || n.role == Role::kToggle || n.role == Role::kKey; }
// What text must not cover: controls, and fields that show what is being entered.
bool must_stay_clear(const A11yNode& n) { return is_control(n) || n.role == Role::kTextField; }

// Text (headings, messages, statuses) never lies over a control, and everything drawn stays on
// the canvas.
void check_layout(const HeadlessKiosk& k, const std::string& where) {
  const auto& nodes = k.tree().nodes();
  const Canvas& canvas = k.ui.canvas;
  for (const auto& a : nodes) {
    INFO(where << ": " << a.id << " at " << a.rect.x << "," << a.rect.y << " " << a.rect.w << "x" << a.rect.h);
    CHECK(a.rect.x >= 0);
    CHECK(a.rect.y >= 0);
    CHECK(a.rect.x + a.rect.w <= canvas.width + 0.5f);
    CHECK(a.rect.y + a.rect.h <= canvas.height + 0.5f);
    if (is_control(a)) {
      if (!a.clipped) CHECK(std::min(a.rect.w, a.rect.h) >= 44);
      continue;
    }
    if (a.role == Role::kTextField) continue;
    for (const auto& b : nodes) {
      if (!must_stay_clear(b)) continue;
      INFO(a.id << " ('" << (a.resident_text ? "[typed]" : a.label) << "') covers " << b.id);
      CHECK_FALSE(a.rect.overlaps(b.rect));
    }
  }
}

struct Size {
  float w, h;
};
// The canvases of 1280x800, 1024x768, 1920x1080 and a portrait 1080x1920 display.
const Size kCanvases[] = {{1280, 800}, {1280, 960}, {1422, 800}, {1280, 2275}};

}  // namespace

TEST_CASE("every message, at every display size and text size, leaves every control uncovered", "[ui]") {
  for (const Size size : kCanvases) {
    for (const std::string lang : {"en", "fr"}) {
      for (int display = 0; display < 2; ++display) {
        HeadlessKiosk k;
        ImGui::GetIO().DisplaySize = ImVec2(size.w, size.h);
        k.settle();
        if (display) REQUIRE(k.tap("display.large_text"));
        const std::string where = std::to_string(static_cast<int>(size.w)) + "x" +
                                  std::to_string(static_cast<int>(size.h)) + "/" + lang +
                                  (display ? "/large" : "");
        check_layout(k, where + "/attract");
        REQUIRE(k.tap("attract.start"));
        check_layout(k, where + "/language");
        REQUIRE(k.tap("language." + lang));
        REQUIRE(k.tap("consultation.parks-2026"));
        REQUIRE(k.tap("nav.next"));
        k.type("ab");
        REQUIRE(k.tap("nav.next"));  // too short
        REQUIRE(k.session().message());
        check_layout(k, where + "/idea+message");
        k.type("cde");
        REQUIRE(k.tap("nav.next"));
        for (const char* id : {"idea-001", "idea-002", "idea-003", "idea-004"}) {
          for (int i = 0; i < 10 && !k.tree().find(std::string(id) + ".support"); ++i) REQUIRE(k.tap("list.down"));
          REQUIRE(k.tap(std::string(id) + ".support"));
        }
        REQUIRE(k.session().message());  // four is one too many
        check_layout(k, where + "/vote+message");
        REQUIRE(k.tap("nav.next"));
        REQUIRE(k.tap("about.age.25-44"));  // consent first
        REQUIRE(k.session().message());
        check_layout(k, where + "/about+message");
        REQUIRE(k.tap("nav.next"));
        check_layout(k, where + "/review");
        for (int i = 0; i < 3; ++i) REQUIRE(k.tap("nav.back"));  // review -> about -> vote -> idea
        REQUIRE(k.tap("key.clear"));
        REQUIRE(k.tap("nav.skip"));  // no idea
        REQUIRE(k.tap("nav.skip"));  // no votes
        REQUIRE(k.tap("nav.skip"));  // no answers
        REQUIRE(k.session().screen() == Screen::kReview);
        REQUIRE(k.tap("nav.confirm"));  // nothing to send
        REQUIRE(k.session().message());
        check_layout(k, where + "/review+message");
      }
    }
  }
}

TEST_CASE("review names everything that will be sealed, scrolls when long, and each part can be changed",
          "[ui]") {
  for (const Size size : kCanvases) {
    HeadlessKiosk k;
    ImGui::GetIO().DisplaySize = ImVec2(size.w, size.h);
    k.settle();
    REQUIRE(k.tap("display.large_text"));
    REQUIRE(k.tap("attract.start"));
    REQUIRE(k.tap("language.en"));
    REQUIRE(k.tap("consultation.parks-2026"));
    REQUIRE(k.tap("nav.next"));
    // A 1,000-character idea, typed.
    const std::string idea = std::string("Benches ") + std::string(992, 'x');
    k.type("Benches ");
    for (int i = 0; i < 992; ++i) k.session().apply(Action{Action::Kind::kTypeText, "x", ""});
    REQUIRE(k.session().idea() == idea);
    REQUIRE(k.tap("nav.next"));
    for (const char* id : {"idea-004", "idea-006"}) {
      for (int i = 0; i < 10 && !k.tree().find(std::string(id) + ".support"); ++i) REQUIRE(k.tap("list.down"));
      REQUIRE(k.tap(std::string(id) + ".support"));
    }
    REQUIRE(k.tap("nav.next"));
    REQUIRE(k.tap("about.consent"));
    REQUIRE(k.tap("about.age.65-74"));
    REQUIRE(k.tap("nav.next"));
    REQUIRE(k.session().screen() == Screen::kReview);
    const std::string where = std::to_string(static_cast<int>(size.w)) + "x" + std::to_string(static_cast<int>(size.h));
    // Scrolling down reaches every line; nothing ever covers Back or Send.
    std::map<std::string, std::string> seen;
    for (int i = 0; i < 30; ++i) {
      check_layout(k, where + "/review");
      for (const auto& n : k.tree().nodes()) {
        if (n.id.rfind("review.", 0) == 0) seen[n.id] = n.label;
      }
      if (!k.tree().find("list.down")) break;
      REQUIRE(k.tap("list.down"));
    }
    INFO(where);
    CHECK(seen["review.idea"] == idea);
    CHECK(seen["review.vote.idea-004"] == "Supported: Public toilets open until 10 pm");
    CHECK(seen["review.vote.idea-006"] == "Supported: Quiet hours with no amplified music");
    CHECK(seen["review.answer.age"] == "Your age: 65 to 74");
    CHECK(seen.count("review.change.vote"));
    // Change goes back to that step; Next comes back to the review, with the change in it.
    while (k.tree().find("list.up")) REQUIRE(k.tap("list.up"));
    for (int i = 0; i < 10 && !k.tree().find("review.change.vote"); ++i) REQUIRE(k.tap("list.down"));
    REQUIRE(k.tap("review.change.vote"));
    REQUIRE(k.session().screen() == Screen::kVote);
    for (int i = 0; i < 10 && !k.tree().find("idea-006.support"); ++i) REQUIRE(k.tap("list.down"));
    REQUIRE(k.tap("idea-006.support"));  // withdrawn
    REQUIRE(k.tap("nav.next"));
    REQUIRE(k.tap("nav.next"));
    REQUIRE(k.session().screen() == Screen::kReview);
    REQUIRE(k.tap("nav.confirm"));
    auto sealed = k.session().take_submission_to_store();
    REQUIRE(sealed);
    CHECK(sealed->votes == std::vector<Vote>{{"idea-004", VoteChoice::kSupport}});
    CHECK(sealed->idea == idea);
  }
}

TEST_CASE("a second tap just after a screen change does nothing, on every screen-changing control", "[ui]") {
  HeadlessKiosk k;
  k.settle();
  std::size_t changes = 0;
  // Taps `id`; if the screen changed, a second tap 70 ms later at the same place must not act.
  auto tap_twice = [&](const std::string& id) {
    k.settle();
    if (k.ui.frame.tap_guard) {
      k.now_ms += kTapGuardMs;
      k.settle();
    }
    const A11yNode* n = k.tree().find(id);
    REQUIRE(n);
    const float x = n->rect.cx(), y = n->rect.cy();
    const Screen before = k.session().screen();
    k.input.tap(x, y);
    k.settle();
    if (k.session().screen() == Screen::kStoring) {
      auto s = k.session().take_submission_to_store();
      REQUIRE(s);
      k.session().store_succeeded("RN6RJ-MUAKQ");
      k.settle();
    }
    if (k.session().screen() == before) return;
    ++changes;
    const Screen after = k.session().screen();
    const std::size_t actions = k.all_actions.size();
    k.now_ms += 70;
    k.input.tap(x, y);
    k.settle();
    INFO("a second tap on " << id << " at " << x << "," << y << " landed on " << screen_name(after));
    CHECK(k.session().screen() == after);
    CHECK(k.all_actions.size() == actions);
  };
  for (const char* id : {"attract.start", "language.en", "consultation.parks-2026", "nav.next"}) tap_twice(id);
  k.type("Shade");
  for (const char* id : {"nav.next", "nav.next", "nav.skip", "nav.confirm"}) tap_twice(id);
  CHECK(k.session().screen() == Screen::kThanks);  // the receipt stays on screen
  CHECK(changes == 8);
  tap_twice("nav.finish");
  CHECK(k.session().screen() == Screen::kAttract);
}

TEST_CASE("leaving with something not sent asks first, and the consultations screen has a way back", "[ui]") {
  HeadlessKiosk k;
  k.settle();
  REQUIRE(k.tap("attract.start"));
  REQUIRE(k.tap("language.en"));
  REQUIRE(k.tap("consultation.parks-2026"));
  REQUIRE(k.tap("nav.next"));
  REQUIRE(k.tap("nav.skip"));
  REQUIRE(k.tap("idea-001.support"));
  REQUIRE(k.tap("nav.back"));
  REQUIRE(k.tap("nav.back"));
  REQUIRE(k.tap("nav.back"));
  REQUIRE(k.session().screen() == Screen::kConsultations);
  REQUIRE(k.tap("nav.finish"));
  REQUIRE(k.tree().find("discard.text"));
  CHECK(k.session().screen() == Screen::kConsultations);
  REQUIRE(k.tap("discard.stay"));
  CHECK(k.session().supports("idea-001"));
  REQUIRE(k.tap("nav.back"));  // the consultations screen's Back: to the languages
  CHECK(k.session().screen() == Screen::kLanguage);
  REQUIRE(k.tap("language.en"));
  REQUIRE(k.tap("consultation.parks-2026"));  // the same one again keeps the vote
  CHECK(k.session().supports("idea-001"));
  REQUIRE(k.tap("nav.back"));
  REQUIRE(k.tap("nav.finish"));
  REQUIRE(k.tap("discard.leave"));
  CHECK(k.session().screen() == Screen::kAttract);
  CHECK_FALSE(k.session().supports("idea-001"));
}

TEST_CASE("before a language is chosen, the display buttons and Back speak every language, and speech that "
          "cannot run says so",
          "[ui]") {
  HeadlessKiosk k;
  k.ui.speech_available = false;
  k.settle();
  for (const char* screen : {"attract", "language"}) {
    INFO(screen);
    for (const char* id : {"display.contrast", "display.large_text", "help"}) {
      const A11yNode* n = k.tree().find(id);
      REQUIRE(n);
      for (const std::string lang : {"en", "fr"}) {
        const std::string key = std::string(id) == "help" ? "help.button" : id;
        CHECK(n->label.find(k.ui.strings->text(lang, key)) != std::string::npos);
      }
    }
    const A11yNode* unavailable = k.tree().find("speech.unavailable");
    REQUIRE(unavailable);
    CHECK(unavailable->label.find(k.ui.strings->text("fr", "speech.unavailable")) != std::string::npos);
    if (std::string(screen) == "attract") REQUIRE(k.tap("attract.start"));
  }
  const A11yNode* back = k.tree().find("nav.back");
  REQUIRE(back);
  CHECK(back->label == "Back / Retour");
  REQUIRE(k.tap("language.fr"));
  REQUIRE(k.tree().find("speech.unavailable"));  // in the title bar, where the Speech button would be
  CHECK(k.tree().find("speech.unavailable")->label == k.ui.strings->text("fr", "speech.unavailable"));
}

TEST_CASE("the keypad: each new screen starts with the focus on its main action", "[ui]") {
  HeadlessKiosk k;
  ImGuiIO& io = ImGui::GetIO();
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  const int down = 81, space = 44;  // SDL scancodes, as the platform maps them
  io.KeyMap[ImGuiKey_DownArrow] = down;
  io.KeyMap[ImGuiKey_Space] = space;
  auto press = [&](int key) {
    k.input.push({InputEvent::Type::kKeyDown, 0, 0, key, {}});
    k.input.push({InputEvent::Type::kKeyUp, 0, 0, key, {}});
    k.settle();
  };
  auto focused = [&]() -> std::string {
    for (const auto& n : k.tree().nodes()) {
      if (n.focused) return n.id;
    }
    return "";
  };
  k.settle();
  press(down);  // the keypad is in use from now on: the focus is shown
  k.settle();
  CHECK(focused() == "attract.start");
  press(space);
  REQUIRE(k.session().screen() == Screen::kLanguage);
  CHECK(focused() == "language.en");
  press(space);
  REQUIRE(k.session().screen() == Screen::kConsultations);
  CHECK(focused() == "consultation.parks-2026");
  press(space);
  REQUIRE(k.session().screen() == Screen::kConsultation);
  CHECK(focused() == "nav.next");
  press(space);
  REQUIRE(k.session().screen() == Screen::kIdea);
  CHECK(focused() == "nav.next");
}

TEST_CASE("staff screens with the number pad: instructions and messages never cover the pad or the number",
          "[ui][staff]") {
  HeadlessKiosk k;
  const auto dir = std::filesystem::temp_directory_path() / ("civic-staff-layout-" + to_hex(random_fixed<6>()));
  std::filesystem::create_directories(dir);
  REQUIRE(save_pin_hash(dir / "pin", "493817").ok());
  REQUIRE(PinGuard::reset(dir / "lockout").ok());
  REQUIRE(PinGuard::reset(dir / "lockout2").ok());
  auto events = EventBook::open(dir);
  REQUIRE(events.ok());
  Staff staff(std::make_unique<PinGuard>(dir / "pin", dir / "lockout", [] { return std::uint64_t{1795000000}; }),
              StaffLog(dir / "staff.log"), std::move(*events),
              Staff::Clocks{[&k] { return k.now_ms; }, [] { return std::uint64_t{1795000000}; }});
  k.staff = &staff;
  using K = StaffAction::Kind;
  auto act = [&](K kind, const std::string& v = {}) {
    staff.apply(StaffAction{kind, v});
    k.settle();
  };
  auto enter = [&](const std::string& digits) {
    for (char c : digits) act(K::kDigit, std::string(1, c));
    act(K::kConfirm);
  };
  act(K::kGesture);
  enter("000000");  // wrong: a message beside the pad
  REQUIRE_FALSE(staff.message().empty());
  check_layout(k, "pin+wrong");
  for (int i = 0; i < 3; ++i) enter("000000");  // locked out: another message
  check_layout(k, "pin+lockout");
  // The rest of the screens, reached by a staff mode without that lock-out (its own file).
  Staff open(std::make_unique<PinGuard>(dir / "pin", dir / "lockout2", [] { return std::uint64_t{1795000000}; }),
             StaffLog(dir / "staff.log"), std::move(*EventBook::open(dir)),
             Staff::Clocks{[&k] { return k.now_ms; }, [] { return std::uint64_t{1795000000}; }});
  k.staff = &open;
  auto act2 = [&](K kind, const std::string& v = {}) {
    open.apply(StaffAction{kind, v});
    k.settle();
  };
  auto enter2 = [&](const std::string& digits) {
    for (char c : digits) act2(K::kDigit, std::string(1, c));
    act2(K::kConfirm);
  };
  act2(K::kGesture);
  enter2("493817");
  REQUIRE(open.screen() == StaffScreen::kMenu);
  act2(K::kShow, "event");
  act2(K::kTypeText, "Ward 3");
  act2(K::kStartEvent);
  open.record_stored(Channel::kTownHall, true);
  open.record_stored(Channel::kTownHall, true);
  act2(K::kCancel);
  act2(K::kShow, "paper");
  check_layout(k, "paper");
  act2(K::kConfirm);  // no number: a message
  REQUIRE_FALSE(open.message().empty());
  check_layout(k, "paper+message");
  act2(K::kCancel);
  act2(K::kShow, "event");
  act2(K::kCloseEvent);
  REQUIRE(open.screen() == StaffScreen::kHeadcount);
  check_layout(k, "headcount");
  enter2("1");  // fewer than took part: a message
  REQUIRE(open.message() == "staff.headcount_too_low");
  check_layout(k, "headcount+message");
}

namespace {
// An assets directory with the shipped catalogues and keyboards and three more languages written
// by a "community" (a catalogue each, no code): eight in all.
void write_eight_languages(const std::filesystem::path& assets) {
  namespace fs = std::filesystem;
  fs::copy(std::string(CIVIC_SOURCE_DIR) + "/assets/i18n", assets / "i18n");
  fs::copy(std::string(CIVIC_SOURCE_DIR) + "/assets/keyboards", assets / "keyboards");
  struct Extra {
    const char* tag;
    const char* name;
    const char* title;
    const char* attract;
    const char* start;
  };
  for (const Extra& e : {Extra{"de", "Deutsch", "Wählen Sie Ihre Sprache", "Sagen Sie Ihre Meinung zu Ihrer Stadt", "Start"},
                         Extra{"pt", "Português", "Escolha o seu idioma", "Dê a sua opinião sobre a sua cidade", "Começar"},
                         Extra{"tl", "Tagalog", "Piliin ang iyong wika", "Ibahagi ang iyong opinyon sa lungsod", "Simulan"}}) {
    std::ofstream(assets / "i18n" / (std::string(e.tag) + ".json"))
        << "{\"@voice\": \"\", \"@keyboard\": \"qwerty\", \"@fallback\": \"en\", \"language.name\": \"" << e.name
        << "\", \"language.title\": \"" << e.title << "\", \"attract.title\": \"" << e.attract
        << "\", \"attract.start_short\": \"" << e.start << "\"}";
  }
}
}  // namespace

TEST_CASE("eight languages from files alone: attract, language screen and title bar, each in its own words",
          "[ui][i18n]") {
  test::TempDir dir("eight-languages");
  write_eight_languages(dir.path);
  const std::vector<std::string> eight{"en", "fr", "es", "iu", "crk", "de", "pt", "tl"};
  SessionSettings settings;
  settings.languages = eight;
  HeadlessKiosk k(test::demo_content(), settings, dir.path.string());
  auto check_layout = [&](const std::string& where) {
    const auto& nodes = k.tree().nodes();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const A11yNode& a = nodes[i];
      INFO(where << ": " << a.id << " '" << a.label << "' at " << a.rect.x << "," << a.rect.y << " " << a.rect.w
                 << "x" << a.rect.h);
      CHECK(a.label.find('[') != 0);
      CHECK(a.rect.x >= 0);
      CHECK(a.rect.y >= 0);
      CHECK(a.rect.x + a.rect.w <= kDesignWidth);
      CHECK(a.rect.y + a.rect.h <= kDesignHeight);
      if (a.role != Role::kButton && a.role != Role::kToggle) continue;
      CHECK(std::min(a.rect.w, a.rect.h) >= 44);
      CHECK_FALSE(a.overflows);
      for (std::size_t j = i + 1; j < nodes.size(); ++j) {
        if (nodes[j].role != Role::kButton && nodes[j].role != Role::kToggle) continue;
        INFO("overlaps " << nodes[j].id);
        CHECK_FALSE(a.rect.overlaps(nodes[j].rect));
      }
    }
  };
  for (int large = 0; large < 2; ++large) {
    k.settle();
    if (large) REQUIRE(k.tap("display.large_text"));
    // Attract: every language's title, in that language; the start button names itself in each.
    for (const auto& lang : eight) {
      const A11yNode* title = k.tree().find("attract.title." + lang);
      REQUIRE(title);
      CHECK(title->language == lang);
      CHECK(title->label == k.strings().text(lang, "attract.title"));
      CHECK(k.tree().find("attract.start")->label.find(k.strings().text(lang, "attract.start_short")) !=
            std::string::npos);
    }
    check_layout(large ? "attract, larger text" : "attract");
    REQUIRE(k.tap("attract.start"));
    REQUIRE(k.session().screen() == Screen::kLanguage);
    for (const auto& lang : eight) {
      const A11yNode* button = k.tree().find("language." + lang);
      REQUIRE(button);
      CHECK(button->language == lang);
      CHECK(button->label == k.strings().text(lang, "language.name"));
    }
    CHECK(k.tree().find("language.iu")->label == "ᐃᓄᒃᑎᑐᑦ");
    check_layout(large ? "language, larger text" : "language");
    REQUIRE(k.tap("language.tl"));
    REQUIRE(k.session().screen() == Screen::kConsultations);
    CHECK(k.session().language() == "tl");
    // Text not translated into Tagalog shows in English, marked as such.
    const A11yNode* parks = k.tree().find("consultation.parks-2026");
    REQUIRE(parks);
    CHECK(parks->label.rfind("(English) ", 0) == 0);
    // Eight languages do not fit the title bar: one button leads to them, and back to this screen.
    CHECK_FALSE(k.tree().find("lang.fr"));
    check_layout(large ? "consultations, larger text" : "consultations");
    REQUIRE(k.tap("consultation.parks-2026"));
    REQUIRE(k.tap("nav.next"));
    REQUIRE(k.session().screen() == Screen::kIdea);
    k.type("Bancs");
    REQUIRE(k.tap("lang.choose"));
    REQUIRE(k.session().screen() == Screen::kLanguage);
    REQUIRE(k.tap("language.es"));
    CHECK(k.session().screen() == Screen::kIdea);
    CHECK(k.session().language() == "es");
    CHECK(k.session().idea() == "Bancs");
    CHECK(k.tree().find("idea.title")->label == k.strings().text("es", "idea.title"));
    REQUIRE(k.tap("nav.back"));
    REQUIRE(k.tap("nav.back"));
    REQUIRE(k.tap("nav.finish"));
    if (k.session().confirming_discard()) REQUIRE(k.tap("discard.leave"));
    k.settle();
    REQUIRE(k.session().screen() == Screen::kAttract);
  }
}

TEST_CASE("the syllabics keyboard types syllabics, and shift gives long vowels and digits", "[ui][i18n]") {
  SessionSettings settings;
  settings.languages = {"iu", "en"};
  HeadlessKiosk k(test::demo_content(), settings);
  k.settle();
  REQUIRE(k.tap("attract.start"));
  REQUIRE(k.tap("language.iu"));
  REQUIRE(k.tap("consultation.parks-2026"));
  REQUIRE(k.tap("nav.next"));
  REQUIRE(k.session().screen() == Screen::kIdea);
  k.type("ᐃᓄᒃᑎᑐᑦ ᐋ1");
  CHECK(k.session().idea() == "ᐃᓄᒃᑎᑐᑦ ᐋ1");
  // Each key shows what it types: the first row's first key is ᐃ, and ᐄ with shift.
  CHECK(k.tree().find("key.ᐃ")->label == "ᐃ");
  REQUIRE(k.tap("key.shift"));
  CHECK(k.tree().find("key.ᐃ")->label == "ᐄ");
}
