// Staff mode: what field staff and library staff do at the terminal, as a pure state machine like
// the resident's session. Reached by a hidden gesture and the staff PIN; left by PIN, or on its
// own after inactivity. It shows counts only, never a resident's words. Effects (running the sync
// agent, starting a paper-card transcription) are handed to the app, which reports back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pin.h"
#include "staff_log.h"
#include "sync/events/events.h"

namespace civic::kiosk {

enum class StaffScreen {
  kClosed,  // residents' screens
  kPin,     // PIN to come in
  kMenu,
  kHealth,
  kEvent,      // start (name, place) or see the open one
  kHeadcount,  // close the open event with the number of people in the room
  kPaperCard,  // the number of the next paper card to transcribe
  kDrives,     // choose a drive for export or import
  kOperation,  // sync / export / import running, then its result
  kExitPin,    // PIN again to leave
};
const char* staff_screen_name(StaffScreen s);

// Counts for the health screen, gathered by the app from the kiosk's store.
struct HealthInfo {
  std::string kiosk_id, key_fingerprint, hub_url;
  std::uint64_t unsent = 0;  // not yet acknowledged by the hub: pending and in a batch
  std::uint64_t unacknowledged_batches = 0;
  std::optional<std::uint64_t> oldest_unsent_at;
  std::optional<std::uint64_t> last_sync_at, last_success_at;
  std::string last_sync_result;
  std::uint64_t content_version = 0, content_expires_at = 0;
  std::uint64_t free_disk_bytes = 0;
  std::string integrity;  // "ok", or what is wrong
  std::string speech;     // "ok", or why the kiosk cannot speak (no sound card, turned off)
  std::string hub_log;    // the kiosk as a witness of the hub's transparency log: checked, or refused and why
};

struct StaffAction {
  enum class Kind {
    kGesture,  // the hidden long press: opens the PIN pad
    kDigit,    // value: "0".."9"
    kDeleteDigit,
    kConfirm,   // the PIN, the headcount or the card number entered
    kCancel,    // back to the menu, or (from the PIN pad) out
    kShow,      // value: "health", "event", "paper", "drives-export", "drives-import"
    kTypeText,  // value: text for the event name being typed
    kBackspace,
    kNextField,  // event form: from name to place
    kStartEvent,
    kCloseEvent,  // to the headcount
    kSyncNow,
    kChooseDrive,  // value: the drive's mount point
    kLock,         // out of service for residents until staff come back
    kExit,         // asks for the PIN again
  };
  Kind kind;
  std::string value;
};

class Staff {
 public:
  struct Clocks {
    std::function<std::uint64_t()> monotonic_ms;
    std::function<std::uint64_t()> unix_seconds;
  };
  Staff(std::unique_ptr<PinGuard> pin, StaffLog log, EventBook events, Clocks clocks,
        std::uint64_t inactivity_ms = 180000);

  void apply(const StaffAction& action);
  void tick();  // leaves staff mode after inactivity
  std::optional<std::uint64_t> ms_until_next_timer() const;

  // [SECTION] State for screens
  StaffScreen screen() const { return screen_; }
  bool active() const { return screen_ != StaffScreen::kClosed && screen_ != StaffScreen::kPin; }
  bool locked() const { return locked_; }              // residents see "out of service"
  bool transcribing() const { return transcribing_; }  // a paper card is being entered: resident screens
  std::size_t digits_entered() const { return digits_.size(); }
  const std::string& number() const { return digits_; }  // headcount / card number (not the PIN)
  const std::string& field(int i) const { return fields_[i]; }
  int field_index() const { return field_index_; }
  // A catalogue key ("staff.pin_wrong") and its {n}, for the screen to translate.
  const std::string& message() const { return message_; }
  const std::string& message_arg() const { return message_arg_; }
  const std::optional<TownHallEvent>& event() const { return events_.current(); }
  const std::optional<TownHallEvent>& last_closed() const { return last_closed_; }
  const HealthInfo& health() const { return health_; }
  const std::vector<std::string>& drives() const { return drives_; }
  bool exporting() const { return drive_purpose_ == "export"; }
  const std::string& operation_title() const { return operation_title_; }
  const std::string& operation_line() const { return operation_line_; }
  bool operation_running() const { return operation_running_; }
  std::optional<int> operation_exit() const { return operation_exit_; }
  std::uint64_t revision() const { return revision_; }
  // Staff PIN lock-outs in this run (for the kiosk's health report).
  std::uint64_t lockouts() const { return lockouts_; }

  // [SECTION] Effects for the app
  struct Operation {
    std::string title;              // for the screen
    std::vector<std::string> args;  // civic-sync arguments, e.g. {"run", "--once"}
  };
  std::optional<Operation> take_operation();
  void operation_progress(const std::string& line);
  void operation_finished(int exit_code, const std::string& summary);
  // Staff asked to stop the running operation (Stop on its screen): the app stops it.
  bool take_cancel();
  // A paper card number to transcribe: the app starts a resident flow with channel "paper".
  std::optional<std::string> take_paper_card();
  void paper_card_done();  // the transcription ended (stored or abandoned): next card
  // The app fills these in when asked (the screens never touch storage).
  bool wants_health() const { return screen_ == StaffScreen::kHealth && !health_loaded_; }
  void set_health(HealthInfo info);
  bool wants_drives() const { return screen_ == StaffScreen::kDrives && !drives_loaded_; }
  void set_drives(std::vector<std::string> drives);
  // A record was stored: counted for the open event.
  // `new_participant`: the first record of its resident's session (see EventBook::count).
  void record_stored(Channel channel, bool new_participant);
  // The participation the resident session should use: channel, event id.
  Channel channel() const { return events_.current() ? Channel::kTownHall : Channel::kKiosk; }
  std::string event_id() const { return events_.current() ? events_.current()->id : std::string(); }

 private:
  void go(StaffScreen s);
  void log(const std::string& action, const std::string& detail = {});
  void check_pin(bool leaving);
  void touch();

  std::unique_ptr<PinGuard> pin_;
  StaffLog log_;
  EventBook events_;
  Clocks clocks_;
  std::uint64_t inactivity_ms_;

  StaffScreen screen_ = StaffScreen::kClosed;
  bool locked_ = false;
  std::uint64_t lockouts_ = 0;
  std::string digits_;  // PIN (wiped after each check), headcount or card number
  std::string fields_[2];
  int field_index_ = 0;
  std::string message_, message_arg_;
  std::optional<TownHallEvent> last_closed_;
  HealthInfo health_;
  bool health_loaded_ = false;
  std::vector<std::string> drives_;
  bool drives_loaded_ = false;
  std::string drive_purpose_;
  std::optional<Operation> pending_operation_;
  std::string operation_title_, operation_line_;
  bool operation_running_ = false;
  std::optional<int> operation_exit_;
  std::optional<std::string> pending_card_;
  bool cancel_requested_ = false;
  std::string transcribing_card_;  // the card being transcribed: counted with its record
  bool transcribing_ = false;
  std::uint64_t last_activity_ = 0;
  std::uint64_t revision_ = 0;
};

}  // namespace civic::kiosk
