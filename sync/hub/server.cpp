#include "server.h"

#include <httplib.h>
#include <signal.h>

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

void send_error(httplib::Response& res, const Error& e) {
  res.status = http_status_for(e.code);
  // A message may quote what the client sent, which need not be UTF-8: replaced, never thrown on.
  res.set_content(json{{"error", error_code_name(e.code)}, {"message", e.message}}.dump(
                      -1, ' ', false, json::error_handler_t::replace),
                  "application/json");
}

// Who sent a request: the peer, or, for requests from the configured reverse proxy, the address
// the proxy added last to X-Forwarded-For (the one it saw; anything before it the client wrote).
std::string client_address(const httplib::Request& req, const std::string& trusted_proxy) {
  if (trusted_proxy.empty() || req.remote_addr != trusted_proxy || !req.has_header("X-Forwarded-For"))
    return req.remote_addr;
  std::string forwarded = req.get_header_value("X-Forwarded-For");
  const auto comma = forwarded.rfind(',');
  if (comma != std::string::npos) forwarded = forwarded.substr(comma + 1);
  const auto first = forwarded.find_first_not_of(' ');
  const auto last = forwarded.find_last_not_of(' ');
  if (first == std::string::npos) return req.remote_addr;
  return forwarded.substr(first, last - first + 1).substr(0, 64);
}

void log_line(const char* fmt, const std::string& a, const std::string& b = "") {
  std::fprintf(stderr, fmt, a.c_str(), b.c_str());
  std::fputc('\n', stderr);
}
}  // namespace

Status serve_http(HubService& service, const std::function<void(int port)>& on_listening) {
  const HubConfig& config = service.config();
  httplib::Server server;
  // Let bodies a little over the limit through so that HubService answers with a clear message;
  // anything larger is refused by httplib and given the same message by the error handler.
  server.set_payload_max_length(config.max_body_bytes + 1024);
  server.set_read_timeout(30, 0);
  server.set_write_timeout(30, 0);
  const int threads = config.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };

  // A handler that throws (it should not) answers 500 with a plain message: never the exception's
  // text, and never httplib's EXCEPTION_WHAT header, to a client.
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    log_line("a request to %s failed inside the hub (%s)", req.path, "see the hub's code; nothing was stored");
    res.headers.clear();
    send_error(res, make_error(ErrorCode::kInternal, "the hub could not handle this request; try again later"));
  });

  server.set_error_handler([&config](const httplib::Request&, httplib::Response& res) {
    if (res.status == 413) {
      send_error(res, make_error(ErrorCode::kOversize, "the request body is larger than the " +
                                                           std::to_string(config.max_body_bytes) +
                                                           " bytes this hub accepts"));
    } else if (res.body.empty()) {
      res.set_content(json{{"error", "http"}, {"message", "no such endpoint; the API lives under /v1"}}.dump(),
                      "application/json");
    }
  });

  server.Get("/v1/health", [&service](const httplib::Request&, httplib::Response& res) {
    auto records = service.store().record_count();
    auto version = service.store().latest_content_version();
    if (!records.ok()) return send_error(res, records.error());
    if (!version.ok()) return send_error(res, version.error());
    res.set_content(json{{"status", "ok"}, {"records", *records}, {"content_version", *version}}.dump(),
                    "application/json");
  });

  server.Post("/v1/enroll", [&service, &config](const httplib::Request& req, httplib::Response& res) {
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
      log_line("enrolment refused from %s: %s", req.remote_addr, result.message());
      return send_error(res, result.error());
    }
    log_line("enrolled kiosk %s (%s)", to_hex(result->kiosk.id), name);
    res.set_content(json{{"kiosk_id", to_hex(result->kiosk.id)},
                         {"hub_signing_public_key", to_hex(result->hub_signing.bytes)},
                         {"hub_submission_public_key", to_hex(result->hub_submission.bytes)},
                         {"key_statement", to_hex(result->key_statement)}}
                        .dump(),
                    "application/json");
  });

  server.Post("/v1/batches", [&service](const httplib::Request& req, httplib::Response& res) {
    auto stored = service.upload(as_bytes(req.body), "http", now_seconds());
    if (!stored.ok()) {
      log_line("batch refused from %s: %s", req.remote_addr, stored.message());
      return send_error(res, stored.error());
    }
    res.set_content(std::string(as_chars(stored->ack)), "application/octet-stream");
  });

  server.Post("/v1/events", [&service](const httplib::Request& req, httplib::Response& res) {
    auto stored = service.accept_event_report(as_bytes(req.body), "http", now_seconds());
    if (!stored.ok()) {
      log_line("event report refused from %s: %s", req.remote_addr, stored.message());
      return send_error(res, stored.error());
    }
    res.set_content(nlohmann::json{{"status", "stored"}, {"event_id", stored->event_id}}.dump(), "application/json");
  });

  server.Get("/v1/content", [&service](const httplib::Request&, httplib::Response& res) {
    auto content = service.latest_content();
    if (!content.ok()) return send_error(res, content.error());
    if (!*content) return send_error(res, make_error(ErrorCode::kNotFound, "no content has been published yet"));
    res.set_content(std::string(as_chars(**content)), "application/octet-stream");
  });

  // The transparency log, for anyone: a signed checkpoint, and the inclusion proof for a receipt
  // code (proofs carry hashes only, never content).
  server.Get("/v1/log/checkpoint", [&service](const httplib::Request&, httplib::Response& res) {
    auto c = service.checkpoint(now_seconds());
    if (!c.ok()) return send_error(res, c.error());
    res.set_content(std::string(as_chars(*c)), "application/octet-stream");
  });
  server.Get("/v1/log/proof", [&service, &config](const httplib::Request& req, httplib::Response& res) {
    auto proof = service.prove_receipt(req.get_param_value("receipt"), now_seconds(),
                                       client_address(req, config.trusted_proxy));
    if (!proof.ok()) return send_error(res, proof.error());
    res.set_content(format_receipt_proof(*proof), "application/json");
  });

  // Debian's httplib listens with a backlog of 5, too few for a city's kiosks calling at once:
  // remember the socket and listen again with a deeper queue once it is bound.
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](socket_t fd) {
    listen_fd = fd;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  const int port = config.port == 0 ? server.bind_to_any_port(config.listen.c_str())
                                    : (server.bind_to_port(config.listen.c_str(), config.port) ? config.port : -1);
  if (port < 0) {
    return make_error(ErrorCode::kIo, "cannot listen on " + config.listen + ":" + std::to_string(config.port) +
                                          " (in use, or not an address of this machine?)");
  }
  if (listen_fd >= 0) ::listen(listen_fd, 1024);

  // Stop cleanly on SIGTERM (systemd) and SIGINT (Ctrl-C): a thread waits for the signals, which
  // are blocked everywhere else.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread stopper([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "civic-hub: stopping (signal %d)\n", sig);
    server.stop();
  });
  stopper.detach();

  std::fprintf(stderr, "civic-hub: listening on http://%s:%d\n", config.listen.c_str(), port);
  on_listening(port);
  if (!server.listen_after_bind()) {
    return make_error(ErrorCode::kIo, "the server stopped unexpectedly");
  }
  return {};
}

}  // namespace civic
