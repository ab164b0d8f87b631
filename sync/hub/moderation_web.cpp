#include "moderation_web.h"

#include <ctime>
#include <mutex>
#include <sstream>

#include "count.h"
#include "http_server.h"
#include "server.h"
#include "sync/common/human.h"
#include "web_ui.h"

namespace civic {

namespace {

using web::esc;
using web::Lang;
using web::tr;

std::uint64_t now_seconds() { return static_cast<std::uint64_t>(std::time(nullptr)); }

class ModerationWeb {
 public:
  ModerationWeb(HubService& service, const SealKeyPair& key, const ModerationWebOptions& options)
      : service_(service), key_(key), operator_(options.operator_name), options_(options) {}

  const std::string& open_code() const { return open_code_; }

  void add_routes(HttpServer& server) {
    server.route("GET", "/", [this](const HttpRequest& req, HttpResponse& res) { open(req, res); });
    server.route("GET", "/queue", [this](const HttpRequest& req, HttpResponse& res) { queue(req, res, "", false); });
    server.route("POST", "/decide", [this](const HttpRequest& req, HttpResponse& res) { decide(req, res); });
    server.route("GET", "/log", [this](const HttpRequest& req, HttpResponse& res) { log(req, res); });
    server.route("POST", "/count", [this](const HttpRequest& req, HttpResponse& res) { count(req, res); });
  }

 private:
  // The one-time code opens the session; after that only its cookie does.
  void open(const HttpRequest& req, HttpResponse& res) {
    std::lock_guard lock(mutex_);
    if (!open_code_.empty() && web::same_secret(req.param("code"), open_code_)) {
      open_code_.clear();
      session_ = web::random_token();
      res = web::redirect("/queue");
      res.headers.emplace_back("Set-Cookie", web::cookie("civic-moderation", session_, false));
      return;
    }
    res = signed_in(req) ? web::redirect("/queue") : not_allowed(req);
  }

  bool signed_in(const HttpRequest& req) const {
    const auto jar = web::cookies(req);
    const auto it = jar.find("civic-moderation");
    return !session_.empty() && it != jar.end() && web::same_secret(it->second, session_);
  }

  HttpResponse not_allowed(const HttpRequest& req) const {
    web::Page p = frame(req, tr(web::language_of(req), "Not allowed", "Non autorisé"), "");
    p.nav.clear();
    p.notice = esc(tr(p.lang,
                      "Open the address civic-hub moderate --web printed (it works once). Run it again for a new one.",
                      "Ouvrez l'adresse affichée par civic-hub moderate --web (elle ne sert qu'une fois). "
                      "Relancez-la pour en obtenir une autre."));
    p.notice_is_error = true;
    return web::render(p, 403);
  }

  web::Page frame(const HttpRequest& req, const std::string& title, const std::string& current) const {
    web::Page p;
    p.lang = web::language_of(req);
    p.site = tr(p.lang, "civic-hub moderation (this machine)", "Modération civic-hub (cette machine)");
    p.title = title;
    p.nav = {{"/queue", tr(p.lang, "Waiting ideas", "Idées en attente"), current == "/queue"},
             {"/log", tr(p.lang, "Decisions", "Décisions"), current == "/log"}};
    p.language_link = req.path + "?lang=" + (p.lang == Lang::kFr ? "en" : "fr");
    p.remember_language = !req.param("lang").empty();
    p.secure_cookies = false;  // plain HTTP on 127.0.0.1
    return p;
  }

  void queue(const HttpRequest& req, HttpResponse& res, const std::string& notice, bool error) {
    std::lock_guard lock(mutex_);
    if (!signed_in(req)) {
      res = not_allowed(req);
      return;
    }
    web::Page p = frame(req, tr(web::language_of(req), "Ideas waiting for moderation", "Idées en attente de modération"),
                        "/queue");
    const Lang l = p.lang;
    p.notice = notice;
    p.notice_is_error = error;
    auto pending = service_.moderation_queue(key_);
    if (!pending.ok()) {
      p.notice = esc(pending.message());
      p.notice_is_error = true;
      res = web::render(p, 500);
      return;
    }
    std::string body = std::string("<form method=\"post\" action=\"/count\"><input type=\"hidden\" name=\"csrf\" "
                                   "value=\"") + csrf_ + "\"><p>" +
                       tr(l, "Count the results with every decision so far: they appear on the console's Results page.",
                          "Compter les résultats avec toutes les décisions prises : ils paraissent dans la page "
                          "Résultats de la console.") +
                       "</p><button type=\"submit\" class=\"secondary\">" + tr(l, "Count the results now", "Compter les résultats") +
                       "</button></form>";
    body += "<p>" + std::to_string(pending->size()) + " " +
                       tr(l, "waiting. Approved ideas reach the kiosks with the next published content.",
                          "en attente. Les idées approuvées arrivent sur les bornes avec le prochain contenu publié.") +
                       "</p>";
    for (const auto& idea : *pending) {
      const std::string& id = idea.item.moderation_id;
      body += "<section aria-labelledby=\"h-" + esc(id) + "\"><h2 id=\"h-" + esc(id) + "\">" + esc(id) + " · " +
              esc(idea.item.consultation_id) + " · " + esc(idea.item.language) + "</h2><blockquote lang=\"" +
              esc(idea.item.language) + "\"><p>" + esc(idea.text) + "</p></blockquote>";
      body += "<form method=\"post\" action=\"/decide\"><input type=\"hidden\" name=\"csrf\" value=\"" + csrf_ +
              "\"><input type=\"hidden\" name=\"id\" value=\"" + esc(id) + "\"><label for=\"redact-" + esc(id) + "\">" +
              tr(l, "Remove these words before publishing (one per line: a name, a phone number)",
                 "Retirer ces mots avant publication (un par ligne : un nom, un numéro)") +
              "</label><textarea id=\"redact-" + esc(id) + "\" name=\"redact\" rows=\"2\" cols=\"50\"></textarea>" +
              "<label for=\"reason-" + esc(id) + "\">" +
              tr(l, "Reason (to reject: required; kept in the log)", "Motif (pour rejeter : obligatoire ; gardé au journal)") +
              "</label><input id=\"reason-" + esc(id) + "\" name=\"reason\" maxlength=\"500\"><div>" +
              "<button type=\"submit\" name=\"decision\" value=\"approve\">" + tr(l, "Approve", "Approuver") +
              "</button> <button type=\"submit\" name=\"decision\" value=\"reject\" class=\"danger\">" +
              tr(l, "Reject", "Rejeter") + "</button></div></form></section>";
    }
    p.body = body;
    res = web::render(p);
  }

  void decide(const HttpRequest& req, HttpResponse& res) {
    std::string notice;
    bool error = false;
    {
      std::lock_guard lock(mutex_);
      if (!signed_in(req)) {
        res = not_allowed(req);
        return;
      }
      auto form = web::form_fields(req);
      const auto field = [&](const char* name) {
        if (!form) return std::string();
        auto it = form->find(name);
        return it == form->end() ? std::string() : it->second.value;
      };
      const Lang l = web::language_of(req);
      if (!form || !web::same_secret(field("csrf"), csrf_)) {
        res = web::render(
            [&] {
              web::Page p = frame(req, tr(l, "Not allowed", "Non autorisé"), "");
              p.notice = esc(tr(l, "This form did not come from this page: nothing was decided.",
                                "Ce formulaire ne vient pas de cette page : rien n'a été décidé."));
              p.notice_is_error = true;
              return p;
            }(),
            403);
        return;
      }
      const std::string id = field("id");
      const HubService::Decider by{operator_, ""};
      if (field("decision") == "reject") {
        auto d = service_.reject(id, field("reason"), by, now_seconds());
        error = !d.ok();
        notice = error ? d.message() : id + tr(l, " rejected.", " rejetée.");
      } else {
        std::vector<std::string> redactions;
        std::istringstream lines(field("redact"));
        for (std::string line; std::getline(lines, line);) {
          if (!line.empty() && line.back() == '\r') line.pop_back();
          if (!line.empty()) redactions.push_back(line);
        }
        auto d = service_.approve(id, key_, redactions, "", by, now_seconds());
        error = !d.ok();
        notice = error ? d.message()
                       : id + tr(l, " approved as: ", " approuvée ainsi : ") + d->published_text;
      }
    }
    queue(req, res, esc(notice), error);
  }

  // The count, as civic-hub tally writes it, into a new folder under the results directory.
  void count(const HttpRequest& req, HttpResponse& res) {
    std::string notice;
    bool error = false;
    {
      std::lock_guard lock(mutex_);
      if (!signed_in(req)) {
        res = not_allowed(req);
        return;
      }
      auto form = web::form_fields(req);
      const auto csrf = form ? form->find("csrf") : decltype(form->find("csrf")){};
      if (!form || csrf == form->end() || !web::same_secret(csrf->second.value, csrf_)) {
        res = not_allowed(req);
        return;
      }
      const Lang l = web::language_of(req);
      const std::uint64_t now = now_seconds();
      CountRequest request;
      request.margins = options_.margins;
      auto counted = count_results(service_, key_, request);
      char stamp[32];
      const std::time_t t = static_cast<std::time_t>(now);
      std::tm tm{};
      gmtime_r(&t, &tm);
      std::strftime(stamp, sizeof stamp, "%Y-%m-%d-%H%M%S", &tm);
      const auto dir = options_.results_dir / stamp;
      Status written = counted.ok() ? write_results(counted->first, dir, now) : Status(counted.error());
      error = !written.ok();
      notice = error ? written.message()
                     : std::to_string(counted->first.records) + tr(l, " records counted; results written to ",
                                                                  " réponses comptées ; résultats écrits dans ") +
                           dir.string();
    }
    queue(req, res, esc(notice), error);
  }

  void log(const HttpRequest& req, HttpResponse& res) {
    std::lock_guard lock(mutex_);
    if (!signed_in(req)) {
      res = not_allowed(req);
      return;
    }
    web::Page p = frame(req, tr(web::language_of(req), "Moderation decisions", "Décisions de modération"), "/log");
    const Lang l = p.lang;
    auto entries = service_.store().moderation_log();
    if (!entries.ok()) {
      p.notice = esc(entries.message());
      p.notice_is_error = true;
      res = web::render(p, 500);
      return;
    }
    std::string body = std::string("<table><caption>") + tr(l, "Every decision, oldest first", "Chaque décision, la plus ancienne d'abord") +
                       "</caption><thead><tr><th scope=\"col\">" + tr(l, "When", "Quand") + "</th><th scope=\"col\">" +
                       tr(l, "Idea", "Idée") + "</th><th scope=\"col\">" + tr(l, "Decision", "Décision") +
                       "</th><th scope=\"col\">" + tr(l, "By", "Par") + "</th><th scope=\"col\">" +
                       tr(l, "Reason", "Motif") + "</th></tr></thead><tbody>";
    for (const auto& e : *entries)
      body += "<tr><td>" + esc(format_utc(e.at)) + "</td><td>" + esc(e.moderation_id) + "</td><td>" + esc(e.action) +
              (e.redacted ? std::string(tr(l, " (redacted)", " (expurgée)")) : "") + "</td><td>" + esc(e.operator_name) +
              "</td><td>" + esc(e.reason) + "</td></tr>";
    p.body = body + "</tbody></table>";
    res = web::render(p);
  }

  HubService& service_;
  const SealKeyPair& key_;
  const std::string operator_;
  const ModerationWebOptions& options_;
  std::mutex mutex_;  // one decision at a time, and the session
  std::string open_code_ = web::random_token();
  std::string session_;
  const std::string csrf_ = web::random_token();
};

}  // namespace

Status serve_moderation_web(HubService& service, const SealKeyPair& submission_key, const ModerationWebOptions& options) {
  HttpLimits limits;
  limits.workers = 2;
  limits.max_connections = 64;
  HttpServer server(limits);
  ModerationWeb web_ui(service, submission_key, options);
  web_ui.add_routes(server);
  // Loopback only, whatever the configuration says: the key never serves anyone else.
  CIVIC_ASSIGN(port, server.bind("127.0.0.1", options.port));
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/?code=" + web_ui.open_code();
  return run_until_signal(server, [&] {
    if (options.on_ready) options.on_ready(url);
  });
}

}  // namespace civic
