// The hub's HTTP/1.1 server, built to stay up under slow and flooding clients (eight
// slowloris connections stopped a thread-per-connection server). One thread holds every connection
// (non-blocking, epoll) and enforces the limits below; worker threads only ever see complete
// requests, so a slow or idle client costs a descriptor and a small buffer, never a worker.
// One request per connection (every response says Connection: close); bodies need Content-Length.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sync/common/result.h"

namespace civic {

struct HttpRequest {
  std::string method;
  std::string path;                                           // the target before '?', as sent
  std::map<std::string, std::string> query;                   // percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;   // names in lower case
  std::string body;
  std::string peer;  // the TCP peer's address

  // The first header of that name (any case), or "".
  std::string header(const std::string& name) const;
  bool has_header(const std::string& name) const;
  std::string param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more headers (Set-Cookie, Location, …)
};

// "a=1&b=x+y" (a query, or a form's body) decoded; std::nullopt on a broken %-escape.
std::optional<std::map<std::string, std::string>> parse_urlencoded(const std::string& text);

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

struct HttpLimits {
  std::size_t max_connections = 512;             // in all; LimitNOFILE in the unit leaves room for it
  std::size_t max_connections_per_address = 16;  // per peer address
  std::string unlimited_address;                 // a trusted reverse proxy: not capped per address
  std::size_t max_header_bytes = 16 * 1024;      // request line and headers together
  std::size_t max_header_lines = 64;
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  std::size_t max_buffered_body_bytes = 256 * 1024 * 1024;  // all bodies being received together
  int head_seconds = 10;                   // the whole request head must arrive within this
  int transfer_grace_seconds = 10;         // plus, for a body or a response, this
  std::size_t min_bytes_per_second = 16 * 1024;  // plus its size at this rate
  int workers = 8;
  std::size_t max_waiting_requests = 256;  // complete requests waiting for a worker; more get 503
};

// Counts of what the limits refused, for the hub's log and for tests.
struct HttpRefusals {
  std::uint64_t per_address = 0;    // connections over the per-address cap
  std::uint64_t evicted = 0;        // slow heads closed to make room at the total cap
  std::uint64_t full = 0;           // connections refused at the total cap
  std::uint64_t deadline = 0;       // heads, bodies or responses that missed their deadline
  std::uint64_t too_large = 0;      // heads over the size or line cap, bodies over the size cap
  std::uint64_t busy = 0;           // body budget or worker queue full
};

class HttpServer {
 public:
  explicit HttpServer(HttpLimits limits);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void route(const std::string& method, const std::string& path, HttpHandler handler);
  // The answer for errors found before a handler runs (malformed, too large, busy): status and a
  // message for a person; the hub gives it its JSON error format.
  void on_error(std::function<HttpResponse(int status, const std::string& message)> make_error_response);

  // Called by the worker after each handled request: the route (the registered path, or "other"),
  // the answer and the seconds the handler took. Set before run().
  void on_answered(std::function<void(const std::string& route, const HttpResponse& response, double seconds)> observer);

  // Binds to address:port (port 0: any free port) and returns the port.
  [[nodiscard]] Result<int> bind(const std::string& address, int port);
  // The answer a request gets from the routes, as a worker gives it (tests: without a socket).
  HttpResponse respond(const HttpRequest& request) const;

  // Serves until stop() (from any thread).
  [[nodiscard]] Status run();
  void stop();
  HttpRefusals refusals() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace civic
