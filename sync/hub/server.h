// civic-hub serve: the HTTP API (versioned under /v1) over HubService.
//
//   GET  /v1/health     200 {"status":"ok", ...}
//   POST /v1/enroll     JSON {"token","public_key","name"} -> JSON with kiosk id and hub keys
//   POST /v1/batches    a signed batch (application/octet-stream) -> its signed ack
//   GET  /v1/content    the latest signed content bundle, or 404
//
// Served by HttpServer (http_server.h): every connection held by one thread under deadlines and
// caps, so slow or flooding clients cannot starve the kiosks ([server] in hub.toml).
//
// Errors are JSON {"error": code, "message": text} with 400 (malformed), 403 (not enrolled,
// revoked, bad signature or token), 409 (fork), 413 (too large), 429 (rate limited), 500, and
// from the HTTP layer 408, 411, 431 and 503 (sync/PROTOCOL.md "HTTP API").
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "service.h"

namespace civic {

// Serves until SIGTERM or SIGINT arrives. `on_listening` receives the bound port (useful with
// port 0).
[[nodiscard]] Status serve_http(HubService& service, const std::function<void(int port)>& on_listening);

class HttpServer;
// Runs a bound server until SIGTERM or SIGINT; `on_running` is called once it is about to serve.
[[nodiscard]] Status run_until_signal(HttpServer& server, const std::function<void()>& on_running);

}  // namespace civic
