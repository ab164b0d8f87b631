#include "http_client.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "sync/protocol/content.h"

namespace civic {

namespace {
// The largest answer a hub gives is a content bundle; an answer that grows past that is refused
// as it arrives (returning less than was offered makes curl stop), never held in memory whole.
constexpr std::size_t kMaxResponseBytes = kMaxContentBundleBytes + 64 * 1024;

struct Collected {
  Bytes* body;
  bool too_large = false;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
  auto* c = static_cast<Collected*>(out);
  if (c->body->size() + size * n > kMaxResponseBytes) {
    c->too_large = true;
    return 0;
  }
  c->body->insert(c->body->end(), reinterpret_cast<std::uint8_t*>(data),
                  reinterpret_cast<std::uint8_t*>(data) + size * n);
  return size * n;
}
}  // namespace

HttpClient::HttpClient(const KioskConfig& config) : config_(config) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<HttpResponse> HttpClient::get(const std::string& path) { return perform(path, nullptr, nullptr); }

Result<HttpResponse> HttpClient::post(const std::string& path, ByteView body, const char* content_type) {
  return perform(path, &body, content_type);
}

Result<HttpResponse> HttpClient::perform(const std::string& path, const ByteView* body, const char* content_type) {
  if (config_.hub_url.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "no hub_url in the [sync] configuration: this kiosk syncs by "
                                                   "USB only (civic-sync export / import-acks)");
  }
  CIVIC_TRY(check_hub_url(config_.hub_url, config_.allow_plain_http));
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return make_error(ErrorCode::kInternal, "cannot start an HTTP transfer");
  std::string url = config_.hub_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(config_.connect_timeout_seconds));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(config_.transfer_timeout_seconds));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  Collected collected{&response.body};
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &collected);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "civic-sync/1");
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
  if (!config_.pinned_public_key.empty()) curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, config_.pinned_public_key.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
  if (body) {
    headers.reset(curl_slist_append(nullptr, (std::string("Content-Type: ") + content_type).c_str()));
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  CURLcode rc = curl_easy_perform(c);
  if (collected.too_large) {
    return make_error(ErrorCode::kOversize, "the answer from " + config_.hub_url + " is larger than the " +
                                                std::to_string(kMaxResponseBytes) +
                                                " bytes a hub ever sends: refused (is this the hub?)");
  }
  if (rc != CURLE_OK) {
    std::string why = error[0] ? error : curl_easy_strerror(rc);
    // OpenSSL reading an HTTP answer as a TLS record says "wrong version number" (or "packet length
    // too long"): the address says https but the server speaks plain HTTP.
    if (rc == CURLE_SSL_CONNECT_ERROR &&
        (why.find("wrong version number") != std::string::npos || why.find("packet length") != std::string::npos)) {
      return make_error(ErrorCode::kUnavailable,
                        "the hub at " + config_.hub_url + " answers in plain HTTP, not HTTPS (" + why +
                            "): a hub is reached through TLS (nginx in front of it, installer/README.md); check the "
                            "address, or for a test hub use http:// with allow_plain_http = true");
    }
    return make_error(ErrorCode::kUnavailable, "cannot reach the hub at " + config_.hub_url + ": " + why);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string hub_error_message(const HttpResponse& r) {
  try {
    auto j = nlohmann::json::parse(r.body.begin(), r.body.end());
    if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  std::string text(as_chars(r.body).substr(0, 200));
  if (r.status == 400 && text.find("plain HTTP request was sent to HTTPS port") != std::string::npos) {
    return "the address says http:// but the hub is served over HTTPS: write https:// in hub_url (or in the enrol "
           "command)";
  }
  return "HTTP " + std::to_string(r.status) + (text.empty() ? "" : ": " + text);
}

}  // namespace civic
