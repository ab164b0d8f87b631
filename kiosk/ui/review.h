// What the review screen lists before Send: everything that will be sealed, by name, in the
// language on screen. The screen draws it and speech reads it, from this one description.
#pragma once

#include <string>
#include <vector>

#include "i18n.h"
#include "kiosk/session/session.h"

namespace civic::kiosk {

struct ReviewLine {
  std::string id;    // accessibility id, e.g. "review.vote.idea-004", "review.answer.age"
  std::string text;  // e.g. "Support: Public toilets open until 10 pm", "Your age: 65 to 74"
  bool resident_text = false;  // the resident's own words: spoken, never logged
};

struct ReviewSection {
  std::string step;     // the screen that changes it ("idea", "vote", "about-you")
  std::string heading;  // "Your idea", "Your votes", "About you"
  std::vector<ReviewLine> lines;
};

// The sections in step order: the idea, the votes (for each idea chosen, the choice and the idea's
// text, in the consultation's order), and the "about you" answers (question and answer), each
// with a line saying so when there is nothing.
std::vector<ReviewSection> review_sections(const Session& session, const Catalogues& strings);

}  // namespace civic::kiosk
