#include "sync/events/events.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "sync/files/files.h"

namespace civic {

namespace {

using nlohmann::json;

// The events of a kiosk's life with their paper card numbers: far below this.
constexpr std::size_t kMaxEventFileBytes = 16 * 1024 * 1024;

json to_json(const TownHallEvent& e) {
  return {{"id", e.id},
          {"name", e.name},
          {"place", e.place},
          {"date", e.date},
          {"started_at", e.started_at},
          {"closed_at", e.closed_at},
          {"town_hall_records", e.town_hall_records},
          {"paper_records", e.paper_records},
          {"headcount", e.headcount},
          {"participants", e.participants},
          {"paper_cards", e.paper_cards}};
}

TownHallEvent from_json(const json& j) {
  return TownHallEvent{j.at("id"),
                       j.at("name"),
                       j.at("place"),
                       j.at("date"),
                       j.at("started_at"),
                       j.at("closed_at"),
                       j.at("town_hall_records"),
                       j.at("paper_records"),
                       j.at("headcount"),
                       // Files written before these were kept: no participants or cards known.
                       j.value("participants", std::uint64_t{0}),
                       j.value("paper_cards", std::vector<std::string>{})};
}

std::string utc_date(std::uint64_t unix_now, const char* format) {
  const std::time_t t = static_cast<std::time_t>(unix_now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

Result<EventBook> EventBook::open(const std::filesystem::path& state_dir) {
  EventBook book;
  book.file_ = state_dir / "event.json";
  auto text = files::read_text_file(book.file_, kMaxEventFileBytes);
  if (!text.ok() && text.code() == ErrorCode::kNotFound) return book;
  if (!text.ok()) return text.error();
  try {
    const json j = json::parse(*text);
    if (!j.at("current").is_null()) book.current_ = from_json(j.at("current"));
    for (const auto& e : j.at("closed")) book.closed_.push_back(from_json(e));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kMalformed, book.file_.string() + " is damaged (" + e.what() +
                                                 "): move it aside; the next event starts afresh");
  }
  return book;
}

Result<TownHallEvent> EventBook::start(const std::string& name, const std::string& place,
                                       std::uint64_t unix_now) {
  if (current_) {
    return make_error(ErrorCode::kConflict,
                      "the event '" + current_->name + "' is still open: close it first");
  }
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "give the event a name");
  TownHallEvent e;
  e.id = "ev-" + utc_date(unix_now, "%Y%m%d") + "-" + to_hex(random_fixed<3>());
  e.name = name;
  e.place = place;
  e.date = utc_date(unix_now, "%Y-%m-%d");
  e.started_at = unix_now;
  current_ = e;
  CIVIC_TRY(save());
  return e;
}

Status EventBook::count(Channel channel, bool new_participant, const std::string& card) {
  if (!current_) return {};
  if (channel == Channel::kPaper)
    ++current_->paper_records;
  else
    ++current_->town_hall_records;
  if (new_participant) ++current_->participants;
  if (!card.empty() && !has_card(card)) current_->paper_cards.push_back(card);
  return save();
}

bool EventBook::has_card(const std::string& card) const {
  return current_ && std::find(current_->paper_cards.begin(), current_->paper_cards.end(), card) !=
                         current_->paper_cards.end();
}

Result<TownHallEvent> EventBook::close(std::uint64_t headcount, std::uint64_t unix_now) {
  if (!current_) return make_error(ErrorCode::kNotFound, "no event is open");
  TownHallEvent e = *current_;
  e.headcount = headcount;
  e.closed_at = unix_now;
  closed_.push_back(e);
  current_.reset();
  CIVIC_TRY(save());
  return e;
}

Status EventBook::save() const {
  json j = {{"current", current_ ? to_json(*current_) : json(nullptr)}, {"closed", json::array()}};
  for (const auto& e : closed_) j["closed"].push_back(to_json(e));
  const std::string text = j.dump(2) + "\n";
  return files::write_file(file_, text);
}

}  // namespace civic
