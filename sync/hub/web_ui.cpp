#include "web_ui.h"

#include <qrencode.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>

namespace civic::web {

namespace {

// The one stylesheet (inline, allowed by its hash): large, plain, high-contrast, focus always visible.
constexpr const char* kStyle =
    "body{font-family:'Noto Sans',Arial,sans-serif;font-size:1.05rem;line-height:1.5;margin:0;color:#111;"
    "background:#fff}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}"
    "header{background:#0b3d6b;color:#fff;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;"
    "align-items:center}header a{color:#fff}header .site{font-weight:bold;margin-right:1rem}"
    "nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:1rem}"
    "nav a[aria-current]{font-weight:bold;text-decoration-thickness:3px}"
    ".who{margin-left:auto;display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}"
    "main{padding:1rem;max-width:72rem}h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem}"
    "table{border-collapse:collapse;margin:.5rem 0;display:block;overflow-x:auto;max-width:100%}"
    "th,td{border:1px solid #767676;padding:.35rem .6rem;text-align:left;vertical-align:top}"
    "th{background:#eef2f6}caption{text-align:left;font-weight:bold;padding:.25rem 0}"
    "label{display:block;font-weight:bold;margin-top:.75rem}"
    "input,select,textarea{font:inherit;padding:.4rem;border:2px solid #555;border-radius:4px;max-width:100%}"
    "button{font:inherit;padding:.5rem 1rem;border:2px solid #0b3d6b;border-radius:4px;background:#0b3d6b;"
    "color:#fff;cursor:pointer;margin-top:.75rem}button.secondary{background:#fff;color:#0b3d6b}"
    "button.danger{background:#9b1c1c;border-color:#9b1c1c}"
    "header button{margin:0;background:#fff;color:#0b3d6b;padding:.2rem .6rem}"
    ":focus-visible{outline:3px solid #f2a900;outline-offset:2px}"
    ".notice{border-left:6px solid #1a6b2f;background:#eaf6ec;padding:.5rem 1rem}"
    ".notice.error{border-color:#9b1c1c;background:#fbeaea}"
    ".flag{display:inline-block;border:1px solid #9b1c1c;color:#7a1414;border-radius:3px;padding:0 .35rem;"
    "margin:.1rem}.ok{color:#1a6b2f}"
    ".screen{background:#1b1b1b;color:#fff;border-radius:8px;padding:1rem 1.5rem;margin:1rem 0;max-width:48rem}"
    ".screen h3{font-size:1.5rem;margin:.2rem 0}.screen .idea{display:block;border:2px solid #fff;"
    "border-radius:6px;padding:.6rem;margin:.4rem 0;font-size:1.15rem}"
    ".token{font-family:monospace;font-size:1.2rem;word-break:break-all;background:#f4f4f4;padding:.5rem}"
    "pre{white-space:pre-wrap;word-break:break-word}svg.qr{width:14rem;height:14rem}";

std::string style_hash() {
  unsigned char digest[crypto_hash_sha256_BYTES];
  const std::string style = kStyle;
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(style.data()), style.size());
  char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
  return b64;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// The value of `name="..."` in a header line such as Content-Disposition.
std::optional<std::string> header_param(const std::string& line, const std::string& name) {
  const std::string key = name + "=\"";
  std::size_t at = 0;
  while ((at = line.find(key, at)) != std::string::npos) {
    if (at == 0 || line[at - 1] == ' ' || line[at - 1] == ';') {
      const auto start = at + key.size();
      const auto end = line.find('"', start);
      if (end == std::string::npos) return std::nullopt;
      return line.substr(start, end - start);
    }
    at += key.size();
  }
  return std::nullopt;
}

std::optional<std::map<std::string, FormField>> multipart(const std::string& body, const std::string& boundary) {
  std::map<std::string, FormField> out;
  const std::string delimiter = "--" + boundary;
  std::size_t pos = body.find(delimiter);
  if (pos == std::string::npos) return std::nullopt;
  for (int parts = 0;; ++parts) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) return out;  // the closing delimiter
    if (body.compare(pos, 2, "\r\n") != 0 || parts >= 32) return std::nullopt;
    pos += 2;
    const auto head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) return std::nullopt;
    std::optional<std::string> name, filename;
    for (std::size_t line_start = pos; line_start < head_end;) {
      auto line_end = body.find("\r\n", line_start);
      if (line_end == std::string::npos || line_end > head_end) line_end = head_end;
      std::string line = body.substr(line_start, line_end - line_start);
      std::string lower = line;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower.rfind("content-disposition:", 0) == 0) {
        name = header_param(line, "name");
        filename = header_param(line, "filename");
      }
      line_start = line_end + 2;
    }
    const auto data_start = head_end + 4;
    const auto next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string::npos || !name) return std::nullopt;
    out.emplace(*name, FormField{body.substr(data_start, next - data_start), filename.value_or("")});
    pos = next + 2;
  }
}

}  // namespace

std::string esc(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> cookies(const HttpRequest& req) {
  std::map<std::string, std::string> out;
  const std::string header = req.header("Cookie");
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    const std::string pair = trim(header.substr(pos, end - pos));
    const auto eq = pair.find('=');
    if (eq != std::string::npos) out.emplace(pair.substr(0, eq), pair.substr(eq + 1));
    pos = end + 1;
  }
  return out;
}

Lang language_of(const HttpRequest& req) {
  const std::string asked = req.param("lang");
  if (asked == "fr") return Lang::kFr;
  if (asked == "en") return Lang::kEn;
  const auto jar = cookies(req);
  if (auto it = jar.find("civic-lang"); it != jar.end()) return it->second == "fr" ? Lang::kFr : Lang::kEn;
  // The first language the browser names that we have.
  std::string accept = req.header("Accept-Language");
  std::transform(accept.begin(), accept.end(), accept.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto fr = accept.find("fr"), en = accept.find("en");
  return fr != std::string::npos && (en == std::string::npos || fr < en) ? Lang::kFr : Lang::kEn;
}

std::string cookie(const std::string& name, const std::string& value, bool secure, long max_age_seconds) {
  std::string c = name + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  if (max_age_seconds >= 0) c += "; Max-Age=" + std::to_string(max_age_seconds);
  return c;
}

std::optional<std::map<std::string, FormField>> form_fields(const HttpRequest& req) {
  const std::string type = req.header("Content-Type");
  if (type.rfind("multipart/form-data", 0) == 0) {
    auto b = header_param(type, "boundary");
    std::string boundary;
    if (b) {
      boundary = *b;
    } else if (const auto at = type.find("boundary="); at != std::string::npos) {
      boundary = trim(type.substr(at + 9));
      if (const auto semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
    }
    if (boundary.empty() || boundary.size() > 70) return std::nullopt;
    return multipart(req.body, boundary);
  }
  auto fields = parse_urlencoded(req.body);
  if (!fields) return std::nullopt;
  std::map<std::string, FormField> out;
  for (auto& [k, v] : *fields) out.emplace(k, FormField{std::move(v), ""});
  return out;
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_token() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

void security_headers(HttpResponse& res) {
  static const std::string policy = "default-src 'none'; style-src 'sha256-" + style_hash() +
                                    "'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
                                    "base-uri 'none'";
  res.headers.emplace_back("Content-Security-Policy", policy);
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("X-Frame-Options", "DENY");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("Cache-Control", "no-store");
}

HttpResponse render(const Page& p, int status) {
  const Lang l = p.lang;
  std::string html = std::string("<!DOCTYPE html>\n<html lang=\"") + tag(l) + "\"><head><meta charset=\"utf-8\">" +
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
                     esc(p.title) + " · " + esc(p.site) + "</title><style>" + kStyle + "</style></head><body>";
  html += std::string("<a class=\"skip\" href=\"#main\">") + tr(l, "Skip to content", "Aller au contenu") + "</a>";
  html += "<header><span class=\"site\">" + esc(p.site) + "</span>";
  if (!p.nav.empty()) {
    html += std::string("<nav aria-label=\"") + tr(l, "Console", "Console") + "\"><ul>";
    for (const auto& link : p.nav)
      html += "<li><a href=\"" + esc(link.href) + "\"" + (link.current ? " aria-current=\"page\"" : "") + ">" +
              esc(link.label) + "</a></li>";
    html += "</ul></nav>";
  }
  html += "<div class=\"who\">";
  if (!p.language_link.empty())
    html += "<a href=\"" + esc(p.language_link) + "\" lang=\"" + (l == Lang::kFr ? "en" : "fr") + "\">" +
            (l == Lang::kFr ? "English" : "Français") + "</a>";
  if (!p.signed_in.empty()) {
    html += "<span>" + esc(p.signed_in) + "</span><form method=\"post\" action=\"" + esc(p.logout_action) +
            "\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(p.csrf) + "\"><button type=\"submit\">" +
            tr(l, "Log out", "Se déconnecter") + "</button></form>";
  }
  html += "</div></header><main id=\"main\"><h1>" + esc(p.title) + "</h1>";
  if (!p.notice.empty())
    html += std::string("<p class=\"notice") + (p.notice_is_error ? " error\" role=\"alert\"" : "\" role=\"status\"") +
            ">" + p.notice + "</p>";
  html += p.body + "</main></body></html>\n";
  HttpResponse res{status, "text/html; charset=utf-8", std::move(html), {}};
  security_headers(res);
  if (p.remember_language) res.headers.emplace_back("Set-Cookie", cookie("civic-lang", tag(l), p.secure_cookies, 31536000));
  return res;
}

HttpResponse redirect(const std::string& location) {
  HttpResponse res{303, "text/plain; charset=utf-8", "See " + location + "\n", {}};
  res.headers.emplace_back("Location", location);
  security_headers(res);
  return res;
}

std::string qr_svg(const std::string& text, const std::string& label) {
  QRcode* code = QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M);
  if (!code) return "";
  const int quiet = 4, size = code->width + 2 * quiet;
  std::string path;
  for (int y = 0; y < code->width; ++y)
    for (int x = 0; x < code->width; ++x)
      if (code->data[y * code->width + x] & 1)
        path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
  QRcode_free(code);
  return "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
         std::to_string(size) + "\" role=\"img\" aria-label=\"" + esc(label) +
         "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

}  // namespace civic::web
