#include "pin.h"

#include <sodium.h>

#include <algorithm>
#include <sstream>

#include "sync/files/files.h"

namespace civic::kiosk {

namespace {

bool valid_pin(const std::string& pin) {
  return pin.size() >= kMinPinDigits && pin.size() <= kMaxPinDigits &&
         std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The first line of a small state file; empty when it is missing or unreadable.
std::string read_first_line(const std::filesystem::path& path) {
  auto text = files::read_text_file(path, 4096);
  if (!text.ok()) return {};
  return text->substr(0, text->find('\n'));
}

Status write_private_file(const std::filesystem::path& path, const std::string& text) {
  return files::write_file(path, text, {.mode = 0600});
}

}  // namespace

// One digit repeated (111111) or a run up or down (123456, 987654, 901234): the first PINs guessed.
bool trivial_pin(const std::string& pin) {
  bool same = true, up = true, down = true;
  for (std::size_t i = 1; i < pin.size(); ++i) {
    const int step = (pin[i] - pin[i - 1] + 10) % 10;
    same = same && step == 0;
    up = up && step == 1;
    down = down && step == 9;
  }
  return same || up || down;
}

Result<std::string> hash_pin(const std::string& pin) {
  if (!valid_pin(pin)) {
    return make_error(ErrorCode::kInvalidArgument, "a staff PIN is " + std::to_string(kMinPinDigits) +
                                                       " to " + std::to_string(kMaxPinDigits) + " digits");
  }
  if (trivial_pin(pin)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "that PIN is too easy to guess (one digit repeated, or digits in a row such as 123456): "
                      "choose another; nothing was changed");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return make_error(ErrorCode::kInternal, "not enough memory to hash the PIN (Argon2id needs 64 MiB)");
  }
  return std::string(out);
}

Status save_pin_hash(const std::filesystem::path& path, const std::string& pin) {
  CIVIC_ASSIGN(hash, hash_pin(pin));
  return write_private_file(path, hash + "\n");
}

PinGuard::PinGuard(std::filesystem::path hash_file, std::filesystem::path state_file, Clock clock)
    : hash_file_(std::move(hash_file)), state_file_(std::move(state_file)), clock_(std::move(clock)) {
  load();
}

bool PinGuard::has_pin() const {
  return !read_first_line(hash_file_).empty();
}

std::uint64_t PinGuard::locked_for() const {
  const std::uint64_t now = clock_();
  return locked_until_ > now ? locked_until_ - now : 0;
}

PinGuard::Outcome PinGuard::check(const std::string& pin) {
  const std::string hash = read_first_line(hash_file_);
  if (hash.empty()) return {Outcome::Kind::kNoPin, 0, 0};
  if (const auto wait = locked_for(); wait > 0) return {Outcome::Kind::kLockedOut, wait, 0};
  if (valid_pin(pin) && crypto_pwhash_str_verify(hash.c_str(), pin.data(), pin.size()) == 0) {
    failures_ = 0;
    locked_until_ = 0;
    save();
    return {Outcome::Kind::kAccepted, 0, kFreeAttempts};
  }
  ++failures_;
  if (failures_ >= kFreeAttempts) {
    const int doublings = std::min(failures_ - kFreeAttempts, 10);
    locked_until_ = clock_() + std::min(kMaxLockSeconds, kFirstLockSeconds << doublings);
  }
  save();
  if (locked_for() > 0) return {Outcome::Kind::kLockedOut, locked_for(), 0, true};
  return {Outcome::Kind::kWrong, 0, kFreeAttempts - failures_};
}

void PinGuard::load() {
  auto text = files::read_text_file(state_file_, 4096);
  std::istringstream in(text.ok() ? *text : std::string());
  std::string extra;
  in >> failures_ >> locked_until_;
  const bool read = static_cast<bool>(in) && failures_ >= 0 && !(in >> extra);
  if (read) return;
  failures_ = 0;
  locked_until_ = 0;
  if (!has_pin()) return;
  // Missing or garbled while a PIN is set: someone may have removed it to reset the count. Lock.
  failures_ = kFreeAttempts;
  locked_until_ = clock_() + kFirstLockSeconds;
  save();
}

Status PinGuard::reset(const std::filesystem::path& state_file) { return write_private_file(state_file, "0 0\n"); }

void PinGuard::save() const {
  // Best effort: if the state cannot be written the count still holds in memory.
  (void)write_private_file(state_file_,
                           std::to_string(failures_) + " " + std::to_string(locked_until_) + "\n");
}

}  // namespace civic::kiosk
