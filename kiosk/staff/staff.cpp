#include "staff.h"

#include <algorithm>
#include <utility>

#include "sync/protocol/record.h"

namespace civic::kiosk {

const char* staff_screen_name(StaffScreen s) {
  switch (s) {
    case StaffScreen::kClosed: return "closed";
    case StaffScreen::kPin: return "staff-pin";
    case StaffScreen::kMenu: return "staff-menu";
    case StaffScreen::kHealth: return "staff-health";
    case StaffScreen::kEvent: return "staff-event";
    case StaffScreen::kHeadcount: return "staff-headcount";
    case StaffScreen::kPaperCard: return "staff-paper";
    case StaffScreen::kDrives: return "staff-drives";
    case StaffScreen::kOperation: return "staff-operation";
    case StaffScreen::kExitPin: return "staff-exit";
  }
  return "unknown";
}

Staff::Staff(std::unique_ptr<PinGuard> pin, StaffLog log, EventBook events, Clocks clocks,
             std::uint64_t inactivity_ms)
    : pin_(std::move(pin)),
      log_(std::move(log)),
      events_(std::move(events)),
      clocks_(std::move(clocks)),
      inactivity_ms_(inactivity_ms) {}

void Staff::log(const std::string& action, const std::string& detail) {
  // The log is for the record; a full disk must not lock staff out of their own terminal.
  (void)log_.record(clocks_.unix_seconds(), action, detail);
}

void Staff::touch() {
  last_activity_ = clocks_.monotonic_ms();
  ++revision_;
}

void Staff::go(StaffScreen s) {
  screen_ = s;
  wipe_string(digits_);
  message_.clear();
  message_arg_.clear();
  health_loaded_ = false;
  drives_loaded_ = false;
}

void Staff::check_pin(bool leaving) {
  const auto outcome = pin_->check(digits_);
  wipe_string(digits_);
  switch (outcome.kind) {
    case PinGuard::Outcome::Kind::kAccepted:
      if (leaving) {
        log("exit");
        go(StaffScreen::kClosed);
      } else {
        log("enter");
        locked_ = false;
        go(StaffScreen::kMenu);
      }
      return;
    case PinGuard::Outcome::Kind::kNoPin: message_ = "staff.no_pin"; return;
    case PinGuard::Outcome::Kind::kWrong:
      log("wrong-pin");
      message_ = "staff.pin_wrong";
      message_arg_ = std::to_string(outcome.attempts_left_before_lockout);
      return;
    case PinGuard::Outcome::Kind::kLockedOut:
      if (outcome.locked_now) ++lockouts_;
      log("locked-out", std::to_string(outcome.retry_in_seconds) + " s");
      message_ = "staff.pin_locked";
      message_arg_ = std::to_string(outcome.retry_in_seconds);
      return;
  }
}

void Staff::apply(const StaffAction& a) {
  using K = StaffAction::Kind;
  touch();
  if (a.kind == K::kGesture) {
    if (screen_ == StaffScreen::kClosed) {
      go(StaffScreen::kPin);
      if (!pin_->has_pin()) message_ = "staff.no_pin";
    }
    return;
  }
  if (screen_ == StaffScreen::kClosed) return;
  const bool entering_number = screen_ == StaffScreen::kPin || screen_ == StaffScreen::kExitPin ||
                               screen_ == StaffScreen::kHeadcount || screen_ == StaffScreen::kPaperCard;
  switch (a.kind) {
    case K::kDigit:
      if (entering_number && digits_.size() < kMaxPinDigits && a.value.size() == 1 && a.value[0] >= '0' &&
          a.value[0] <= '9') {
        digits_ += a.value;
      }
      break;
    case K::kDeleteDigit:
      if (!digits_.empty()) digits_.pop_back();
      break;
    case K::kConfirm:
      if (screen_ == StaffScreen::kPin)
        check_pin(false);
      else if (screen_ == StaffScreen::kExitPin)
        check_pin(true);
      else if (screen_ == StaffScreen::kHeadcount) {
        const std::uint64_t headcount = digits_.empty() ? 0 : std::stoull(digits_);
        // Fewer people in the room than took part cannot be right (0: the room was not counted).
        const std::uint64_t took_part = event() ? event()->participants : 0;
        if (headcount > 0 && headcount < took_part) {
          message_ = "staff.headcount_too_low";
          message_arg_ = std::to_string(took_part);
          break;
        }
        auto closed = events_.close(headcount, clocks_.unix_seconds());
        if (!closed.ok()) {
          message_ = "staff.failed";
          message_arg_ = closed.message();
          break;
        }
        log("close-event", closed->id + " headcount " + std::to_string(headcount) + ", " +
                               std::to_string(closed->town_hall_records) + " town-hall and " +
                               std::to_string(closed->paper_records) + " paper records");
        last_closed_ = *closed;
        go(StaffScreen::kEvent);
      } else if (screen_ == StaffScreen::kPaperCard) {
        if (digits_.empty()) {
          message_ = "staff.card_number_needed";
          break;
        }
        // A card is transcribed once per event: the same number again is a card entered twice.
        if (events_.has_card(digits_)) {
          message_ = "staff.card_duplicate";
          message_arg_ = digits_;
          break;
        }
        pending_card_ = digits_;
        transcribing_card_ = digits_;
        transcribing_ = true;
        log("transcribe-card", "card " + digits_ + (event() ? " for " + event()->id : ""));
        wipe_string(digits_);
      }
      break;
    case K::kCancel:
      if (screen_ == StaffScreen::kPin)
        go(StaffScreen::kClosed);
      else if (screen_ == StaffScreen::kOperation && operation_running_) {
        cancel_requested_ = true;  // the app stops it; its end is reported as usual
        log("stop-operation", operation_title_);
      }
      else
        go(StaffScreen::kMenu);
      break;
    case K::kShow:
      if (a.value == "health")
        go(StaffScreen::kHealth);
      else if (a.value == "event")
        go(StaffScreen::kEvent), fields_[0].clear(), fields_[1].clear(), field_index_ = 0;
      else if (a.value == "paper")
        go(StaffScreen::kPaperCard);
      else if (a.value == "drives-export" || a.value == "drives-import") {
        go(StaffScreen::kDrives);
        drive_purpose_ = a.value == "drives-export" ? "export" : "import";
      }
      break;
    case K::kTypeText:
      if (screen_ == StaffScreen::kEvent && fields_[field_index_].size() + a.value.size() <= 60) {
        fields_[field_index_] += a.value;
      }
      break;
    case K::kBackspace:
      if (screen_ == StaffScreen::kEvent && !fields_[field_index_].empty()) {
        auto& f = fields_[field_index_];
        std::size_t cut = f.size() - 1;
        while (cut > 0 && (static_cast<unsigned char>(f[cut]) & 0xC0) == 0x80) --cut;
        f.erase(cut);
      }
      break;
    case K::kNextField: field_index_ = 1 - field_index_; break;
    case K::kStartEvent: {
      auto started = events_.start(fields_[0], fields_[1], clocks_.unix_seconds());
      if (!started.ok()) {
        message_ = "staff.failed";
        message_arg_ = started.message();
        break;
      }
      log("start-event", started->id + " '" + started->name + "' at '" + started->place + "'");
      last_closed_.reset();
      message_.clear();
      break;
    }
    case K::kCloseEvent:
      if (event()) go(StaffScreen::kHeadcount);
      break;
    case K::kSyncNow:
      pending_operation_ = Operation{"staff.sync_now", {"run", "--once"}};
      log("sync-now");
      go(StaffScreen::kOperation);
      operation_title_ = "staff.sync_now";
      operation_running_ = true;
      operation_exit_.reset();
      operation_line_.clear();
      break;
    case K::kChooseDrive: {
      if (screen_ != StaffScreen::kDrives) break;
      const bool exporting_now = drive_purpose_ == "export";
      pending_operation_ = Operation{exporting_now ? "staff.export" : "staff.import",
                                     {exporting_now ? "export" : "import-acks", a.value}};
      log(exporting_now ? "export-usb" : "import-usb", a.value);
      go(StaffScreen::kOperation);
      operation_title_ = pending_operation_->title;
      operation_running_ = true;
      operation_exit_.reset();
      operation_line_.clear();
      break;
    }
    case K::kLock:
      locked_ = true;
      log("lock");
      go(StaffScreen::kClosed);
      break;
    case K::kExit: go(StaffScreen::kExitPin); break;
    case K::kGesture: break;
  }
}

void Staff::tick() {
  if (screen_ == StaffScreen::kClosed || operation_running_ || transcribing_) return;
  if (clocks_.monotonic_ms() - last_activity_ >= inactivity_ms_) {
    if (screen_ != StaffScreen::kPin) log("timed-out");
    go(StaffScreen::kClosed);
    ++revision_;
  }
}

std::optional<std::uint64_t> Staff::ms_until_next_timer() const {
  if (screen_ == StaffScreen::kClosed || operation_running_ || transcribing_) return std::nullopt;
  const std::uint64_t elapsed = clocks_.monotonic_ms() - last_activity_;
  return elapsed >= inactivity_ms_ ? 0 : inactivity_ms_ - elapsed;
}

std::optional<Staff::Operation> Staff::take_operation() {
  auto op = std::move(pending_operation_);
  pending_operation_.reset();
  return op;
}

void Staff::operation_progress(const std::string& line) {
  operation_line_ = line;
  ++revision_;
}

bool Staff::take_cancel() { return std::exchange(cancel_requested_, false); }

void Staff::operation_finished(int exit_code, const std::string& summary) {
  cancel_requested_ = false;
  operation_running_ = false;
  operation_exit_ = exit_code;
  operation_line_ = summary;
  log("operation-finished", operation_title_ + " exit " + std::to_string(exit_code));
  touch();
}

std::optional<std::string> Staff::take_paper_card() {
  auto card = std::move(pending_card_);
  pending_card_.reset();
  return card;
}

void Staff::paper_card_done() {
  transcribing_ = false;
  transcribing_card_.clear();
  touch();
}

void Staff::set_health(HealthInfo info) {
  health_ = std::move(info);
  health_loaded_ = true;
  ++revision_;
}

void Staff::set_drives(std::vector<std::string> drives) {
  drives_ = std::move(drives);
  drives_loaded_ = true;
  ++revision_;
}

void Staff::record_stored(Channel channel, bool new_participant) {
  if (!events_.current()) return;
  const std::string card = channel == Channel::kPaper ? transcribing_card_ : std::string();
  if (auto s = events_.count(channel, new_participant, card); !s.ok()) log("count-failed", s.message());
  ++revision_;
}

}  // namespace civic::kiosk
