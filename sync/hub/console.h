// The operator console, served by civic-hub serve under /console: server-rendered HTML in English
// and French, usable without JavaScript. Pages: the fleet (each kiosk's health and what needs
// attention), one kiosk's history and revocation, enrolment tokens (shown once, as text and a QR
// code), consultations (upload, check with line-level errors, preview as the kiosk shows them,
// publish with the offline content key), hub events, and results to download.
//
// Operators log in with a name and a password (Argon2id); roles: viewer (reads everything),
// publisher (also checks and publishes consultations), admin (also enrols and revokes kiosks).
// Sessions live in HttpOnly, SameSite=Strict, Secure cookies; every form carries the session's
// CSRF token; failed logins lock the account for a while, growing; every action goes into the
// hub's event log with the operator's name. Nothing but the login page answers without a session.
#pragma once

#include <string>

#include "http_server.h"
#include "metrics.h"
#include "service.h"

namespace civic {

enum class OperatorRole { kViewer = 0, kPublisher = 1, kAdmin = 2 };
std::optional<OperatorRole> operator_role(const std::string& name);
const char* operator_role_name(OperatorRole role);

// Accounts (civic-hub operator add|passwd|remove). Names: 1 to 64 of a-z 0-9 . _ -; passwords:
// 12 to 1024 bytes.
[[nodiscard]] Status add_operator(HubStore& store, const std::string& name, OperatorRole role,
                                  const std::string& password, std::uint64_t now);
[[nodiscard]] Status set_operator_password(HubStore& store, const std::string& name, const std::string& password);

// Failed logins: after kFreeLoginFailures in a row an account is locked for a minute, doubling
// with each further failure up to an hour; a right password ends it.
inline constexpr std::uint64_t kFreeLoginFailures = 5;
struct LoginOutcome {
  enum class Kind { kAccepted, kWrong, kLockedOut } kind = Kind::kWrong;
  std::uint64_t retry_in_seconds = 0;
  OperatorAccount account;
};
// Checks a name and password (an unknown name costs the same time as a wrong password).
[[nodiscard]] Result<LoginOutcome> check_login(HubStore& store, const std::string& name, const std::string& password,
                                               std::uint64_t now);

// Registers every /console route on the server. `client`: who sent a request (the peer, or the
// address a trusted proxy names), for the limit on failed logins per address.
void add_console_routes(HttpServer& server, HubService& service, std::function<std::uint64_t()> clock,
                        std::function<std::string(const HttpRequest&)> client);

}  // namespace civic
