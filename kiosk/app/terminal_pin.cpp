#include "terminal_pin.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "kiosk/staff/pin.h"
#include "kiosk/staff/staff_log.h"
#include "sync/cli/cli.h"
#include "sync/protocol/record.h"

namespace civic::kiosk {

Status set_staff_pin_from_terminal(const KioskConfig& config, std::uint64_t unix_now) {
  CIVIC_ASSIGN(pin, read_new_secret("new staff PIN (" + std::to_string(kMinPinDigits) + " to " +
                                      std::to_string(kMaxPinDigits) + " digits)", "PINs"));
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  Status saved = save_pin_hash(config.staff_pin_path(), pin);
  wipe_string(pin);
  CIVIC_TRY(saved);
  CIVIC_TRY(PinGuard::reset(config.state_dir / "staff-lockout"));
  (void)StaffLog(config.state_dir / "staff.log").record(unix_now, "set-pin");
  return {};
}

}  // namespace civic::kiosk
