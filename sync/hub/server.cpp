#include "server.h"

#include "console.h"
#include "http_server.h"
#include "metrics.h"
#include "sync/files/files.h"
#include "web_ui.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

namespace civic {

namespace {
using nlohmann::json;

std::uint64_t now_seconds() { return static_cast<std::uint64_t>(std::time(nullptr)); }

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOversize: return 413;
    case ErrorCode::kUnauthorized:
    case ErrorCode::kBadSignature: return 403;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kIo:
    case ErrorCode::kDiskFull:
    case ErrorCode::kBusy:
    case ErrorCode::kCorruptDatabase:
    case ErrorCode::kInternal: return 500;
    default: return 400;  // every decoder rejection: the input is malformed
  }
}

HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  // A message may quote what the client sent, which need not be UTF-8: replaced, never thrown on.
  return HttpResponse{status, "application/json",
                      json{{"error", code}, {"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace),
                      {}};
}

void send_error(HttpResponse& res, const Error& e) {
  res = error_response(http_status_for(e.code), error_code_name(e.code), e.message);
}

// The error code for an answer the HTTP layer gives before any handler runs.
std::string http_error_code(int status) {
  switch (status) {
    case 413: return error_code_name(ErrorCode::kOversize);
    case 429: return error_code_name(ErrorCode::kRateLimited);
    case 503: return error_code_name(ErrorCode::kBusy);
    case 500: return error_code_name(ErrorCode::kInternal);
    default: return "http";
  }
}

// Who sent a request: the peer, or, for requests from the configured reverse proxy, the address
// the proxy added last to X-Forwarded-For (the one it saw; anything before it the client wrote).
std::string client_address(const HttpRequest& req, const std::string& trusted_proxy) {
  if (trusted_proxy.empty() || req.peer != trusted_proxy || !req.has_header("X-Forwarded-For")) return req.peer;
  std::string forwarded = req.header("X-Forwarded-For");
  const auto comma = forwarded.rfind(',');
  if (comma != std::string::npos) forwarded = forwarded.substr(comma + 1);
  const auto first = forwarded.find_first_not_of(' ');
  const auto last = forwarded.find_last_not_of(' ');
  if (first == std::string::npos) return req.peer;
  return forwarded.substr(first, last - first + 1).substr(0, 64);
}

void log_line(const char* fmt, const std::string& a, const std::string& b = "") {
  std::fprintf(stderr, fmt, a.c_str(), b.c_str());
  std::fputc('\n', stderr);
}

std::string body_of(ByteView bytes) { return std::string(as_chars(bytes)); }
}  // namespace

static HttpLimits http_limits(const HubConfig& config) {
  HttpLimits limits;
  limits.max_connections = config.max_connections;
  limits.max_connections_per_address = config.max_connections_per_address;
  limits.unlimited_address = config.trusted_proxy;
  limits.max_body_bytes = config.max_body_bytes;
  limits.head_seconds = config.request_head_seconds;
  limits.workers = config.threads;
  return limits;
}

Status serve_http(HubService& service, const std::function<void(int port)>& on_listening) {
  const HubConfig& config = service.config();
  HttpServer server(http_limits(config));
  server.on_error([](int status, const std::string& message) {
    return error_response(status, http_error_code(status), message);
  });
  HubMetrics metrics;
  server.on_answered([&metrics](const std::string& route, const HttpResponse& res, double seconds) {
    metrics.request(route, res.status, seconds);
    if (res.status >= 400 && route.rfind("/v1/", 0) == 0) {
      // The reason is the error code the client was given (the hub's JSON error format).
      const json error = json::parse(res.body, nullptr, false);
      metrics.rejected(error.is_object() && error.contains("error") && error["error"].is_string()
                           ? error["error"].get<std::string>()
                           : "http-" + std::to_string(res.status));
    }
  });
  if (config.console_enabled) {
    add_console_routes(server, service, now_seconds,
                       [&config](const HttpRequest& req) { return client_address(req, config.trusted_proxy); });
  }
  // Metrics for city IT's monitoring, only with the bearer token (installer/README.md "Metrics").
  server.route("GET", "/metrics", [&service, &config, &metrics, &server](const HttpRequest& req, HttpResponse& res) {
    auto token = files::read_text_file(config.metrics_token_path(), 4096);
    if (!token.ok()) {
      return send_error(res, make_error(ErrorCode::kNotFound, "metrics are off on this hub: make a token with "
                                                              "'civic-hub metrics-token' ([metrics] in hub.toml)"));
    }
    std::string expected = *token;
    while (!expected.empty() && (expected.back() == '\n' || expected.back() == ' ')) expected.pop_back();
    const std::string given = req.header("Authorization");
    if (expected.empty() || !web::same_secret(given, "Bearer " + expected)) {
      res = error_response(401, error_code_name(ErrorCode::kUnauthorized),
                           "metrics need the header 'Authorization: Bearer <token>' with the hub's metrics token");
      res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"civic-hub metrics\"");
      return;
    }
    auto gauges = read_metric_gauges(service.store(), config.store_url.empty() ? config.database_path() : std::filesystem::path(),
                                     config.silent_after_nights, now_seconds());
    if (!gauges.ok()) return send_error(res, gauges.error());
    auto records = service.records_in_log();
    auto leaves = service.log_size();
    if (!records.ok()) return send_error(res, records.error());
    if (!leaves.ok()) return send_error(res, leaves.error());
    gauges->records = *records;
    gauges->log_leaves = *leaves;
    gauges->refusals = server.refusals();
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics.render(*gauges);
  });

  server.route("GET", "/v1/health", [&service](const HttpRequest&, HttpResponse& res) {
    auto records = service.records_in_log();
    auto version = service.store().latest_content_version();
    if (!records.ok()) return send_error(res, records.error());
    if (!version.ok()) return send_error(res, version.error());
    res.body = json{{"status", "ok"}, {"records", *records}, {"content_version", *version}}.dump();
  });

  server.route("POST", "/v1/enroll", [&service, &config](const HttpRequest& req, HttpResponse& res) {
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::exception&) {
      return send_error(res, make_error(ErrorCode::kMalformed, "the enrolment request is not JSON"));
    }
    if (!body.is_object() || !body.contains("token") || !body.contains("public_key") ||
        !body["token"].is_string() || !body["public_key"].is_string()) {
      return send_error(res, make_error(ErrorCode::kMalformed, "the enrolment request needs 'token' and 'public_key'"));
    }
    auto key = fixed_from_hex<kPublicKeySize>(body["public_key"].get<std::string>());
    if (!key.ok()) return send_error(res, make_error(ErrorCode::kMalformed, "'public_key' must be 64 hex digits"));
    if (body.contains("name") && !body["name"].is_string()) {
      return send_error(res, make_error(ErrorCode::kMalformed, "'name' must be a string"));
    }
    const std::string name = body.value("name", std::string("unnamed kiosk"));
    auto result = service.enrol(body["token"].get<std::string>(), SigningPublicKey{*key}, name.substr(0, 200),
                                client_address(req, config.trusted_proxy), now_seconds());
    if (!result.ok()) {
      log_line("enrolment refused from %s: %s", req.peer, result.message());
      return send_error(res, result.error());
    }
    log_line("enrolled kiosk %s (%s)", to_hex(result->kiosk.id), name);
    res.body = json{{"kiosk_id", to_hex(result->kiosk.id)},
                    {"hub_signing_public_key", to_hex(result->hub_signing.bytes)},
                    {"hub_submission_public_key", to_hex(result->hub_submission.bytes)},
                    {"hub_content_public_key", to_hex(result->hub_content.bytes)},
                    {"key_statement", to_hex(result->key_statement)}}
                   .dump();
  });

  server.route("POST", "/v1/batches", [&service, &metrics](const HttpRequest& req, HttpResponse& res) {
    auto stored = service.upload(as_bytes(req.body), "http", now_seconds());
    if (!stored.ok()) {
      log_line("batch refused from %s: %s", req.peer, stored.message());
      return send_error(res, stored.error());
    }
    metrics.batch_accepted(stored->new_records, stored->repeat);
    res.content_type = "application/octet-stream";
    res.body = body_of(stored->ack);
  });

  server.route("POST", "/v1/events", [&service](const HttpRequest& req, HttpResponse& res) {
    auto stored = service.accept_event_report(as_bytes(req.body), "http", now_seconds());
    if (!stored.ok()) {
      log_line("event report refused from %s: %s", req.peer, stored.message());
      return send_error(res, stored.error());
    }
    res.body = nlohmann::json{{"status", "stored"}, {"event_id", stored->event_id}}.dump();
  });

  server.route("POST", "/v1/health-reports", [&service, &metrics](const HttpRequest& req, HttpResponse& res) {
    auto stored = service.accept_health_report(as_bytes(req.body), "http", now_seconds());
    if (!stored.ok()) {
      log_line("health report refused from %s: %s", req.peer, stored.message());
      return send_error(res, stored.error());
    }
    metrics.health_report();
    const char* status = stored->second == HealthReportOutcome::kLatest  ? "stored"
                         : stored->second == HealthReportOutcome::kOlder ? "older"
                                                                         : "repeat";
    res.body = nlohmann::json{{"status", status}, {"sequence", stored->first.sequence}}.dump();
  });

  server.route("GET", "/v1/content", [&service](const HttpRequest&, HttpResponse& res) {
    auto content = service.latest_content();
    if (!content.ok()) return send_error(res, content.error());
    if (!*content) return send_error(res, make_error(ErrorCode::kNotFound, "no content has been published yet"));
    res.content_type = "application/octet-stream";
    res.body = body_of(**content);
  });

  // The transparency log, for anyone: a signed checkpoint, and the inclusion proof for a receipt
  // code (proofs carry hashes only, never content).
  server.route("GET", "/v1/log/checkpoint", [&service](const HttpRequest&, HttpResponse& res) {
    auto c = service.checkpoint(now_seconds());
    if (!c.ok()) return send_error(res, c.error());
    res.content_type = "application/octet-stream";
    res.body = body_of(*c);
  });
  server.route("GET", "/v1/log/proof", [&service, &config](const HttpRequest& req, HttpResponse& res) {
    std::uint64_t match = 1;
    if (const std::string m = req.param("match"); !m.empty()) {
      if (m.size() > 6 || m.find_first_not_of("0123456789") != std::string::npos) {
        return send_error(res, make_error(ErrorCode::kMalformed, "'match' must be a number from 1"));
      }
      match = std::stoull(m);
    }
    auto proof =
        service.prove_receipt(req.param("receipt"), now_seconds(), client_address(req, config.trusted_proxy), match);
    if (!proof.ok()) return send_error(res, proof.error());
    res.body = format_receipt_proof(*proof);
  });
  // For witnesses (kiosks and anyone holding an older checkpoint): that today's log extends an
  // earlier one, and that a kiosk's records are in it.
  server.route("GET", "/v1/log/consistency", [&service](const HttpRequest& req, HttpResponse& res) {
    const auto size_param = [&req](const char* name) -> Result<std::optional<std::uint64_t>> {
      const std::string v = req.param(name);
      if (v.empty()) return std::optional<std::uint64_t>{};
      if (v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos)
        return make_error(ErrorCode::kMalformed, std::string("'") + name + "' must be a tree size (a number)");
      return std::optional(static_cast<std::uint64_t>(std::stoull(v)));
    };
    auto from = size_param("from");
    auto to = size_param("to");
    if (!from.ok()) return send_error(res, from.error());
    if (!to.ok()) return send_error(res, to.error());
    if (!*from) return send_error(res, make_error(ErrorCode::kMalformed, "say 'from': the size of your checkpoint"));
    auto proof = service.prove_consistency(**from, *to, now_seconds());
    if (!proof.ok()) return send_error(res, proof.error());
    res.body = format_consistency_proof(*proof);
  });
  server.route("POST", "/v1/log/inclusion", [&service](const HttpRequest& req, HttpResponse& res) {
    auto request = parse_inclusion_request(req.body);
    if (!request.ok()) return send_error(res, request.error());
    auto answer = service.prove_inclusion(*request);
    if (!answer.ok()) return send_error(res, answer.error());
    res.body = format_inclusion_answer(*answer);
  });
  // Which online data results used: every import's signed statement with its inclusion proof.
  server.route("GET", "/v1/log/imports", [&service](const HttpRequest&, HttpResponse& res) {
    auto proofs = service.prove_online_imports(now_seconds());
    if (!proofs.ok()) return send_error(res, proofs.error());
    res.body = format_online_import_proofs(*proofs);
  });

  auto port = server.bind(config.listen, config.port);
  if (!port.ok()) return port.error();

  std::fprintf(stderr, "civic-hub: listening on http://%s:%d\n", config.listen.c_str(), *port);
  return run_until_signal(server, [&] { on_listening(*port); });
}

Status run_until_signal(HttpServer& server, const std::function<void()>& on_running) {
  // Stop cleanly on SIGTERM (systemd) and SIGINT (Ctrl-C): a thread waits for the signals, which
  // are blocked everywhere else.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::atomic<bool> serving{true};
  std::thread stopper([&server, &serving, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (serving.load()) std::fprintf(stderr, "civic-hub: stopping (signal %d)\n", sig);
    server.stop();
  });
  on_running();
  Status served = server.run();
  // The server outlives the thread that may stop it: wake that thread (if no signal came) and wait.
  serving.store(false);
  // It waits in sigwait(): the signal wakes it, and it ends by itself.
  pthread_kill(stopper.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  stopper.join();
  return served;
}

}  // namespace civic
