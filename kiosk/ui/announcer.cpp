#include "announcer.h"

#include <algorithm>

#include "review.h"

namespace civic::kiosk {

namespace {

bool spoken_on_arrival(const A11yNode& n) {
  if (n.id == "app.title") return false;  // the same on every screen
  if (n.id == "pair.left" || n.id == "pair.right") return true;  // the pair is the screen's content
  return n.role == Role::kHeading || n.role == Role::kText || n.role == Role::kStatus ||
         n.role == Role::kTextField;
}

// Toggles that switch something on or off (rather than choose an answer).
bool is_switch(const std::string& id) {
  return id.rfind("display.", 0) == 0 || id == "speech" || id == "attract.speech" || id == "key.shift" ||
         id == "help" || id == "about.consent" || id == "speech.letters" || id == "speech.privacy";
}

}  // namespace

std::string Announcer::describe(const A11yNode& node, const Session& session, const UiContext& ui) const {
  const std::string& lang = ui.frame.drawn.language;
  auto tr = [&](const char* key) { return ui.strings->text(lang, key); };
  // A control says what it acts on: "Support: Public toilets open until 10 pm, not selected".
  std::string said = node.label;
  if (!node.context.empty()) said += ": " + node.context;
  if (node.role == Role::kToggle) {
    if (is_switch(node.id))
      said += ", " + tr(node.selected ? "speech.state_on" : "speech.state_off");
    else
      said += ", " + tr(node.selected ? "speech.selected" : "speech.not_selected");
  }
  if (node.id == "speech.slower" || node.id == "speech.faster" || node.id == "speech.quieter" ||
      node.id == "speech.louder") {
    said += ". " + ui.strings->format(lang, "speech.status",
                                      {{"rate", std::to_string(session.speech_rate() + 1)},
                                       {"volume", std::to_string(session.speech_volume() + 1)}});
  }
  return said;
}

// "Where am I?": the step (or the screen's heading), the consultation, and the control with the
// keypad focus, in a sentence, without reading the whole screen again.
Utterance Announcer::where_am_i(const Session& session, const UiContext& ui) const {
  const std::string& lang = ui.frame.drawn.language;
  std::string where;
  const A11yNode* step = ui.frame.tree.find("step");
  if (step) {
    where = step->label;
  } else {
    for (const auto& n : ui.frame.tree.nodes()) {
      if (n.role == Role::kHeading && n.id != "app.title") {
        where = n.label;
        break;
      }
    }
  }
  if (const Consultation* c = session.consultation(); c && session.screen() != Screen::kConsultations) {
    where += (where.empty() ? "" : ", ") + local_text(*ui.strings, c->title, lang);
  }
  Utterance u{{{ui.strings->format(lang, "speech.where_text", {{"where", where}}), lang}}};
  for (const auto& n : ui.frame.tree.nodes()) {
    if (n.focused) u.parts.push_back({describe(n, session, ui), n.language.empty() ? lang : n.language});
  }
  return u;
}

Utterance Announcer::read_screen(const Session& session, const UiContext& ui) const {
  Utterance u;
  const std::string& lang = ui.frame.drawn.language;
  // The review is read in full, scrolled out of view or not: everything that Send will seal.
  const bool review = ui.frame.drawn.view == "review";
  if (review) {
    for (const auto& n : ui.frame.tree.nodes()) {
      if (n.id == "review.title" || n.id == "step" || n.id == "review.private") u.parts.push_back({n.label, lang});
    }
    for (const auto& section : review_sections(session, *ui.strings)) {
      u.parts.push_back({section.heading, lang});
      for (const auto& line : section.lines) u.parts.push_back({line.text, lang, line.resident_text});
    }
    return u;
  }
  for (const auto& n : ui.frame.tree.nodes()) {
    const bool warning_button = n.id == "idle.more_time";
    if (!spoken_on_arrival(n) && !warning_button) continue;
    const std::string in = n.language.empty() ? lang : n.language;
    if (n.role == Role::kTextField) {
      u.parts.push_back({n.label, in});
      if (n.value.empty())
        u.parts.push_back({ui.strings->text(lang, "speech.empty"), in});
      else
        u.parts.push_back({n.value, in, true});
      continue;
    }
    u.parts.push_back({n.label, in, n.resident_text, n.id == "thanks.receipt"});
  }
  return u;
}

std::optional<Utterance> Announcer::after_frame(const Session& session, const UiContext& ui, bool* stop) {
  if (stop) *stop = false;
  const DrawnView& d = ui.frame.drawn;
  if (!d.speech) {
    if (!on_) return std::nullopt;
    on_ = false;
    const bool by_resident = std::any_of(touched_.begin(), touched_.end(), [](const A11yNode& n) {
      return n.id == "speech.off" || n.id == "attract.speech";
    });
    touched_.clear();
    // Turned off by the resident: say so. Ended with the session: fall silent at once.
    if (by_resident) {
      return Utterance{{{ui.strings->text(d.language, "speech.off_now"), d.language}},
                       session.speech_rate(),
                       session.speech_volume()};
    }
    if (stop) *stop = true;
    return std::nullopt;
  }

  std::optional<Utterance> out;
  const A11yNode* message = ui.frame.tree.find("message");
  const std::string message_now = message ? message->label : "";
  const A11yNode* focused = nullptr;
  for (const auto& n : ui.frame.tree.nodes()) {
    if (n.focused) focused = &n;
  }
  if (on_ && d.where_requests != where_) {
    out = where_am_i(session, ui);
  } else if (!on_ || d.view != view_ || d.speech_repeats != repeats_) {
    Utterance u;
    if (!on_) {
      // Turned on: how speech works, in the languages offered first where nobody has chosen one yet
      // (the language screen then reads every language's name in its own voice).
      if (d.view.rfind("attract", 0) == 0 || d.view.rfind("language", 0) == 0) {
        const auto& offered = ui.strings->offered();
        for (std::size_t i = 0; i < offered.size() && i < 2; ++i)
          u.parts.push_back({ui.strings->text(offered[i], "speech.intro"), offered[i]});
      } else {
        u.parts.push_back({ui.strings->text(d.language, "speech.intro"), d.language});
      }
    }
    Utterance screen = read_screen(session, ui);
    u.parts.insert(u.parts.end(), screen.parts.begin(), screen.parts.end());
    out = std::move(u);
  } else {
    Utterance u;
    for (const auto& before : touched_) {
      const A11yNode* now = ui.frame.tree.find(before.id);
      if (!now) continue;
      const std::string in = now->language.empty() ? d.language : now->language;
      if (now->role == Role::kKey) {
        // The letter as it was typed (shift has since gone back to lower case); out loud only
        // on headphones, or when the resident asked for it: others may be listening.
        if (session.speak_typing()) u.parts.push_back({before.label, in, true, true});
      } else {
        u.parts.push_back({describe(*now, session, ui), in});
      }
    }
    if (!message_now.empty() && message_now != message_) u.parts.push_back({message_now, d.language});
    // The budget bar, "X of Y spent", whenever a tap changes it.
    if (const A11yNode* budget = ui.frame.tree.find("vote.budget"); budget && budget->label != budget_) {
      u.parts.push_back({budget->label, d.language});
    }
    // The idle countdown, every ten seconds and each of the last five.
    if (const A11yNode* idle = ui.frame.tree.find("idle.text"); idle && session.idle_warning()) {
      const std::uint64_t left = session.seconds_until_reset();
      if (left != countdown_ && (left % 10 == 0 || left <= 5)) u.parts.push_back({idle->label, d.language});
      countdown_ = left;
    }
    if (focused && focused->id != focused_ &&
        std::none_of(touched_.begin(), touched_.end(),
                     [&](const A11yNode& t) { return t.id == focused->id; })) {
      const std::string in = focused->language.empty() ? d.language : focused->language;
      if (focused->role == Role::kKey) {
        if (session.speak_typing()) u.parts.push_back({focused->label, in, true, true});
      }
      else
        u.parts.push_back({describe(*focused, session, ui), in});
    }
    if (!u.parts.empty()) out = std::move(u);
  }
  on_ = true;
  view_ = d.view;
  repeats_ = d.speech_repeats;
  where_ = d.where_requests;
  message_ = message_now;
  const A11yNode* budget_now = ui.frame.tree.find("vote.budget");
  budget_ = budget_now ? budget_now->label : "";
  focused_ = focused ? focused->id : "";
  touched_.clear();
  for (const auto& id : ui.frame.activated) {
    if (const A11yNode* n = ui.frame.tree.find(id)) touched_.push_back(*n);
  }
  if (out) {
    out->rate_step = session.speech_rate();
    out->volume_step = session.speech_volume();
  }
  return out;
}

}  // namespace civic::kiosk
