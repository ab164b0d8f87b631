// Town-hall events run by field staff: while one is open, every record the terminal makes carries
// the channel "town hall" (or "paper", for transcribed cards) and the event's id. Staff close it
// with a headcount and see how many took part. Kept in the state directory (event.json): counts
// and names only, never content.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sync/protocol/record.h"

namespace civic {

struct TownHallEvent {
  std::string id;  // "ev-YYYYMMDD-" + 6 hex: what records carry
  std::string name, place, date;
  std::uint64_t started_at = 0, closed_at = 0;
  std::uint64_t town_hall_records = 0, paper_records = 0;
  std::uint64_t headcount = 0;  // people in the room, counted by staff; 0: not counted
  std::uint64_t participants = 0;        // distinct people who took part (sessions and paper cards)
  std::vector<std::string> paper_cards;  // the numbers of the cards transcribed: each once
};

class EventBook {
 public:
  // Loads event.json from the state directory (a missing file: no events yet).
  [[nodiscard]] static Result<EventBook> open(const std::filesystem::path& state_dir);

  const std::optional<TownHallEvent>& current() const { return current_; }
  const std::vector<TownHallEvent>& closed() const { return closed_; }

  [[nodiscard]] Result<TownHallEvent> start(const std::string& name, const std::string& place,
                                            std::uint64_t unix_now);
  // Counts a record stored during the open event.
  // Counts a record made during the open event. `new_participant`: the first record of its
  // session (one person may take part in several consultations); `card`: a paper card's number.
  [[nodiscard]] Status count(Channel channel, bool new_participant, const std::string& card = {});
  // Whether the open event already has a paper card with this number.
  bool has_card(const std::string& card) const;
  [[nodiscard]] Result<TownHallEvent> close(std::uint64_t headcount, std::uint64_t unix_now);

 private:
  [[nodiscard]] Status save() const;
  std::filesystem::path file_;
  std::optional<TownHallEvent> current_;
  std::vector<TownHallEvent> closed_;
};

}  // namespace civic
