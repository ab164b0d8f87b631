#include "terminal_pin.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "kiosk/staff/pin.h"
#include "kiosk/staff/staff_log.h"
#include "sync/protocol/record.h"

namespace civic::kiosk {

namespace {

// Echo off on a terminal while it lives, back on when it ends.
class QuietTerminal {
 public:
  QuietTerminal() : tty_(::isatty(STDIN_FILENO) != 0) {
    if (!tty_) return;
    ::tcgetattr(STDIN_FILENO, &saved_);
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  ~QuietTerminal() {
    if (tty_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  QuietTerminal(const QuietTerminal&) = delete;
  QuietTerminal& operator=(const QuietTerminal&) = delete;
  bool tty() const { return tty_; }

 private:
  bool tty_;
  termios saved_{};
};

}  // namespace

Status set_staff_pin_from_terminal(const KioskConfig& config, std::uint64_t unix_now) {
  std::string first, second;
  {
    QuietTerminal terminal;
    if (terminal.tty()) std::fprintf(stderr, "new staff PIN (%zu to %zu digits): ", kMinPinDigits, kMaxPinDigits);
    std::getline(std::cin, first);
    if (terminal.tty()) std::fprintf(stderr, "\nagain: ");
    std::getline(std::cin, second);
    if (terminal.tty()) std::fprintf(stderr, "\n");
  }
  const bool same = first == second;
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  Status saved = same ? save_pin_hash(config.staff_pin_path(), first)
                      : Status(make_error(ErrorCode::kInvalidArgument, "the two PINs differ; nothing was changed"));
  wipe_string(first);
  wipe_string(second);
  CIVIC_TRY(saved);
  CIVIC_TRY(PinGuard::reset(config.state_dir / "staff-lockout"));
  (void)StaffLog(config.state_dir / "staff.log").record(unix_now, "set-pin");
  return {};
}

}  // namespace civic::kiosk
