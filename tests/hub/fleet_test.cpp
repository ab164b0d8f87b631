// Kiosk health as the hub keeps and judges it, and the operator console's accounts and forms.
#include <catch2/catch.hpp>

#include "sync/health/kiosk_health.h"
#include "sync/hub/console.h"
#include "sync/hub/fleet.h"
#include "sync/hub/web_ui.h"
#include "tests/hub/hub_fixture.h"

namespace civic {
namespace {

using test::kNow;

HealthReport report_for(const test::Hub& hub, std::uint64_t sequence) {
  HealthReport h;
  h.kiosk_id = hub.kiosk;
  h.sequence = sequence;
  h.created_at = kNow;
  h.software_version = "0.9.0";
  h.speech = SpeechHealth::kAvailable;
  h.disk_bytes = 1000;
  h.free_disk_bytes = 500;
  return h;
}

Bytes signed_report(const HealthReport& h) {
  auto bytes = encode_signed_health_report(h, test::kiosk_key());
  REQUIRE(bytes.ok());
  return *bytes;
}

}  // namespace

TEST_CASE("health reports: an older one joins the history and never replaces the newer", "[hub][health]") {
  test::Hub hub;
  auto newer = hub.service->accept_health_report(signed_report(report_for(hub, 20)), "http", kNow);
  REQUIRE(newer.ok());
  CHECK(newer->second == HealthReportOutcome::kLatest);
  HealthReport late = report_for(hub, 10);
  late.backlog_records = 99;  // what the USB drive carried, made before the network sync
  auto older = hub.service->accept_health_report(signed_report(late), "usb", kNow + 60);
  REQUIRE(older.ok());
  CHECK(older->second == HealthReportOutcome::kOlder);
  auto repeat = hub.service->accept_health_report(signed_report(late), "usb", kNow + 120);
  REQUIRE(repeat.ok());
  CHECK(repeat->second == HealthReportOutcome::kRepeat);

  auto latest = hub.service->store().latest_health_reports();
  REQUIRE(latest.ok());
  REQUIRE(latest->size() == 1);
  CHECK((*latest)[0].report.sequence == 20);
  CHECK((*latest)[0].report.backlog_records == 0);
  auto history = hub.service->store().health_reports(hub.kiosk, 10);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].report.sequence == 20);  // newest first
  CHECK((*history)[1].via == "usb");
}

TEST_CASE("health reports: the history per kiosk is bounded", "[hub][health]") {
  test::Hub hub;
  for (std::uint64_t s = 1; s <= kHealthHistoryPerKiosk + 5; ++s)
    REQUIRE(hub.service->accept_health_report(signed_report(report_for(hub, s)), "http", kNow + s).ok());
  auto history = hub.service->store().health_reports(hub.kiosk, 1000);
  REQUIRE(history.ok());
  CHECK(history->size() == kHealthHistoryPerKiosk);
  CHECK(history->back().report.sequence == 6);  // the five oldest went
}

TEST_CASE("health reports: altered, unknown or revoked kiosks' reports are refused", "[hub][health]") {
  test::Hub hub;
  Bytes bytes = signed_report(report_for(hub, 1));
  Bytes altered = bytes;
  altered[40] ^= 1;
  CHECK(hub.service->accept_health_report(altered, "http", kNow).code() == ErrorCode::kBadSignature);
  HealthReport stranger = report_for(hub, 1);
  stranger.kiosk_id[0] ^= 1;
  auto from_stranger = encode_signed_health_report(stranger, test::kiosk_key());
  REQUIRE(from_stranger.ok());
  CHECK(hub.service->accept_health_report(*from_stranger, "http", kNow).code() == ErrorCode::kUnauthorized);
  REQUIRE(hub.service->store().revoke(hub.kiosk, kNow).ok());
  CHECK(hub.service->accept_health_report(bytes, "http", kNow).code() == ErrorCode::kUnauthorized);
  auto latest = hub.service->store().latest_health_reports();
  REQUIRE(latest.ok());
  CHECK(latest->empty());
  // By USB (a decommissioned kiosk's drive), its last health is kept.
  CHECK(hub.service->accept_health_report(bytes, "usb", kNow).ok());
}

TEST_CASE("fleet flags: silent for 3 nights, by a fake clock", "[hub][health]") {
  test::Hub hub;
  REQUIRE(hub.service->accept_health_report(signed_report(report_for(hub, 1)), "http", kNow).ok());
  FleetSettings settings;
  settings.hub_version = "0.9.0";
  using K = HealthFlag::Kind;
  // The report touched the kiosk's last contact: now.
  auto fleet = fleet_health(hub.service->store(), settings, kNow + 3600);
  REQUIRE(fleet.ok());
  REQUIRE(fleet->size() == 1);
  CHECK((*fleet)[0].flags.empty());
  // One night without news is normal (a sync may be late); two are flagged; then counted.
  fleet = fleet_health(hub.service->store(), settings, kNow + 86400 + 3600);
  REQUIRE(fleet.ok());
  CHECK((*fleet)[0].flags.empty());
  fleet = fleet_health(hub.service->store(), settings, kNow + 3 * 86400 + 3600);
  REQUIRE(fleet.ok());
  REQUIRE((*fleet)[0].flags.size() == 1);
  CHECK((*fleet)[0].flags[0] == HealthFlag(K::kSilent, 3));
  CHECK(nights_between(kNow, kNow + 3 * 86400 - 1) == 2);
}

TEST_CASE("fleet flags: disk, speech, software, content, backlog, crashes, lock-outs, sync errors", "[hub][health]") {
  using K = HealthFlag::Kind;
  KioskHealth k;
  k.kiosk.id = KioskId{};
  k.last_contact = kNow;
  FleetSettings settings;
  settings.hub_version = "0.9.0";
  settings.content_version = 5;
  HealthReport before;
  before.crashes = 1;
  before.staff_lockouts = 2;
  HealthReport h = before;
  h.created_at = kNow;
  h.software_version = "0.8.0";
  h.content_version = 4;
  h.disk_bytes = 1000;
  h.free_disk_bytes = 95;  // 9.5 % free
  h.speech = SpeechHealth::kUnavailable;
  h.backlog_records = 12;
  h.oldest_pending_at = kNow - 3 * 86400;
  h.crashes = 3;
  h.staff_lockouts = 2;
  h.last_sync_error = "the hub could not be reached";
  k.latest = StoredHealthReport{h, kNow, "http"};
  k.previous = StoredHealthReport{before, kNow - 86400, "http"};
  const auto flags = health_flags(k, settings, kNow);
  const std::vector<HealthFlag> expected = {
      HealthFlag(K::kDiskLow, 9), HealthFlag(K::kSpeechUnavailable), HealthFlag(K::kOldSoftware, 0, 0, "0.8.0"),
      HealthFlag(K::kOldContent, 4), HealthFlag(K::kBacklog, 12, 3), HealthFlag(K::kCrashed, 2),
      HealthFlag(K::kSyncFailing, 0, 0, "the hub could not be reached")};
  CHECK(flags == expected);
  // Healthy: nothing flagged.
  h = HealthReport{};
  h.created_at = kNow;
  h.software_version = "0.9.0";
  h.content_version = 5;
  h.disk_bytes = 1000;
  h.free_disk_bytes = 100;  // exactly 10 %: not under
  h.crashes = 1;
  h.staff_lockouts = 2;
  k.latest = StoredHealthReport{h, kNow, "http"};
  CHECK(health_flags(k, settings, kNow).empty());
  k.kiosk.revoked_at = kNow;
  CHECK(health_flags(k, settings, kNow) == std::vector<HealthFlag>{HealthFlag(K::kRevoked)});
}

TEST_CASE("kiosk health file: boots counted, a run that never ended is a crash", "[health]") {
  test::TempDir dir("health");
  auto first = note_kiosk_start(dir.path, 100);
  REQUIRE(first.ok());
  CHECK(first->boots == 1);
  CHECK(first->crashes == 0);
  // The kiosk was killed: health.json still says running.
  auto second = note_kiosk_start(dir.path, 200);
  REQUIRE(second.ok());
  CHECK(second->boots == 2);
  CHECK(second->crashes == 1);
  // A clean exit is not a crash.
  KioskHealthState ended = *second;
  ended.running = false;
  REQUIRE(write_kiosk_health(dir.path, ended).ok());
  auto third = note_kiosk_start(dir.path, 300);
  REQUIRE(third.ok());
  CHECK(third->crashes == 1);
  CHECK(third->started_at == 300);
  // A damaged file is an error naming it when read; the kiosk starts counting again.
  std::ofstream(dir.path / kKioskHealthFile) << "{\"boots\": -3}";
  CHECK(read_kiosk_health(dir.path).code() == ErrorCode::kMalformed);
  auto restarted = note_kiosk_start(dir.path, 400);
  REQUIRE(restarted.ok());
  CHECK(restarted->boots == 1);
}

TEST_CASE("console accounts: Argon2id, a lock-out that grows, an unknown name like a wrong password",
          "[hub][console]") {
  test::Hub hub;
  HubStore& store = hub.service->store();
  CHECK(add_operator(store, "Alice", OperatorRole::kAdmin, "a long enough password", kNow).code() ==
        ErrorCode::kInvalidArgument);
  CHECK(add_operator(store, "alice", OperatorRole::kAdmin, "too short", kNow).code() == ErrorCode::kInvalidArgument);
  REQUIRE(add_operator(store, "alice", OperatorRole::kAdmin, "a long enough password", kNow).ok());
  CHECK(add_operator(store, "alice", OperatorRole::kViewer, "another long password", kNow).code() ==
        ErrorCode::kConflict);
  auto account = store.operator_account("alice");
  REQUIRE(account.ok());
  REQUIRE(*account);
  CHECK((*account)->password_hash.rfind("$argon2id$", 0) == 0);

  using Kind = LoginOutcome::Kind;
  auto ok = check_login(store, "alice", "a long enough password", kNow);
  REQUIRE(ok.ok());
  CHECK(ok->kind == Kind::kAccepted);
  CHECK(check_login(store, "nobody", "a long enough password", kNow)->kind == Kind::kWrong);
  std::uint64_t now = kNow;
  for (std::uint64_t i = 1; i < kFreeLoginFailures; ++i) CHECK(check_login(store, "alice", "wrong", now)->kind == Kind::kWrong);
  auto locked = check_login(store, "alice", "wrong", now);
  CHECK(locked->kind == Kind::kLockedOut);
  CHECK(locked->retry_in_seconds == 60);
  // While locked, even the right password is refused; after, one more failure doubles the lock.
  CHECK(check_login(store, "alice", "a long enough password", now + 30)->kind == Kind::kLockedOut);
  now += 61;
  CHECK(check_login(store, "alice", "wrong", now)->retry_in_seconds == 120);
  now += 121;
  CHECK(check_login(store, "alice", "a long enough password", now)->kind == Kind::kAccepted);
  CHECK(check_login(store, "alice", "wrong", now)->kind == Kind::kWrong);  // the count started again
  // A new password works, the old one no longer does.
  REQUIRE(set_operator_password(store, "alice", "a brand new passphrase").ok());
  CHECK(check_login(store, "alice", "a long enough password", now)->kind == Kind::kWrong);
  CHECK(check_login(store, "alice", "a brand new passphrase", now)->kind == Kind::kAccepted);
  REQUIRE(store.remove_operator("alice").ok());
  CHECK(check_login(store, "alice", "a brand new passphrase", now)->kind == Kind::kWrong);
}

TEST_CASE("web forms: URL-encoded and multipart fields, escaping", "[hub][console]") {
  HttpRequest req;
  req.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  req.body = "csrf=ab%20c&name=x+y&name=second";
  auto form = web::form_fields(req);
  REQUIRE(form);
  CHECK((*form)["csrf"].value == "ab c");
  CHECK((*form)["name"].value == "x y");

  req.headers = {{"content-type", "multipart/form-data; boundary=----b0undary"}};
  req.body =
      "------b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntoken\r\n"
      "------b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.json\"\r\n"
      "Content-Type: application/json\r\n\r\n{\"a\":\r\n1}\r\n------b0undary--\r\n";
  form = web::form_fields(req);
  REQUIRE(form);
  CHECK((*form)["csrf"].value == "token");
  CHECK((*form)["file"].value == "{\"a\":\r\n1}");
  CHECK((*form)["file"].filename == "c.json");
  req.body = "------b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nno end";
  CHECK_FALSE(web::form_fields(req));

  CHECK(web::esc("<script>alert('x') & \"y\"</script>") ==
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  CHECK(web::same_secret("abc", "abc"));
  CHECK_FALSE(web::same_secret("abc", "abd"));
  CHECK_FALSE(web::same_secret("", ""));
}

}  // namespace civic

namespace civic {
namespace {

// The console's routes answered without a socket, on a clock the test moves.
struct ConsoleHarness {
  test::Hub hub;
  HttpServer server{HttpLimits{}};
  std::uint64_t now = kNow;

  ConsoleHarness() {
    REQUIRE(add_operator(hub.service->store(), "alice", OperatorRole::kAdmin, "a long enough password", kNow).ok());
    add_console_routes(server, *hub.service, [this] { return now; }, [](const HttpRequest& r) { return r.peer; });
  }
  HttpResponse request(const std::string& method, const std::string& target, const std::string& cookie = {},
                       const std::string& body = {}) const {
    HttpRequest req;
    req.method = method;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = *parse_urlencoded(target.substr(q + 1));
    req.peer = "127.0.0.1";
    if (!cookie.empty()) req.headers.emplace_back("cookie", cookie);
    if (method == "POST") req.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    req.body = body;
    return server.respond(req);
  }
  static std::string header(const HttpResponse& res, const std::string& name, const std::string& starting = {}) {
    for (const auto& [k, v] : res.headers)
      if (k == name && v.rfind(starting, 0) == 0) return v;
    return {};
  }
  // Logs alice in; returns her session cookie ("name=value").
  std::string log_in() const {
    const auto page = request("GET", "/console/login");
    const std::string login_cookie = header(page, "Set-Cookie", "civic-login=");
    const std::string token = login_cookie.substr(12, 64);
    const auto res = request("POST", "/console/login", "civic-login=" + token,
                             "csrf=" + token + "&name=alice&password=a+long+enough+password");
    REQUIRE(res.status == 303);
    const std::string session = header(res, "Set-Cookie", "__Host-civic-session=");
    REQUIRE(!session.empty());
    return session.substr(0, session.find(';'));
  }
  static std::string csrf_in(const std::string& html) {
    const std::string key = "name=\"csrf\" value=\"";
    const auto at = html.find(key);
    REQUIRE(at != std::string::npos);
    return html.substr(at + key.size(), 64);
  }
};

}  // namespace

TEST_CASE("console sessions: they end after session_hours and at log-out, and every page needs one", "[hub][console]") {
  ConsoleHarness c;
  CHECK(c.request("GET", "/console").status == 303);
  const std::string session = c.log_in();
  auto fleet = c.request("GET", "/console", session);
  CHECK(fleet.status == 200);
  CHECK(fleet.body.find("alice (admin)") != std::string::npos);
  // The CSP allows the one stylesheet by its hash and no script.
  CHECK(ConsoleHarness::header(fleet, "Content-Security-Policy").find("default-src 'none'; style-src 'sha256-") == 0);

  // Eight hours later (the default), the session is over.
  c.now += 8 * 3600 - 1;
  CHECK(c.request("GET", "/console/events", session).status == 200);
  c.now += 1;
  auto expired = c.request("GET", "/console/events", session);
  CHECK(expired.status == 303);
  CHECK(ConsoleHarness::header(expired, "Location") == "/console/login");

  // Logging out ends it at once; a log-out without the form's token does not.
  const std::string second = c.log_in();
  const std::string csrf = ConsoleHarness::csrf_in(c.request("GET", "/console", second).body);
  CHECK(c.request("POST", "/console/logout", second, "csrf=wrong").status == 403);
  CHECK(c.request("GET", "/console", second).status == 200);
  CHECK(c.request("POST", "/console/logout", second, "csrf=" + csrf).status == 303);
  CHECK(c.request("GET", "/console", second).status == 303);
  // A made-up session cookie is nobody's.
  CHECK(c.request("GET", "/console", "__Host-civic-session=" + std::string(64, 'a')).status == 303);
}

}  // namespace civic
