#include "console.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>

#include "fleet.h"
#include "rate_limiter.h"
#include "sync/cli/cli.h"
#include "sync/common/human.h"
#include "sync/files/files.h"
#include "web_ui.h"

namespace civic {

// [SECTION] Accounts

std::optional<OperatorRole> operator_role(const std::string& name) {
  if (name == "viewer") return OperatorRole::kViewer;
  if (name == "publisher") return OperatorRole::kPublisher;
  if (name == "admin") return OperatorRole::kAdmin;
  return std::nullopt;
}

const char* operator_role_name(OperatorRole role) {
  switch (role) {
    case OperatorRole::kViewer: return "viewer";
    case OperatorRole::kPublisher: return "publisher";
    case OperatorRole::kAdmin: return "admin";
  }
  return "viewer";
}

namespace {

Status check_operator_name(const std::string& name) {
  const bool valid = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
  if (!valid)
    return make_error(ErrorCode::kInvalidArgument,
                      "an operator's name is 1 to 64 of the characters a-z, 0-9, '.', '_' and '-'");
  return {};
}

Result<std::string> hash_password(const std::string& password) {
  if (password.size() < 12 || password.size() > 1024)
    return make_error(ErrorCode::kInvalidArgument, "a password must be 12 to 1024 characters long");
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return make_error(ErrorCode::kInternal, "out of memory while hashing the password; try again");
  return std::string(hash);
}

// The hash an unknown name is checked against, so that it costs what a known one does.
const std::string& decoy_hash() {
  static const std::string hash = *hash_password("decoy password, never anyone's " + web::random_token());
  return hash;
}

}  // namespace

Status add_operator(HubStore& store, const std::string& name, OperatorRole role, const std::string& password,
                    std::uint64_t now) {
  CIVIC_TRY(check_operator_name(name));
  CIVIC_ASSIGN(hash, hash_password(password));
  CIVIC_TRY(store.add_operator(OperatorAccount{name, operator_role_name(role), hash, 0, 0, now}));
  return store.log_event(HubEvent{now, "operator-added", "", name + " (" + operator_role_name(role) + ")"});
}

Status set_operator_password(HubStore& store, const std::string& name, const std::string& password) {
  CIVIC_ASSIGN(account, store.operator_account(name));
  if (!account) return make_error(ErrorCode::kNotFound, "there is no operator named '" + name + "'");
  CIVIC_ASSIGN(hash, hash_password(password));
  account->password_hash = hash;
  account->failures = 0;
  account->locked_until = 0;
  return store.update_operator(*account);
}

Result<LoginOutcome> check_login(HubStore& store, const std::string& name, const std::string& password,
                                 std::uint64_t now) {
  CIVIC_ASSIGN(account, store.operator_account(name));
  if (!account) {
    (void)crypto_pwhash_str_verify(decoy_hash().c_str(), password.data(), password.size());
    return LoginOutcome{LoginOutcome::Kind::kWrong, 0, {}};
  }
  if (account->locked_until > now) return LoginOutcome{LoginOutcome::Kind::kLockedOut, account->locked_until - now, *account};
  if (crypto_pwhash_str_verify(account->password_hash.c_str(), password.data(), password.size()) == 0) {
    if (account->failures != 0 || account->locked_until != 0) {
      account->failures = 0;
      account->locked_until = 0;
      CIVIC_TRY(store.update_operator(*account));
    }
    return LoginOutcome{LoginOutcome::Kind::kAccepted, 0, *account};
  }
  ++account->failures;
  LoginOutcome out{LoginOutcome::Kind::kWrong, 0, *account};
  if (account->failures >= kFreeLoginFailures) {
    const auto doublings = std::min<std::uint64_t>(account->failures - kFreeLoginFailures, 6);
    account->locked_until = now + std::min<std::uint64_t>(3600, 60ULL << doublings);
    out = LoginOutcome{LoginOutcome::Kind::kLockedOut, account->locked_until - now, *account};
  }
  CIVIC_TRY(store.update_operator(*account));
  return out;
}

// [SECTION] Pages

namespace {

using web::esc;
using web::Lang;
using web::tr;

constexpr const char* kLoginCookie = "civic-login";  // the login form's CSRF token (double submit)

std::string plural(Lang l, std::uint64_t n, const char* en_one, const char* en_many, const char* fr_one,
                   const char* fr_many) {
  const bool one = l == Lang::kFr ? n <= 1 : n == 1;
  return std::to_string(n) + " " + (l == Lang::kFr ? (one ? fr_one : fr_many) : (one ? en_one : en_many));
}

std::string flag_text(Lang l, const HealthFlag& f) {
  using K = HealthFlag::Kind;
  switch (f.kind) {
    case K::kRevoked: return tr(l, "revoked", "révoquée");
    case K::kNeverHeard: return tr(l, "never synced", "jamais synchronisée");
    case K::kSilent:
      return tr(l, "silent for ", "silencieuse depuis ") + plural(l, f.n, "night", "nights", "nuit", "nuits");
    case K::kNoHealthReport: return tr(l, "no health report yet", "pas encore de rapport d'état");
    case K::kDiskLow:
      return tr(l, "disk under ", "disque sous ") + std::to_string(f.n + 1) + " % " + tr(l, "free", "libre");
    case K::kSpeechUnavailable: return tr(l, "speech unavailable", "synthèse vocale indisponible");
    case K::kOldSoftware: return tr(l, "old software ", "ancien logiciel ") + f.text;
    case K::kOldContent: return tr(l, "old content (version ", "contenu ancien (version ") + std::to_string(f.n) + ")";
    case K::kBacklog:
      return plural(l, f.n, "record waiting", "records waiting", "réponse en attente", "réponses en attente") +
             tr(l, " since ", " depuis ") + plural(l, f.m, "day", "days", "jour", "jours");
    case K::kCrashed: return tr(l, "crashed ", "plantée ") + plural(l, f.n, "time", "times", "fois", "fois");
    case K::kStaffLockouts:
      return plural(l, f.n, "staff PIN lock-out", "staff PIN lock-outs", "blocage du NIP du personnel",
                    "blocages du NIP du personnel");
    case K::kSyncFailing: return tr(l, "last sync failed: ", "dernière synchronisation échouée : ") + f.text;
  }
  return "";
}

std::string flags_html(Lang l, const std::vector<HealthFlag>& flags) {
  if (flags.empty()) return std::string("<span class=\"ok\">") + tr(l, "OK", "OK") + "</span>";
  std::string out;
  for (const auto& f : flags) out += "<span class=\"flag\">" + esc(flag_text(l, f)) + "</span> ";
  return out;
}

std::string when(std::optional<std::uint64_t> t) { return esc(format_utc(t)); }

std::string bytes_text(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

const char* speech_text(Lang l, SpeechHealth s) {
  switch (s) {
    case SpeechHealth::kAvailable: return tr(l, "available", "disponible");
    case SpeechHealth::kUnavailable: return tr(l, "unavailable", "indisponible");
    case SpeechHealth::kOff: return tr(l, "off", "désactivée");
  }
  return "";
}

struct Visit {
  Lang lang = Lang::kEn;
  ConsoleSession session;
  OperatorAccount account;
  OperatorRole role = OperatorRole::kViewer;
};

class Console {
 public:
  Console(HubService& service, std::function<std::uint64_t()> clock, std::function<std::string(const HttpRequest&)> client)
      : service_(service), store_(service.store()), config_(service.config()), now_(std::move(clock)),
        client_(std::move(client)) {}

  // The routes share the console (it lives as long as the server keeps them).
  static void add_routes(HttpServer& server, const std::shared_ptr<Console>& console);

 private:
  std::string session_cookie() const { return config_.secure_cookies ? "__Host-civic-session" : "civic-session"; }
  // The visitor's session, or (answered in `res`) a redirect to the login page.
  std::optional<Visit> visit(const HttpRequest& req, HttpResponse& res);
  // A POST's form, with its CSRF token checked and the operator's role at least `role`.
  std::optional<std::map<std::string, web::FormField>> checked_form(const HttpRequest& req, HttpResponse& res,
                                                                    const Visit& v, OperatorRole role);
  web::Page page(const Visit& v, const HttpRequest& req, const std::string& title, const std::string& current) const;
  HttpResponse refuse(const Visit& v, const HttpRequest& req, int status, const std::string& message) const;
  void note(const Visit& v, const std::string& kind, const std::string& kiosk, const std::string& detail);
  FleetSettings fleet_settings();

  HttpResponse login_page(const HttpRequest& req, const std::string& notice, int status) const;
  void login(const HttpRequest& req, HttpResponse& res);
  void logout(const HttpRequest& req, HttpResponse& res);
  void fleet(const HttpRequest& req, HttpResponse& res);
  void kiosk(const HttpRequest& req, HttpResponse& res);
  void revoke(const HttpRequest& req, HttpResponse& res);
  void tokens(const HttpRequest& req, HttpResponse& res);
  void create_token(const HttpRequest& req, HttpResponse& res);
  void consultations(const HttpRequest& req, HttpResponse& res);
  void upload_consultations(const HttpRequest& req, HttpResponse& res);
  void events(const HttpRequest& req, HttpResponse& res);
  void results(const HttpRequest& req, HttpResponse& res);
  void result_file(const HttpRequest& req, HttpResponse& res);

  HubService& service_;
  HubStore& store_;
  const HubConfig& config_;
  std::function<std::uint64_t()> now_;
  std::function<std::string(const HttpRequest&)> client_;
  RateLimiter login_failures_{20};  // failed logins per client address per minute
};

std::optional<Visit> Console::visit(const HttpRequest& req, HttpResponse& res) {
  const auto jar = web::cookies(req);
  const auto it = jar.find(session_cookie());
  if (it != jar.end() && it->second.size() == 64) {
    const Hash32 hash = tagged_hash("civic-kiosk/console-session/v1", {as_bytes(it->second)});
    auto session = store_.console_session(hash);
    if (session.ok() && *session && (*session)->expires_at > now_()) {
      auto account = store_.operator_account((*session)->operator_name);
      if (account.ok() && *account) {
        Visit v{web::language_of(req), **session, **account,
                operator_role((*account)->role).value_or(OperatorRole::kViewer)};
        return v;
      }
    }
  }
  res = web::redirect("/console/login");
  return std::nullopt;
}

web::Page Console::page(const Visit& v, const HttpRequest& req, const std::string& title,
                        const std::string& current) const {
  const Lang l = v.lang;
  web::Page p;
  p.lang = l;
  p.title = title;
  p.site = tr(l, "civic-hub console", "Console civic-hub");
  const std::pair<const char*, std::string> links[] = {
      {"/console", tr(l, "Fleet", "Bornes")},
      {"/console/tokens", tr(l, "Enrolment", "Inscription")},
      {"/console/consultations", tr(l, "Consultations", "Consultations")},
      {"/console/events", tr(l, "Hub events", "Événements du hub")},
      {"/console/results", tr(l, "Results", "Résultats")},
  };
  for (const auto& [href, label] : links) p.nav.push_back({href, label, current == href});
  p.signed_in = v.account.name + " (" + v.account.role + ")";
  p.csrf = v.session.csrf;
  p.logout_action = "/console/logout";
  std::string target = req.path + "?lang=" + (l == Lang::kFr ? "en" : "fr");
  for (const auto& [k, val] : req.query)
    if (k == "id" || k == "run") target += "&" + k + "=" + esc(val);
  p.language_link = target;
  p.remember_language = !req.param("lang").empty();
  p.secure_cookies = config_.secure_cookies;
  return p;
}

HttpResponse Console::refuse(const Visit& v, const HttpRequest& req, int status, const std::string& message) const {
  web::Page p = page(v, req, status == 403 ? tr(v.lang, "Not allowed", "Non autorisé") : tr(v.lang, "Error", "Erreur"), "");
  p.notice = esc(message);
  p.notice_is_error = true;
  p.body = std::string("<p><a href=\"/console\">") + tr(v.lang, "Back to the fleet", "Retour aux bornes") + "</a></p>";
  return web::render(p, status);
}

std::optional<std::map<std::string, web::FormField>> Console::checked_form(const HttpRequest& req, HttpResponse& res,
                                                                           const Visit& v, OperatorRole role) {
  auto form = web::form_fields(req);
  const auto csrf = form ? form->find("csrf") : decltype(form->find("csrf")){};
  if (!form || csrf == form->end() || !web::same_secret(csrf->second.value, v.session.csrf)) {
    note(v, "console-csrf-refused", "", "a form for " + req.path + " without this session's token, from " + req.peer);
    res = refuse(v, req, 403,
                 tr(v.lang, "This form is out of date or did not come from this console. Nothing was changed; "
                            "open the page again and repeat.",
                    "Ce formulaire est périmé ou ne vient pas de cette console. Rien n'a été changé ; rouvrez la "
                    "page et recommencez."));
    return std::nullopt;
  }
  if (v.role < role) {
    note(v, "console-refused", "", req.path + ": needs the " + operator_role_name(role) + " role");
    res = refuse(v, req, 403,
                 std::string(tr(v.lang, "Your role (", "Votre rôle (")) + v.account.role +
                     tr(v.lang, ") cannot do this; an administrator can give you the ",
                        ") ne permet pas cette action ; un administrateur peut vous donner le rôle ") +
                     operator_role_name(role) + tr(v.lang, " role.", "."));
    return std::nullopt;
  }
  return form;
}

void Console::note(const Visit& v, const std::string& kind, const std::string& kiosk, const std::string& detail) {
  if (auto s = store_.log_event(HubEvent{now_(), kind, kiosk, "by " + v.account.name + ": " + detail}); !s.ok())
    std::fprintf(stderr, "civic-hub: the console could not log '%s': %s\n", kind.c_str(), s.message().c_str());
}

FleetSettings Console::fleet_settings() {
  FleetSettings s;
  s.silent_after_nights = config_.silent_after_nights;
  s.disk_low_percent = config_.disk_low_percent;
  s.hub_version = civic_version();
  auto version = store_.latest_content_version();
  s.content_version = version.ok() ? *version : 0;
  return s;
}

// [SECTION] Logging in and out

HttpResponse Console::login_page(const HttpRequest& req, const std::string& notice, int status) const {
  const Lang l = web::language_of(req);
  const std::string token = web::random_token();
  web::Page p;
  p.lang = l;
  p.site = tr(l, "civic-hub console", "Console civic-hub");
  p.title = tr(l, "Log in", "Connexion");
  p.language_link = std::string("/console/login?lang=") + (l == Lang::kFr ? "en" : "fr");
  p.notice = esc(notice);
  p.notice_is_error = !notice.empty();
  p.body = std::string("<form method=\"post\" action=\"/console/login\">") +
           "<input type=\"hidden\" name=\"csrf\" value=\"" + token + "\">" +
           "<input type=\"hidden\" name=\"lang\" value=\"" + web::tag(l) + "\">" + "<label for=\"name\">" +
           tr(l, "Operator name", "Nom d'opérateur") +
           "</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required maxlength=\"64\">" +
           "<label for=\"password\">" + tr(l, "Password", "Mot de passe") +
           "</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" "
           "required maxlength=\"1024\"><div><button type=\"submit\">" +
           tr(l, "Log in", "Se connecter") + "</button></div></form>";
  auto res = web::render(p, status);
  res.headers.emplace_back("Set-Cookie", web::cookie(kLoginCookie, token, config_.secure_cookies, 3600));
  res.headers.emplace_back("Set-Cookie", web::cookie("civic-lang", web::tag(l), config_.secure_cookies, 31536000));
  return res;
}

void Console::login(const HttpRequest& req, HttpResponse& res) {
  auto form = web::form_fields(req);
  const auto jar = web::cookies(req);
  const auto field = [&](const char* name) {
    if (!form) return std::string();
    auto it = form->find(name);
    return it == form->end() ? std::string() : it->second.value;
  };
  HttpRequest as_asked = req;
  as_asked.query["lang"] = field("lang");
  const Lang l = web::language_of(as_asked);
  const auto cookie = jar.find(kLoginCookie);
  if (!form || cookie == jar.end() || !web::same_secret(field("csrf"), cookie->second)) {
    res = login_page(as_asked,
                     tr(l, "The login form was out of date. Please log in again.",
                        "Le formulaire de connexion était périmé. Veuillez vous reconnecter."),
                     403);
    return;
  }
  const std::string client = client_(req);
  const std::uint64_t now = now_();
  if (login_failures_.limited(client, now)) {
    res = login_page(as_asked,
                     tr(l, "Too many failed logins from this address. Wait a minute and try again.",
                        "Trop de connexions échouées depuis cette adresse. Attendez une minute et réessayez."),
                     429);
    return;
  }
  const std::string name = field("name");
  auto outcome = check_login(store_, name, field("password"), now);
  if (!outcome.ok()) {
    res = login_page(as_asked, outcome.message(), 500);
    return;
  }
  const std::string who = shorten_utf8(name, 64);
  if (outcome->kind != LoginOutcome::Kind::kAccepted) {
    login_failures_.add(client, now);
    const bool locked = outcome->kind == LoginOutcome::Kind::kLockedOut;
    (void)store_.log_event(HubEvent{now, locked ? "console-locked" : "console-login-failed", "",
                                    "operator '" + who + "' from " + client});
    if (locked) {
      const std::uint64_t minutes = (outcome->retry_in_seconds + 59) / 60;
      res = login_page(as_asked,
                       std::string(tr(l, "Too many wrong passwords: this account is locked for ",
                                      "Trop de mots de passe erronés : ce compte est bloqué pendant ")) +
                           plural(l, minutes, "minute", "minutes", "minute", "minutes") + ".",
                       429);
    } else {
      res = login_page(as_asked, tr(l, "The name or the password is wrong.", "Le nom ou le mot de passe est erroné."),
                       401);
    }
    return;
  }
  const std::string token = web::random_token();
  ConsoleSession session{tagged_hash("civic-kiosk/console-session/v1", {as_bytes(token)}), outcome->account.name,
                         web::random_token(), now, now + static_cast<std::uint64_t>(config_.session_hours) * 3600};
  if (auto s = store_.add_console_session(session, now); !s.ok()) {
    res = login_page(as_asked, s.message(), 500);
    return;
  }
  (void)store_.log_event(HubEvent{now, "console-login", "", "operator '" + who + "' from " + client});
  res = web::redirect(std::string("/console?lang=") + web::tag(l));
  res.headers.emplace_back("Set-Cookie", web::cookie(session_cookie(), token, config_.secure_cookies,
                                                     static_cast<long>(config_.session_hours) * 3600));
  res.headers.emplace_back("Set-Cookie", web::cookie(kLoginCookie, "", config_.secure_cookies, 0));
}

void Console::logout(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  if (!checked_form(req, res, *v, OperatorRole::kViewer)) return;
  (void)store_.remove_console_session(v->session.token_hash);
  note(*v, "console-logout", "", "logged out");
  res = web::redirect("/console/login");
  res.headers.emplace_back("Set-Cookie", web::cookie(session_cookie(), "", config_.secure_cookies, 0));
}

// [SECTION] Fleet and kiosks

void Console::fleet(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  const Lang l = v->lang;
  auto fleet = fleet_health(store_, fleet_settings(), now_());
  if (!fleet.ok()) {
    res = refuse(*v, req, 500, fleet.message());
    return;
  }
  std::size_t attention = 0;
  for (const auto& k : *fleet) attention += k.flags.empty() ? 0 : 1;
  std::string body = "<p>" + plural(l, fleet->size(), "kiosk", "kiosks", "borne", "bornes") + "; " +
                     plural(l, attention, "needs attention", "need attention", "demande attention",
                            "demandent attention") +
                     ".</p>";
  body += std::string("<table><caption>") + tr(l, "Kiosks", "Bornes") + "</caption><thead><tr><th scope=\"col\">" +
          tr(l, "Kiosk", "Borne") + "</th><th scope=\"col\">" + tr(l, "Last contact", "Dernier contact") +
          "</th><th scope=\"col\">" + tr(l, "Waiting records", "Réponses en attente") + "</th><th scope=\"col\">" +
          tr(l, "Software", "Logiciel") + "</th><th scope=\"col\">" + tr(l, "Content", "Contenu") +
          "</th><th scope=\"col\">" + tr(l, "Needs attention", "À surveiller") + "</th></tr></thead><tbody>";
  for (const auto& k : *fleet) {
    const std::string id = to_hex(k.kiosk.id);
    body += "<tr><th scope=\"row\"><a href=\"/console/kiosk?id=" + id + "\">" +
            esc(k.kiosk.name.empty() ? id.substr(0, 8) : k.kiosk.name) + "</a></th><td>" + when(k.last_contact) +
            "</td><td>" + (k.latest ? std::to_string(k.latest->report.backlog_records) : "–") + "</td><td>" +
            (k.latest ? esc(k.latest->report.software_version) : "–") + "</td><td>" +
            (k.latest ? std::to_string(k.latest->report.content_version) : "–") + "</td><td>" +
            flags_html(l, k.flags) + "</td></tr>";
  }
  if (fleet->empty())
    body += std::string("<tr><td colspan=\"6\">") +
            tr(l, "No kiosk is enrolled yet: create an enrolment token.", "Aucune borne n'est inscrite : créez un jeton d'inscription.") +
            "</td></tr>";
  body += "</tbody></table>";
  auto p = page(*v, req, tr(l, "Fleet", "Bornes"), "/console");
  p.body = body;
  res = web::render(p);
}

void Console::kiosk(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  const Lang l = v->lang;
  auto id = fixed_from_hex<kKioskIdSize>(req.param("id"));
  auto info = id.ok() ? store_.kiosk(*id) : Result<std::optional<KioskInfo>>(std::optional<KioskInfo>());
  if (!info.ok() || !*info) {
    res = refuse(*v, req, 404, tr(l, "There is no such kiosk.", "Cette borne n'existe pas."));
    return;
  }
  const KioskInfo& k = **info;
  auto history = store_.health_reports(k.id, kHealthHistoryPerKiosk);
  if (!history.ok()) {
    res = refuse(*v, req, 500, history.message());
    return;
  }
  KioskHealth health{k, std::nullopt, std::nullopt, k.last_contact, {}};
  if (!history->empty()) health.latest = (*history)[0];
  if (history->size() > 1) health.previous = (*history)[1];
  health.flags = health_flags(health, fleet_settings(), now_());
  const std::string hex = to_hex(k.id);
  std::string body = "<dl><dt>" + std::string(tr(l, "Kiosk id", "Identifiant")) + "</dt><dd><code>" + hex +
                     "</code></dd><dt>" + tr(l, "Enrolled", "Inscrite") + "</dt><dd>" + when(k.enrolled_at) +
                     "</dd><dt>" + tr(l, "Last contact", "Dernier contact") + "</dt><dd>" + when(k.last_contact) +
                     "</dd><dt>" + tr(l, "Needs attention", "À surveiller") + "</dt><dd>" + flags_html(l, health.flags) +
                     "</dd></dl>";
  if (health.latest) {
    const HealthReport& h = health.latest->report;
    body += std::string("<h2>") + tr(l, "Latest health report", "Dernier rapport d'état") + "</h2><dl>";
    const std::pair<const char*, std::string> rows[] = {
        {tr(l, "Made", "Établi"), format_utc(h.created_at) + " (" + tr(l, "received ", "reçu ") +
                                      format_utc(health.latest->received_at) + ", " + health.latest->via + ")"},
        {tr(l, "Software", "Logiciel"), h.software_version},
        {tr(l, "Up for", "En marche depuis"), std::to_string(h.uptime_seconds / 3600) + " h"},
        {tr(l, "Starts, crashes (since set-up)", "Démarrages, plantages (depuis l'installation)"),
         std::to_string(h.boots) + ", " + std::to_string(h.crashes)},
        {tr(l, "Waiting records", "Réponses en attente"),
         std::to_string(h.backlog_records) +
             (h.oldest_pending_at ? std::string(tr(l, ", oldest from ", ", la plus ancienne du ")) +
                                        format_utc(h.oldest_pending_at)
                                  : std::string())},
        {tr(l, "Free disk", "Disque libre"), bytes_text(h.free_disk_bytes) + " / " + bytes_text(h.disk_bytes)},
        {tr(l, "Content version", "Version du contenu"), std::to_string(h.content_version)},
        {tr(l, "Speech", "Synthèse vocale"), speech_text(l, h.speech)},
        {tr(l, "Display", "Écran"), std::to_string(h.display_width) + " × " + std::to_string(h.display_height)},
        {tr(l, "Staff PIN lock-outs (since set-up)", "Blocages du NIP (depuis l'installation)"),
         std::to_string(h.staff_lockouts)},
        {tr(l, "Last sync", "Dernière synchronisation"),
         format_utc(h.last_sync_at ? std::optional<std::uint64_t>(h.last_sync_at) : std::nullopt) +
             (h.last_sync_error.empty() ? std::string() : " — " + h.last_sync_error)},
    };
    for (const auto& [name, value] : rows) body += std::string("<dt>") + name + "</dt><dd>" + esc(value) + "</dd>";
    body += "</dl>";
    body += std::string("<table><caption>") + tr(l, "Health history, newest first", "Historique, le plus récent d'abord") +
            "</caption><thead><tr><th scope=\"col\">" + tr(l, "Made", "Établi") + "</th><th scope=\"col\">" +
            tr(l, "Via", "Par") + "</th><th scope=\"col\">" + tr(l, "Waiting", "En attente") +
            "</th><th scope=\"col\">" + tr(l, "Free disk", "Disque libre") + "</th><th scope=\"col\">" +
            tr(l, "Starts", "Démarrages") + "</th><th scope=\"col\">" + tr(l, "Crashes", "Plantages") +
            "</th><th scope=\"col\">" + tr(l, "Speech", "Voix") + "</th><th scope=\"col\">" +
            tr(l, "Last sync error", "Erreur de synchronisation") + "</th></tr></thead><tbody>";
    for (const auto& r : *history) {
      const HealthReport& x = r.report;
      body += "<tr><td>" + when(x.created_at) + "</td><td>" + esc(r.via) + "</td><td>" +
              std::to_string(x.backlog_records) + "</td><td>" + bytes_text(x.free_disk_bytes) + "</td><td>" +
              std::to_string(x.boots) + "</td><td>" + std::to_string(x.crashes) + "</td><td>" +
              speech_text(l, x.speech) + "</td><td>" + esc(x.last_sync_error) + "</td></tr>";
    }
    body += "</tbody></table>";
  }
  if (!k.revoked_at && v->role >= OperatorRole::kAdmin) {
    body += std::string("<h2>") + tr(l, "Revoke", "Révoquer") + "</h2><p>" +
            tr(l, "A revoked kiosk can no longer send anything over the network (a stolen kiosk, say). What it "
                  "hands over on a USB drive is held for a decision. This cannot be undone.",
               "Une borne révoquée ne peut plus rien envoyer par le réseau (une borne volée, par exemple). Ce "
               "qu'elle remet sur clé USB est retenu pour décision. C'est irréversible.") +
            "</p><form method=\"post\" action=\"/console/kiosk/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"" +
            esc(v->session.csrf) + "\"><input type=\"hidden\" name=\"id\" value=\"" + hex + "\"><label for=\"confirm\">" +
            tr(l, "Type the kiosk's name to confirm", "Tapez le nom de la borne pour confirmer") +
            "</label><input id=\"confirm\" name=\"confirm\" required><div><button class=\"danger\" type=\"submit\">" +
            tr(l, "Revoke this kiosk", "Révoquer cette borne") + "</button></div></form>";
  }
  auto p = page(*v, req, tr(l, "Kiosk: ", "Borne : ") + (k.name.empty() ? hex.substr(0, 8) : k.name), "/console");
  p.body = body;
  res = web::render(p);
}

void Console::revoke(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  auto form = checked_form(req, res, *v, OperatorRole::kAdmin);
  if (!form) return;
  const Lang l = v->lang;
  auto id = fixed_from_hex<kKioskIdSize>((*form)["id"].value);
  auto info = id.ok() ? store_.kiosk(*id) : Result<std::optional<KioskInfo>>(std::optional<KioskInfo>());
  if (!info.ok() || !*info) {
    res = refuse(*v, req, 404, tr(l, "There is no such kiosk.", "Cette borne n'existe pas."));
    return;
  }
  if ((*form)["confirm"].value != (*info)->name) {
    res = refuse(*v, req, 400,
                 tr(l, "The name typed is not the kiosk's name: nothing was revoked.",
                    "Le nom tapé n'est pas celui de la borne : rien n'a été révoqué."));
    return;
  }
  if (auto s = store_.revoke(*id, now_()); !s.ok()) {
    res = refuse(*v, req, 500, s.message());
    return;
  }
  note(*v, "revoked", to_hex(*id), "kiosk '" + (*info)->name + "' revoked from the console");
  res = web::redirect("/console/kiosk?id=" + to_hex(*id));
}

// [SECTION] Enrolment tokens

void Console::tokens(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  const Lang l = v->lang;
  auto list = store_.enrolment_tokens();
  if (!list.ok()) {
    res = refuse(*v, req, 500, list.message());
    return;
  }
  std::string body;
  if (v->role >= OperatorRole::kAdmin) {
    body += std::string("<h2>") + tr(l, "New token", "Nouveau jeton") + "</h2><p>" +
            tr(l, "A token lets one kiosk enrol, once, before it expires. It is shown once only.",
               "Un jeton permet à une seule borne de s'inscrire, une fois, avant son expiration. Il n'est montré "
               "qu'une fois.") +
            "</p><form method=\"post\" action=\"/console/tokens\"><input type=\"hidden\" name=\"csrf\" value=\"" +
            esc(v->session.csrf) + "\"><label for=\"label\">" +
            tr(l, "Label (where the kiosk goes)", "Libellé (où va la borne)") +
            "</label><input id=\"label\" name=\"label\" required maxlength=\"200\"><label for=\"hours\">" +
            tr(l, "Valid for (hours)", "Valide pendant (heures)") +
            "</label><input id=\"hours\" name=\"hours\" type=\"number\" min=\"1\" max=\"2160\" value=\"" +
            std::to_string(config_.token_lifetime_hours) + "\" required><div><button type=\"submit\">" +
            tr(l, "Create token", "Créer le jeton") + "</button></div></form>";
  }
  body += std::string("<table><caption>") + tr(l, "Tokens", "Jetons") + "</caption><thead><tr><th scope=\"col\">" +
          tr(l, "Label", "Libellé") + "</th><th scope=\"col\">" + tr(l, "Created", "Créé") + "</th><th scope=\"col\">" +
          tr(l, "Expires", "Expire") + "</th><th scope=\"col\">" + tr(l, "Used", "Utilisé") + "</th></tr></thead><tbody>";
  for (const auto& t : *list) {
    std::string used = t.used_at ? format_utc(t.used_at) : tr(l, "not yet", "pas encore");
    body += "<tr><td>" + esc(t.label) + "</td><td>" + when(t.created_at) + "</td><td>" + when(t.expires_at) +
            "</td><td>" +
            (t.used_by ? "<a href=\"/console/kiosk?id=" + to_hex(*t.used_by) + "\">" + esc(used) + "</a>" : esc(used)) +
            "</td></tr>";
  }
  body += "</tbody></table>";
  auto p = page(*v, req, tr(l, "Enrolment tokens", "Jetons d'inscription"), "/console/tokens");
  p.body = body;
  res = web::render(p);
}

void Console::create_token(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  auto form = checked_form(req, res, *v, OperatorRole::kAdmin);
  if (!form) return;
  const Lang l = v->lang;
  const std::string label = (*form)["label"].value;
  std::uint64_t hours = 0;
  try {
    hours = std::stoull((*form)["hours"].value);
  } catch (const std::exception&) {
  }
  if (label.empty() || label.size() > 200 || !is_valid_utf8(as_bytes(label)) || hours < 1 || hours > 2160) {
    res = refuse(*v, req, 400,
                 tr(l, "A token needs a label (at most 200 characters) and 1 to 2160 hours.",
                    "Un jeton demande un libellé (200 caractères au plus) et de 1 à 2160 heures."));
    return;
  }
  auto token = service_.create_enrolment_token(label, hours * 3600, now_());
  if (!token.ok()) {
    res = refuse(*v, req, 500, token.message());
    return;
  }
  note(*v, "enrolment-token", "", "token '" + label + "' valid " + std::to_string(hours) + " h");
  // The address kiosks reach the hub at: [server] public_url, or the one this browser used.
  const std::string url = !config_.public_url.empty() ? config_.public_url
                          : req.has_header("Host")    ? "http://" + req.header("Host")
                                                      : "https://HUB";
  const std::string command = "civic-sync enroll " + url + " " + *token;
  std::string body = std::string("<p>") +
                     tr(l, "Give this to the staff setting up the kiosk. It is not shown again.",
                        "Donnez-le au personnel qui installe la borne. Il ne sera plus affiché.") +
                     "</p><h2>" + tr(l, "Token", "Jeton") + "</h2><p class=\"token\" id=\"token\">" + esc(*token) +
                     "</p><h2>" + tr(l, "On the kiosk", "Sur la borne") + "</h2><pre class=\"token\">" + esc(command) +
                     "</pre>" +
                     web::qr_svg(*token, tr(l, "QR code of the token", "Code QR du jeton")) + "<p>" +
                     tr(l, "The QR code holds the token alone.", "Le code QR contient le jeton seul.") +
                     "</p><p><a href=\"/console/tokens\">" + tr(l, "Back to tokens", "Retour aux jetons") + "</a></p>";
  auto p = page(*v, req, tr(l, "Token created: ", "Jeton créé : ") + label, "/console/tokens");
  p.body = body;
  res = web::render(p);
}

// [SECTION] Consultations

// A consultation as the kiosk shows it: its screen (title, summary, text, ideas), per language.
std::string preview(Lang l, const Content& content) {
  std::string out;
  for (const auto& c : content.consultations) {
    std::set<std::string> languages;
    for (const auto* text : {&c.title, &c.summary, &c.body})
      for (const auto& [lang, _] : text->by_language) languages.insert(lang);
    // A consultation without dates is open from the start and never closes.
    const std::string opens = c.opens_at ? format_utc(c.opens_at) : tr(l, "open now", "ouverte");
    const std::string closes = c.closes_at < std::numeric_limits<std::int64_t>::max() ? format_utc(c.closes_at)
                                                                                       : tr(l, "no end", "sans fin");
    out += "<h3>" + esc(c.title.in("en")) + " <small>(" + esc(c.id) + ", " + voting_method_name(c.voting) + ", " +
           esc(opens) + " – " + esc(closes) + ")</small></h3>";
    for (const auto& lang : languages) {
      out += "<section class=\"screen\" lang=\"" + esc(lang) + "\" aria-label=\"" +
             tr(l, "Kiosk screen in ", "Écran de borne en ") + esc(lang) + ": " + esc(c.id) + "\"><h3>" + esc(c.title.in(lang)) +
             "</h3><p>" + esc(c.summary.in(lang)) + "</p><p>" + esc(c.body.in(lang)) + "</p>";
      for (const auto& idea : c.ideas) {
        out += "<span class=\"idea\">" + esc(idea.text.in(lang));
        if (c.voting == VotingMethod::kBudget) out += " — " + esc(format_money(idea.cost, c.currency));
        out += "</span>";
      }
      out += "</section>";
    }
  }
  return out;
}

std::string problems_html(Lang l, const std::vector<ContentProblem>& problems, const char* caption) {
  if (problems.empty()) return "";
  std::string out = std::string("<table><caption>") + caption + "</caption><thead><tr><th scope=\"col\">" +
                    tr(l, "Line", "Ligne") + "</th><th scope=\"col\">" + tr(l, "Where", "Où") +
                    "</th><th scope=\"col\">" + tr(l, "Problem", "Problème") + "</th></tr></thead><tbody>";
  for (const auto& p : problems)
    out += "<tr><td>" + std::to_string(p.line) + "</td><td><code>" + esc(p.pointer) + "</code></td><td>" +
           esc(p.message) + "</td></tr>";
  return out + "</tbody></table>";
}

std::string upload_form(Lang l, const std::string& csrf, bool can_publish) {
  std::string out = std::string("<form method=\"post\" action=\"/console/consultations\" "
                                "enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"csrf\" value=\"") +
                    esc(csrf) + "\"><label for=\"file\">" +
                    tr(l, "Consultations file (JSON)", "Fichier de consultations (JSON)") +
                    "</label><input id=\"file\" name=\"file\" type=\"file\" accept=\".json,application/json\" required>";
  if (can_publish)
    out += std::string("<label for=\"key\">") +
           tr(l, "Content key file (to publish; used for this request only, never stored)",
              "Fichier de la clé de contenu (pour publier ; utilisé pour cette requête seulement, jamais gardé)") +
           "</label><input id=\"key\" name=\"key\" type=\"file\">";
  out += std::string("<div><button type=\"submit\" name=\"action\" value=\"check\" class=\"secondary\">") +
         tr(l, "Check and preview", "Vérifier et prévisualiser") + "</button> ";
  if (can_publish)
    out += std::string("<button type=\"submit\" name=\"action\" value=\"publish\">") +
           tr(l, "Publish to the kiosks", "Publier sur les bornes") + "</button>";
  return out + "</div></form>";
}

void Console::consultations(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  const Lang l = v->lang;
  std::string body;
  auto version = store_.latest_content_version();
  body += "<p>" + std::string(tr(l, "Published content version: ", "Version de contenu publiée : ")) +
          (version.ok() && *version ? std::to_string(*version) : tr(l, "none yet", "aucune")) + ".</p>";
  body += upload_form(l, v->session.csrf, v->role >= OperatorRole::kPublisher);
  auto current = service_.consultations_with_approved_ideas();
  if (current.ok()) {
    body += std::string("<h2>") + tr(l, "As the kiosks will show them", "Telles que les bornes les montreront") + "</h2>";
    body += preview(l, *current);
  }
  auto p = page(*v, req, tr(l, "Consultations", "Consultations"), "/console/consultations");
  p.body = body;
  res = web::render(p);
}

void Console::upload_consultations(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  auto form = checked_form(req, res, *v, OperatorRole::kViewer);
  if (!form) return;
  const Lang l = v->lang;
  const bool publish = (*form)["action"].value == "publish";
  if (publish && v->role < OperatorRole::kPublisher) {
    note(*v, "console-refused", "", "publishing needs the publisher role");
    res = refuse(*v, req, 403,
                 std::string(tr(l, "Your role (", "Votre rôle (")) + v->account.role +
                     tr(l, ") cannot publish; an administrator can give you the publisher role.",
                        ") ne permet pas de publier ; un administrateur peut vous donner le rôle publisher."));
    return;
  }
  const web::FormField& file = (*form)["file"];
  const ContentCheck check = check_consultations_file(file.value);
  const std::string name = file.filename.empty() ? "consultations.json" : file.filename;
  std::string body, notice;
  bool error = !check.errors.empty();
  if (error) {
    notice = esc(name) + tr(l, ": the file has errors; nothing was published. Fix each line below and upload it again.",
                            " : le fichier a des erreurs ; rien n'a été publié. Corrigez chaque ligne ci-dessous et "
                            "envoyez-le de nouveau.");
  } else if (publish) {
    std::string& key_file = (*form)["key"].value;
    auto seed = decode_key_file(as_bytes(key_file), KeyType::kHubContentSecret);
    secure_wipe(key_file.data(), key_file.size());
    if (!seed.ok()) {
      error = true;
      notice = esc(std::string(tr(l, "The content key file was not accepted: ", "Le fichier de clé n'a pas été accepté : ")) +
                   seed.message());
    } else {
      auto key = signing_key_pair_from_seed(*seed);
      secure_wipe(seed->data(), seed->size());
      {
        const MemoryLock lock(&key, sizeof key);
        const std::uint64_t now = now_();
        auto published = service_.publish_content(static_cast<std::uint64_t>(config_.content_lifetime_days) * 86400,
                                                   now, key, &file.value);
        if (!published.ok()) {
          error = true;
          notice = esc(published.message());
        } else {
          note(*v, "content-published", "", "content version " + std::to_string(*published) + " from " + name);
          notice = esc(std::string(tr(l, "Published as content version ", "Publié comme version de contenu ")) +
                       std::to_string(*published) + tr(l, ". Kiosks take it at their next sync.",
                                                        ". Les bornes la prendront à leur prochaine synchronisation."));
        }
      }
    }
  } else {
    notice = esc(name) + tr(l, ": no errors. Check the preview below, then publish.",
                            " : aucune erreur. Vérifiez l'aperçu ci-dessous, puis publiez.");
  }
  body += problems_html(l, check.errors, tr(l, "Errors", "Erreurs"));
  body += problems_html(l, check.warnings, tr(l, "Warnings", "Avertissements"));
  body += upload_form(l, v->session.csrf, v->role >= OperatorRole::kPublisher);
  if (check.content) {
    body += std::string("<h2>") + tr(l, "Preview: as the kiosks will show them", "Aperçu : tel que les bornes le montreront") +
            "</h2>" + preview(l, *check.content);
  }
  auto p = page(*v, req, tr(l, "Consultations", "Consultations"), "/console/consultations");
  p.notice = notice;
  p.notice_is_error = error;
  p.body = body;
  res = web::render(p, error && !check.errors.empty() ? 422 : 200);
}

// [SECTION] Events and results

void Console::events(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  const Lang l = v->lang;
  auto list = store_.events(500);
  if (!list.ok()) {
    res = refuse(*v, req, 500, list.message());
    return;
  }
  std::string body = std::string("<p>") +
                     tr(l, "Forks, gaps, refused uploads, failed logins and every operator's action; newest first.",
                        "Embranchements, trous, envois refusés, connexions échouées et chaque action d'opérateur ; "
                        "les plus récents d'abord.") +
                     "</p><table><caption>" + tr(l, "The latest 500 events", "Les 500 derniers événements") +
                     "</caption><thead><tr><th scope=\"col\">" + tr(l, "When", "Quand") + "</th><th scope=\"col\">" +
                     tr(l, "What", "Quoi") + "</th><th scope=\"col\">" + tr(l, "Kiosk or address", "Borne ou adresse") +
                     "</th><th scope=\"col\">" + tr(l, "Detail", "Détail") + "</th></tr></thead><tbody>";
  for (const auto& e : *list)
    body += "<tr><td>" + when(e.at) + "</td><td>" + esc(e.kind) + "</td><td>" + esc(e.kiosk.substr(0, 16)) +
            "</td><td>" + esc(e.detail) + "</td></tr>";
  body += "</tbody></table>";
  auto p = page(*v, req, tr(l, "Hub events", "Événements du hub"), "/console/events");
  p.body = body;
  res = web::render(p);
}

// Result runs: folders under the state directory's results/ (civic-hub tally --out and open-data
// --out write them), newest first, each with its regular files (links are not followed).
struct ResultRun {
  std::string name;
  std::vector<std::pair<std::string, std::uint64_t>> files;  // relative path, size
};
std::vector<ResultRun> result_runs(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::vector<ResultRun> runs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec) || entry.is_symlink(ec)) continue;
    ResultRun run{entry.path().filename().string(), {}};
    for (auto it = fs::recursive_directory_iterator(entry.path(), ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (ec || it.depth() > 2) break;
      if (it->is_symlink(ec)) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec) && run.files.size() < 200)
        run.files.emplace_back(fs::relative(it->path(), entry.path(), ec).string(), it->file_size(ec));
    }
    std::sort(run.files.begin(), run.files.end());
    runs.push_back(std::move(run));
  }
  std::sort(runs.begin(), runs.end(), [](const ResultRun& a, const ResultRun& b) { return a.name > b.name; });
  return runs;
}

std::string url_component(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

void Console::results(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  const Lang l = v->lang;
  const auto runs = result_runs(config_.results_dir());
  std::string body = std::string("<p>") +
                     tr(l, "Results are computed with the offline submission key (civic-hub tally and open-data, "
                           "with --out under ",
                        "Les résultats sont calculés avec la clé de soumission hors ligne (civic-hub tally et "
                        "open-data, avec --out sous ") +
                     "<code>" + esc(config_.results_dir().string()) + "</code>" +
                     tr(l, "). The newest run comes first.", "). Le plus récent vient en premier.") + "</p>";
  if (runs.empty()) body += std::string("<p>") + tr(l, "No results yet.", "Pas encore de résultats.") + "</p>";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& run = runs[i];
    body += "<h2>" + esc(run.name) + (i == 0 ? std::string(tr(l, " (latest)", " (le plus récent)")) : "") + "</h2><ul>";
    for (const auto& [file, size] : run.files)
      body += "<li><a href=\"/console/results/file?run=" + url_component(run.name) + "&amp;file=" + url_component(file) +
              "\">" + esc(file) + "</a> (" + bytes_text(size) + ")</li>";
    body += "</ul>";
  }
  auto p = page(*v, req, tr(l, "Results", "Résultats"), "/console/results");
  p.body = body;
  res = web::render(p);
}

void Console::result_file(const HttpRequest& req, HttpResponse& res) {
  auto v = visit(req, res);
  if (!v) return;
  // Only a file the listing offers: no path is built from what the request says.
  const std::string run_name = req.param("run"), file = req.param("file");
  for (const auto& run : result_runs(config_.results_dir())) {
    if (run.name != run_name) continue;
    for (const auto& [name, size] : run.files) {
      if (name != file) continue;
      auto bytes = files::read_file(config_.results_dir() / run.name / name, 256 * 1024 * 1024);
      if (!bytes.ok()) {
        res = refuse(*v, req, 500, bytes.message());
        return;
      }
      const std::string ext = std::filesystem::path(name).extension().string();
      res = HttpResponse{200,
                         ext == ".html"   ? "text/html; charset=utf-8"
                         : ext == ".csv"  ? "text/csv; charset=utf-8"
                         : ext == ".json" ? "application/json"
                         : ext == ".png"  ? "image/png"
                                          : "application/octet-stream",
                         std::string(as_chars(*bytes)),
                         {}};
      web::security_headers(res);
      // A report's own inline styles are its; it still runs no script and loads nothing.
      if (ext == ".html") res.headers[0].second = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";
      if (ext != ".html")
        res.headers.emplace_back("Content-Disposition",
                                 "attachment; filename=\"" + std::filesystem::path(name).filename().string() + "\"");
      return;
    }
  }
  res = refuse(*v, req, 404, tr(v->lang, "There is no such result file.", "Ce fichier de résultats n'existe pas."));
}

void Console::add_routes(HttpServer& server, const std::shared_ptr<Console>& console) {
  const auto bind = [console](void (Console::*handler)(const HttpRequest&, HttpResponse&)) {
    return [console, handler](const HttpRequest& req, HttpResponse& res) { ((*console).*handler)(req, res); };
  };
  server.route("GET", "/console/login",
               [console](const HttpRequest& req, HttpResponse& res) { res = console->login_page(req, "", 200); });
  server.route("POST", "/console/login", bind(&Console::login));
  server.route("POST", "/console/logout", bind(&Console::logout));
  server.route("GET", "/console", bind(&Console::fleet));
  server.route("GET", "/console/", bind(&Console::fleet));
  server.route("GET", "/console/kiosk", bind(&Console::kiosk));
  server.route("POST", "/console/kiosk/revoke", bind(&Console::revoke));
  server.route("GET", "/console/tokens", bind(&Console::tokens));
  server.route("POST", "/console/tokens", bind(&Console::create_token));
  server.route("GET", "/console/consultations", bind(&Console::consultations));
  server.route("POST", "/console/consultations", bind(&Console::upload_consultations));
  server.route("GET", "/console/events", bind(&Console::events));
  server.route("GET", "/console/results", bind(&Console::results));
  server.route("GET", "/console/results/file", bind(&Console::result_file));
}

}  // namespace

void add_console_routes(HttpServer& server, HubService& service, std::function<std::uint64_t()> clock,
                        std::function<std::string(const HttpRequest&)> client) {
  Console::add_routes(server, std::make_shared<Console>(service, std::move(clock), std::move(client)));
}

}  // namespace civic
