// Staff mode: the PIN (Argon2id, lock-out with a fake clock, never stored or logged in clear),
// events and their counts, inactivity.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kiosk/staff/staff.h"
#include "tests/temp_dir.h"

using namespace civic;
using namespace civic::kiosk;
namespace fs = std::filesystem;

namespace {

using civic::test::TempDir;

std::string everything_in(const fs::path& dir) {
  std::string all;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

const std::string kPin = "493817";

struct World {
  TempDir dir;
  std::uint64_t unix_now = 1795000000;
  std::uint64_t mono = 1000;
  std::unique_ptr<Staff> staff;
  World() {
    REQUIRE(save_pin_hash(dir.path / "staff-pin", kPin).ok());
    REQUIRE(PinGuard::reset(dir.path / "staff-lockout").ok());  // as civic-kiosk --set-staff-pin does
    auto events = EventBook::open(dir.path);
    REQUIRE(events.ok());
    staff =
        std::make_unique<Staff>(std::make_unique<PinGuard>(dir.path / "staff-pin", dir.path / "staff-lockout",
                                                           [this] { return unix_now; }),
                                StaffLog(dir.path / "staff.log"), std::move(*events),
                                Staff::Clocks{[this] { return mono; }, [this] { return unix_now; }}, 60000);
  }
  void act(StaffAction::Kind k, const std::string& v = {}) { staff->apply(StaffAction{k, v}); }
  void enter(const std::string& digits) {
    for (char c : digits) act(StaffAction::Kind::kDigit, std::string(1, c));
    act(StaffAction::Kind::kConfirm);
  }
};

}  // namespace

TEST_CASE("the staff PIN: Argon2id on disk, right and wrong, lock-out that grows and survives restarts",
          "[staff][pin]") {
  TempDir dir;
  std::uint64_t now = 1795000000;
  REQUIRE(save_pin_hash(dir.path / "staff-pin", kPin).ok());
  const std::string stored = everything_in(dir.path);
  CHECK(stored.rfind("$argon2id$", 0) == 0);
  CHECK(stored.find(kPin) == std::string::npos);
  CHECK((fs::status(dir.path / "staff-pin").permissions() & fs::perms::group_all) == fs::perms::none);
  CHECK_FALSE(save_pin_hash(dir.path / "staff-pin", "12a456").ok());
  CHECK_FALSE(save_pin_hash(dir.path / "staff-pin", "123").ok());
  // PINs anyone would try first are refused, with a reason.
  for (const char* easy : {"111111", "123456", "654321", "901234", "00000000"}) {
    auto refused = save_pin_hash(dir.path / "easy-pin", easy);
    CHECK_FALSE(refused.ok());
    CHECK(refused.message().find("too easy") != std::string::npos);
  }
  CHECK(save_pin_hash(dir.path / "easy-pin", "135792").ok());

  using Kind = PinGuard::Outcome::Kind;
  REQUIRE(PinGuard::reset(dir.path / "lockout").ok());
  PinGuard guard(dir.path / "staff-pin", dir.path / "lockout", [&] { return now; });
  CHECK(guard.check(kPin).kind == Kind::kAccepted);
  auto w1 = guard.check("000000");
  CHECK(w1.kind == Kind::kWrong);
  CHECK(w1.attempts_left_before_lockout == 2);
  CHECK(guard.check("111111").attempts_left_before_lockout == 1);
  auto locked = guard.check("222222");
  CHECK(locked.kind == Kind::kLockedOut);
  CHECK(locked.locked_now);  // a lock-out event, for the kiosk's health report
  CHECK(locked.retry_in_seconds == PinGuard::kFirstLockSeconds);
  // While locked, even the right PIN is not checked (and that is not another lock-out).
  now += 10;
  auto still = guard.check(kPin);
  CHECK(still.kind == Kind::kLockedOut);
  CHECK_FALSE(still.locked_now);
  // A restart does not reset the lock-out.
  PinGuard restarted(dir.path / "staff-pin", dir.path / "lockout", [&] { return now; });
  CHECK(restarted.locked_for() == PinGuard::kFirstLockSeconds - 10);
  // Nor does deleting or garbling its file: an unreadable lock-out is a lock-out.
  {
    fs::copy_file(dir.path / "lockout", dir.path / "lockout.kept");
    fs::remove(dir.path / "lockout");
    PinGuard deleted(dir.path / "staff-pin", dir.path / "lockout", [&] { return now; });
    CHECK(deleted.locked_for() == PinGuard::kFirstLockSeconds);
    CHECK(deleted.check(kPin).kind == Kind::kLockedOut);
    std::ofstream(dir.path / "lockout") << "garbage";
    PinGuard garbled(dir.path / "staff-pin", dir.path / "lockout", [&] { return now; });
    CHECK(garbled.locked_for() == PinGuard::kFirstLockSeconds);
    fs::remove(dir.path / "lockout");
    fs::rename(dir.path / "lockout.kept", dir.path / "lockout");
  }
  // The next wrong PIN after the lock doubles it.
  now += 20;
  CHECK(restarted.locked_for() == 0);
  auto again = restarted.check("333333");
  CHECK(again.kind == Kind::kLockedOut);
  CHECK(again.retry_in_seconds == 2 * PinGuard::kFirstLockSeconds);
  now += 2 * PinGuard::kFirstLockSeconds;
  CHECK(restarted.check(kPin).kind == Kind::kAccepted);
  CHECK(restarted.locked_for() == 0);
  CHECK(restarted.check("444444").attempts_left_before_lockout == 2);  // the count starts afresh
  // The cap: an hour at most.
  for (int i = 0; i < 20; ++i) {
    now += PinGuard::kMaxLockSeconds;
    (void)restarted.check("555555");
  }
  CHECK(restarted.locked_for() == PinGuard::kMaxLockSeconds);
  CHECK(everything_in(dir.path).find(kPin) == std::string::npos);
}

TEST_CASE("staff mode: gesture and PIN, an event with counts and a headcount, inactivity, PIN to leave",
          "[staff]") {
  World w;
  using K = StaffAction::Kind;
  CHECK(w.staff->screen() == StaffScreen::kClosed);
  w.act(K::kDigit, "1");  // nothing happens outside staff mode
  w.act(K::kGesture);
  REQUIRE(w.staff->screen() == StaffScreen::kPin);
  w.enter("000000");
  CHECK(w.staff->screen() == StaffScreen::kPin);
  CHECK(w.staff->message() == "staff.pin_wrong");
  CHECK(w.staff->digits_entered() == 0);  // a wrong PIN is wiped
  w.enter(kPin);
  REQUIRE(w.staff->screen() == StaffScreen::kMenu);
  CHECK(w.staff->channel() == Channel::kKiosk);

  w.act(K::kShow, "event");
  for (const char* s : {"Ward 3", " meeting"}) w.act(K::kTypeText, s);
  w.act(K::kNextField);
  w.act(K::kTypeText, "Town hall");
  w.act(K::kStartEvent);
  REQUIRE(w.staff->event());
  CHECK(w.staff->event()->name == "Ward 3 meeting");
  CHECK(w.staff->event()->place == "Town hall");
  CHECK(w.staff->channel() == Channel::kTownHall);
  const std::string id = w.staff->event_id();
  CHECK(id.rfind("ev-20261118-", 0) == 0);
  w.staff->record_stored(Channel::kTownHall, true);
  w.staff->record_stored(Channel::kTownHall, false);  // the same resident's second consultation
  w.staff->record_stored(Channel::kPaper, true);
  // The event survives a restart of the kiosk.
  auto reopened = EventBook::open(w.dir.path);
  REQUIRE(reopened.ok());
  REQUIRE(reopened->current());
  CHECK(reopened->current()->town_hall_records == 2);
  CHECK(reopened->current()->participants == 2);

  w.act(K::kCloseEvent);
  REQUIRE(w.staff->screen() == StaffScreen::kHeadcount);
  // A room of one cannot hold the two people who took part: refused, with the number to beat.
  w.enter("1");
  CHECK(w.staff->message() == "staff.headcount_too_low");
  CHECK(w.staff->message_arg() == "2");
  CHECK(w.staff->event());
  while (w.staff->number().size() > 0) w.act(K::kDeleteDigit);
  w.enter("40");
  REQUIRE(w.staff->last_closed());
  CHECK(w.staff->last_closed()->headcount == 40);
  CHECK(w.staff->last_closed()->town_hall_records == 2);
  CHECK(w.staff->last_closed()->paper_records == 1);
  CHECK_FALSE(w.staff->event());
  CHECK(w.staff->channel() == Channel::kKiosk);

  // Paper cards: the number goes to the app, which runs the transcription.
  w.act(K::kCancel);
  w.act(K::kShow, "paper");
  w.act(K::kConfirm);
  CHECK(w.staff->message() == "staff.card_number_needed");
  w.enter("0117");
  CHECK(w.staff->take_paper_card() == std::optional<std::string>("0117"));
  w.mono += 120000;
  w.staff->tick();
  CHECK(w.staff->screen() == StaffScreen::kPaperCard);  // no time-out while a card is transcribed
  w.staff->paper_card_done();

  // Inactivity ends staff mode.
  w.mono += 60001;
  w.staff->tick();
  CHECK(w.staff->screen() == StaffScreen::kClosed);

  // Leaving needs the PIN again.
  w.act(K::kGesture);
  w.enter(kPin);
  w.act(K::kExit);
  REQUIRE(w.staff->screen() == StaffScreen::kExitPin);
  w.enter("999999");
  CHECK(w.staff->screen() == StaffScreen::kExitPin);
  w.enter(kPin);
  CHECK(w.staff->screen() == StaffScreen::kClosed);

  // Every action is in the log; the PIN never is.
  std::ifstream in(w.dir.path / "staff.log");
  std::stringstream log;
  log << in.rdbuf();
  for (const char* action : {"\"enter\"", "\"wrong-pin\"", "\"start-event\"", "\"close-event\"",
                             "\"transcribe-card\"", "\"timed-out\"", "\"exit\""}) {
    CHECK_THAT(log.str(), Catch::Contains(action));
  }
  CHECK_THAT(log.str(), Catch::Contains("headcount 40"));
  CHECK(everything_in(w.dir.path).find(kPin) == std::string::npos);
}

TEST_CASE("staff operations are handed to the app, and lock keeps residents out", "[staff]") {
  World w;
  using K = StaffAction::Kind;
  w.act(K::kGesture);
  w.enter(kPin);
  w.act(K::kSyncNow);
  auto op = w.staff->take_operation();
  REQUIRE(op);
  CHECK(op->args == std::vector<std::string>{"run", "--once"});
  CHECK(w.staff->operation_running());
  w.mono += 600000;
  w.staff->tick();
  CHECK(w.staff->screen() == StaffScreen::kOperation);  // never times out mid-operation
  w.staff->operation_finished(0, "12 records acknowledged");
  CHECK(w.staff->operation_exit() == 0);
  w.act(K::kCancel);
  w.act(K::kShow, "drives-export");
  REQUIRE(w.staff->wants_drives());
  w.staff->set_drives({"/media/usb0"});
  w.act(K::kChooseDrive, "/media/usb0");
  op = w.staff->take_operation();
  REQUIRE(op);
  CHECK(op->args == std::vector<std::string>{"export", "/media/usb0"});
  w.staff->operation_finished(74, "the drive is full");
  w.act(K::kCancel);
  w.act(K::kLock);
  CHECK(w.staff->locked());
  CHECK(w.staff->screen() == StaffScreen::kClosed);
  w.act(K::kGesture);
  w.enter(kPin);
  CHECK_FALSE(w.staff->locked());
}

TEST_CASE("a paper card is transcribed once per event: the same number again is refused", "[staff]") {
  World w;
  using K = StaffAction::Kind;
  w.act(K::kGesture);
  w.enter(kPin);
  w.act(K::kShow, "event");
  w.act(K::kTypeText, "Ward 5");
  w.act(K::kStartEvent);
  REQUIRE(w.staff->event());
  w.act(K::kCancel);
  w.act(K::kShow, "paper");
  w.enter("0117");
  REQUIRE(w.staff->take_paper_card() == std::optional<std::string>("0117"));
  w.staff->record_stored(Channel::kPaper, true);
  w.staff->paper_card_done();
  w.enter("0117");
  CHECK(w.staff->message() == "staff.card_duplicate");
  CHECK(w.staff->message_arg() == "0117");
  CHECK_FALSE(w.staff->take_paper_card());
  while (!w.staff->number().empty()) w.act(K::kDeleteDigit);
  w.enter("0118");
  CHECK(w.staff->take_paper_card() == std::optional<std::string>("0118"));
  // The numbers are kept with the event, so a restarted kiosk still knows them.
  auto reopened = EventBook::open(w.dir.path);
  REQUIRE(reopened.ok());
  CHECK(reopened->has_card("0117"));
  CHECK_FALSE(reopened->has_card("0118"));  // not stored yet: a card abandoned is not used
}

TEST_CASE("a running operation can be stopped by staff", "[staff]") {
  World w;
  using K = StaffAction::Kind;
  w.act(K::kGesture);
  w.enter(kPin);
  w.act(K::kSyncNow);
  REQUIRE(w.staff->take_operation());
  REQUIRE(w.staff->operation_running());
  CHECK_FALSE(w.staff->take_cancel());
  w.act(K::kCancel);  // "Stop" on the operation screen
  CHECK(w.staff->screen() == StaffScreen::kOperation);
  CHECK(w.staff->take_cancel());
  CHECK_FALSE(w.staff->take_cancel());  // asked once
  w.staff->operation_finished(143, "stopped by staff");
  CHECK_FALSE(w.staff->operation_running());
  CHECK(w.staff->operation_line() == "stopped by staff");
}
