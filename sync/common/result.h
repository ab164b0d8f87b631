// Errors as values at module boundaries: Result<T> holds either a T or an Error that a person can
// act on. Every function that can fail returns one; callers must look at it ([[nodiscard]]).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace civic {

// Each distinct way to fail has its own code, so callers and tests can tell them apart without
// parsing messages. Messages are for people and say what to do.
enum class ErrorCode {
  kInvalidArgument,
  kBadMagic,
  kUnknownVersion,
  kTruncated,
  kTrailingBytes,
  kLengthOverflow,
  kOversize,
  kNotCanonical,
  kMalformed,
  kBadSignature,
  kDecryptFailed,
  kChainMismatch,
  kRollback,
  kEquivocation,
  kExpired,
  kWrongKeyType,
  kCorruptKeyFile,
  kInsecurePermissions,
  kBadReceiptCode,
  kIo,
  kDiskFull,
  kCorruptDatabase,
  kForeignDatabase,
  kBusy,
  kNotFound,
  kConflict,
  kUnauthorized,
  kRateLimited,
  kUnavailable,
  kInternal,
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}      // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }
  ErrorCode code() const { return error().code; }
  const std::string& message() const { return error().message; }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  ErrorCode code() const { return error_.code; }
  const std::string& message() const { return error_.message; }

 private:
  Error error_{ErrorCode::kInternal, {}};
  bool ok_ = true;
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace civic

// Propagate a failed Status or Result from the current function.
#define CIVIC_TRY(expr)                                   \
  do {                                                    \
    auto&& civic_try_result_ = (expr);                    \
    if (!civic_try_result_.ok()) {                        \
      return civic_try_result_.error();                   \
    }                                                     \
  } while (false)

// Declare `var` from a Result, or propagate its error from the current function.
#define CIVIC_ASSIGN(var, expr)                             \
  auto var##_civic_result_ = (expr);                        \
  if (!var##_civic_result_.ok()) {                          \
    return var##_civic_result_.error();                     \
  }                                                         \
  auto var = std::move(*var##_civic_result_)
