// The staff PIN: stored only as an Argon2id hash (libsodium crypto_pwhash_str), checked with a
// growing delay after wrong entries so that a PIN cannot be guessed at a public kiosk. The
// lock-out state is kept on disk, so restarting the kiosk does not reset it. The PIN itself is
// never written anywhere, logged or kept after the check.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "sync/common/result.h"

namespace civic::kiosk {

inline constexpr std::size_t kMinPinDigits = 6;
inline constexpr std::size_t kMaxPinDigits = 12;

// Argon2id with libsodium's "interactive" limits (64 MiB, 2 passes): about a tenth of a second on
// a small PC, which is what each guess costs an attacker as well.
[[nodiscard]] Result<std::string> hash_pin(const std::string& pin);
// Writes the hash to `path` (0600), replacing any earlier PIN.
[[nodiscard]] Status save_pin_hash(const std::filesystem::path& path, const std::string& pin);

class PinGuard {
 public:
  using Clock = std::function<std::uint64_t()>;  // Unix seconds (the lock-out must survive reboots)

  struct Outcome {
    enum class Kind { kAccepted, kWrong, kLockedOut, kNoPin } kind;
    std::uint64_t retry_in_seconds = 0;  // for kWrong and kLockedOut: how long until the next try
    int attempts_left_before_lockout = 0;
    bool locked_now = false;  // this wrong PIN locked staff mode (a lock-out event, for health reports)
  };

  // `hash_file`: the stored hash; `state_file`: failures and lock-out, kept between runs.
  PinGuard(std::filesystem::path hash_file, std::filesystem::path state_file, Clock clock);

  bool has_pin() const;
  // Checks a PIN. Three wrong in a row lock staff mode for 30 s, doubling with every further
  // wrong PIN up to an hour; a right one resets the count.
  Outcome check(const std::string& pin);
  // Seconds until a PIN may be tried again (0: now).
  std::uint64_t locked_for() const;
  // A fresh start for the lock-out, written when a new PIN is set. Once a PIN exists, a lock-out
  // file that is missing or unreadable counts as a lock-out: deleting it does not reset the count.
  [[nodiscard]] static Status reset(const std::filesystem::path& state_file);

  static constexpr int kFreeAttempts = 3;
  static constexpr std::uint64_t kFirstLockSeconds = 30;
  static constexpr std::uint64_t kMaxLockSeconds = 3600;

 private:
  void load();
  void save() const;

  std::filesystem::path hash_file_, state_file_;
  Clock clock_;
  int failures_ = 0;
  std::uint64_t locked_until_ = 0;
};

}  // namespace civic::kiosk
