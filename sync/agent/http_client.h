// A small HTTP client over libcurl for the sync agent: TLS with a CA file or a pinned key,
// connect and transfer time-outs, and errors that say whether trying again later may help.
#pragma once

#include <string>

#include "sync/config/config.h"
#include "sync/protocol/bytes.h"

namespace civic {

struct HttpResponse {
  long status = 0;
  Bytes body;
};

class HttpClient {
 public:
  explicit HttpClient(const KioskConfig& config);
  // A transport failure (no route, refused, time-out, TLS) is kUnavailable; any HTTP answer,
  // including 4xx and 5xx, is a response.
  [[nodiscard]] Result<HttpResponse> get(const std::string& path);
  [[nodiscard]] Result<HttpResponse> post(const std::string& path, ByteView body, const char* content_type);

 private:
  Result<HttpResponse> perform(const std::string& path, const ByteView* body, const char* content_type);
  const KioskConfig& config_;
};

// The "message" of a JSON error body from the hub, or the raw body if it is not one.
std::string hub_error_message(const HttpResponse& r);

}  // namespace civic
