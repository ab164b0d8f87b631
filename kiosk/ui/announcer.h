// What the kiosk says, decided from the accessibility tree after each frame: the screen's title
// and text on arrival, the control touched or focused (with its state), typed letters, errors and
// the time-out warning, always in the language on screen. Pure: the app hands the result to the
// speaker (kiosk/speech).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kiosk/speech/utterance.h"
#include "ui.h"

namespace civic::kiosk {

class Announcer {
 public:
  // Call after every frame (after the frame's actions were applied to the session). Returns what
  // to say now, in place of anything still being said; nullopt: keep quiet (or keep talking).
  // `stop` is set when speech was just turned off and the speaker must fall silent.
  std::optional<Utterance> after_frame(const Session& session, const UiContext& ui, bool* stop = nullptr);

 private:
  Utterance read_screen(const Session& session, const UiContext& ui) const;
  std::string describe(const A11yNode& node, const Session& session, const UiContext& ui) const;
  Utterance where_am_i(const Session& session, const UiContext& ui) const;

  bool on_ = false;
  std::string view_;     // screen, overlay and language: a change reads the new view
  std::string focused_;  // the keypad focus last spoken
  std::string message_;  // the error message last spoken
  std::string budget_;   // the budget bar's words last drawn ("X of Y spent")
  std::uint64_t repeats_ = 0;
  std::uint64_t where_ = 0;  // "where am I?" requests answered
  std::uint64_t countdown_ = 0;  // the idle countdown's second last spoken
  std::vector<A11yNode> touched_;  // activated last frame: spoken with their new state
};

}  // namespace civic::kiosk
