// Setting the staff PIN at the kiosk's terminal (civic-kiosk --set-staff-pin), during installation.
#pragma once

#include "sync/config/config.h"
#include "sync/common/result.h"

namespace civic::kiosk {

// Reads a new staff PIN twice from standard input (without echo on a terminal), stores its
// Argon2id hash, clears any lock-out and logs it. kInvalidArgument when the two differ or the PIN
// is refused (too short, too simple); nothing is changed then.
[[nodiscard]] Status set_staff_pin_from_terminal(const KioskConfig& config, std::uint64_t unix_now);

}  // namespace civic::kiosk
