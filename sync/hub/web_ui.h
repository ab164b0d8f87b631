// What the hub's two browser interfaces share: the operator console (console.h, served by
// civic-hub serve) and local moderation (civic-hub moderate --web, on the operator's machine).
// Server-rendered HTML that works without JavaScript: escaping, the page frame in English or
// French, cookies, forms (URL-encoded and multipart), CSRF checks and the security headers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http_server.h"

namespace civic::web {

// Text for HTML: & < > " ' escaped.
std::string esc(const std::string& text);

enum class Lang { kEn, kFr };
// The page's language: ?lang=en|fr, then the civic-lang cookie, then Accept-Language.
Lang language_of(const HttpRequest& req);
inline const char* tag(Lang l) { return l == Lang::kFr ? "fr" : "en"; }
inline const char* tr(Lang l, const char* en, const char* fr) { return l == Lang::kFr ? fr : en; }

std::map<std::string, std::string> cookies(const HttpRequest& req);
// A Set-Cookie value: HttpOnly and SameSite=Strict always, Secure when `secure`, Path=/.
std::string cookie(const std::string& name, const std::string& value, bool secure, long max_age_seconds = -1);

// A form's fields: URL-encoded, or multipart/form-data (files as their bytes); std::nullopt when
// the body is not a well-formed form.
struct FormField {
  std::string value;
  std::string filename;  // multipart file fields
};
std::optional<std::map<std::string, FormField>> form_fields(const HttpRequest& req);

// Equal, in time that does not depend on where they differ.
bool same_secret(const std::string& a, const std::string& b);
std::string random_token();  // 32 random bytes as hex

struct NavLink {
  std::string href, label;
  bool current = false;
};
struct Page {
  Lang lang = Lang::kEn;
  std::string title;        // the page's <h1> and <title>
  std::string site;         // "civic-hub console"
  std::vector<NavLink> nav;
  std::string signed_in;    // "alice (admin)", with a log-out button, when non-empty
  std::string csrf;         // for the log-out form
  std::string logout_action;
  std::string body;         // HTML inside <main>, after the <h1>
  std::string notice;       // a status line (escaped by the caller), shown first
  bool notice_is_error = false;
  std::string language_link;  // the same page in the other language
  // When the visitor chose the language (?lang=): remembered in the civic-lang cookie.
  bool remember_language = false;
  bool secure_cookies = true;
};
// The whole document with its security headers: a strict Content-Security-Policy (the one inline
// stylesheet by its hash, no scripts at all), no framing, no caching, no referrer.
HttpResponse render(const Page& page, int status = 200);
// A 303 to `location` (after a form).
HttpResponse redirect(const std::string& location);
void security_headers(HttpResponse& res);

// A QR code of `text` as inline SVG (dark modules on white, a 4-module quiet zone), with
// role="img" and `label` for screen readers; an empty string if the text does not fit.
std::string qr_svg(const std::string& text, const std::string& label);

}  // namespace civic::web
