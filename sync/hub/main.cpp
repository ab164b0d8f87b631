// civic-hub: the central server and its operator commands.
#include <CLI/CLI.hpp>
#include "sync/common/human.h"
#include <cstdio>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

#include "console.h"
#include "count.h"
#include "moderation_web.h"
#include "report.h"
#include "server.h"
#include "online_export.h"
#include "pabulib.h"
#include "recordings.h"
#include "open_data.h"
#include "tally.h"
#include "service.h"
#include "sync/cli/cli.h"
#include "sync/files/files.h"
#include "sync/keystore/keystore.h"
#include "sync/transfer/usb.h"

using namespace civic;

namespace {

std::uint64_t now_seconds() { return static_cast<std::uint64_t>(std::time(nullptr)); }

int fail(const Error& e) { return report_failure("civic-hub", e); }


// An operator's file (consultations, population): a regular file of at most 16 MiB.
Result<std::string> read_text_file(const std::string& path) {
  constexpr std::uintmax_t kMaxBytes = 16 * 1024 * 1024;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return make_error(ErrorCode::kNotFound, "cannot read " + path + ": there is no such file; check the path");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return make_error(ErrorCode::kInvalidArgument, path + " is not a file (a folder?): give the file itself");
  }
  if (std::filesystem::file_size(path, ec) > kMaxBytes || ec) {
    return make_error(ErrorCode::kOversize, path + " is larger than 16 MiB: is it the right file?");
  }
  return files::read_named_file(path, kMaxBytes);
}

// Reads and checks an operator's consultations file, printing every problem with its line.
Result<std::string> read_consultations_file(const std::string& path, const std::string& nothing_was) {
  CIVIC_ASSIGN(text, read_text_file(path));
  const ContentCheck check = check_consultations_file(text);
  std::fputs(check.report(path).c_str(), stderr);
  if (!check.errors.empty()) {
    return make_error(ErrorCode::kInvalidArgument, path + " has " + std::to_string(check.errors.size()) +
                                                       " error(s), listed above with their lines; nothing was " +
                                                       nothing_was + ". Fix them and run this again");
  }
  return text;
}

Status write_text_file(const std::filesystem::path& path, const std::string& text) {
  return files::write_file(path, text);
}

// One `serve` per state directory: a second one would answer beside the first on another port
// and confuse kiosks and operators. The lock lasts as long as the returned descriptor.
Result<files::Fd> lock_for_serving(const std::filesystem::path& state_dir) {
  auto lock = files::lock_file(state_dir / "serve.lock");
  if (!lock.ok() && lock.code() == ErrorCode::kConflict) {
    return make_error(ErrorCode::kConflict, "another 'civic-hub serve' is already running on " + state_dir.string() +
                                                ": stop it first (systemctl stop civic-hub), or give another --state");
  }
  return lock;
}

// Before anything opens the hub: is there one where the operator pointed (or where the system's
// configuration points)? Without this, the first missing file's name is all they would see.
Status check_hub_state(const HubConfig& config, bool defaulted) {
  std::error_code ec;
  const bool there = std::filesystem::exists(config.signing_key_path(), ec);
  if (ec == std::errc::permission_denied) {
    return make_error(ErrorCode::kUnauthorized, "cannot look into " + config.state_dir.string() +
                                                    ": run this as the hub's user, e.g. sudo -u civic-hub civic-hub ...");
  }
  if (!there) {
    return make_error(ErrorCode::kInvalidArgument,
                      "there is no hub in " + config.state_dir.string() +
                          (defaulted ? " (the system's hub, used when neither --state nor --config is given)" : "") +
                          ": give --state DIR (or --config FILE) for the hub you mean, or create one there with "
                          "'civic-hub --state DIR init'");
  }
  return {};
}

// Who runs the command, for the logs: the person behind sudo, else the login.
std::string login_name() {
  const char* login = std::getenv("SUDO_USER") ? std::getenv("SUDO_USER") : std::getenv("USER");
  return login ? login : "unknown";
}

// A Unix time, or null for "never".
nlohmann::json time_json(std::optional<std::uint64_t> at) { return at ? nlohmann::json(*at) : nlohmann::json(nullptr); }

nlohmann::json kiosk_json(const KioskInfo& k, std::uint64_t records) {
  return {{"id", to_hex(k.id)},
          {"name", k.name},
          {"status", k.revoked_at ? "revoked" : "active"},
          {"enrolled_at", k.enrolled_at},
          {"revoked_at", time_json(k.revoked_at)},
          {"last_contact", time_json(k.last_contact)},
          {"records", records}};
}

Result<SealKeyPair> load_operator_key(const std::string& path) {
  if (path.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "give the submission SECRET key file with --key (it is kept "
                                                   "offline: the hub never stores it)");
  }
  return load_submission_secret_key(path);
}

Result<std::unique_ptr<HubService>> open_service(const HubConfig& config) {
  CIVIC_ASSIGN(keys, load_hub_keys(config));
  CIVIC_ASSIGN(store, open_hub_store(config.store_url, config.database_path()));
  return std::make_unique<HubService>(std::move(store), std::move(keys), config);
}

// Every option of every subcommand, as the command line set them (defaults here).
struct Options {
  std::string operator_action, operator_name, operator_role = "viewer";  // operator
  bool moderate_web = false;                                                // moderate --web
  std::string submission_out;                                            // init
  std::string listen, ready_file;                                        // serve
  int port = -1;
  std::string label = "kiosk", hub_url;                                  // enroll-token
  int hours = 0;
  bool hours_given = false;
  std::string action = "list", kiosk_hex;                                // kiosks
  bool revoke_confirmed = false;
  bool as_json = false;                                                  // listings: shapes in installer/README.md
  std::size_t limit = 50;                                                // events
  std::string held_action = "list", held_reason, held_by;                // held
  std::uint64_t held_id = 0;
  bool held_id_given = false;
  std::string import_dir;                                                // import
  std::string content_file, content_key_file;                            // content
  std::string recordings_language, recordings_list, recordings_out;      // content add-recordings
  int days = 0;
  std::string key_file;                                                  // moderate, tally, migrate-store
  std::string migrate_from, migrate_to;                                  // migrate-store
  std::string moderate_action = "list", moderation_id, reason, replacement, reopen_reason, decided_by;
  std::vector<std::string> redactions;
  std::string population_file, out_dir = "results", only_consultation;  // tally
  std::uint64_t max_sessions = 60;
  bool exclude_revoked = false;
  std::string receipt_code, proof_out;                                   // receipt
  std::uint64_t receipt_match = 1;
  std::string checkpoint_out;                                            // log checkpoint
  std::uint64_t consistency_from = 0;                                    // log consistency
  std::optional<std::uint64_t> consistency_to;
  std::string consistency_out;
  std::string online_format, online_source, online_file, online_map;     // import-online
  std::string proofs_out;                                                // log imports
  std::string pabulib_file, pabulib_country, pabulib_unit;               // export-pabulib, budget-count
};

// civic-hub init: the hub's keys, the secret ones to be moved offline.
int run_init(const HubConfig& config, const Options& o) {
  const std::filesystem::path out =
      o.submission_out.empty() ? config.state_dir / "offline" / "hub-submission.key" : std::filesystem::path(o.submission_out);
  const std::filesystem::path content_out = out.parent_path() / "hub-content.key";
  if (auto s = create_hub_keys(config, out, content_out); !s.ok()) return fail(s.error());
  auto keys = load_hub_keys(config);
  if (!keys.ok()) return fail(keys.error());
  std::printf("hub keys created in %s\n", config.state_dir.string().c_str());
  std::printf("signing key fingerprint:    %s\n", key_fingerprint(keys->signing.public_key.bytes).c_str());
  std::printf("submission key fingerprint: %s\n", key_fingerprint(keys->submission.bytes).c_str());
  std::printf("content key fingerprint:    %s\n", key_fingerprint(keys->content.bytes).c_str());
  std::printf("\nThe submission SECRET key is %s and the content SECRET key is %s.\n"
              "Move both to offline storage now: only operators opening submissions (submission key) and\n"
              "publishing content (content key, 'content publish --key') need them, never the server.\n",
              out.string().c_str(), content_out.string().c_str());
  return 0;
}

// civic-hub content check FILE: needs no hub, so an operator can check a file anywhere.
int run_content_check(const Options& o) {
  auto text = read_consultations_file(o.content_file, "changed");
  if (!text.ok()) return fail(text.error());
  std::printf("%s: no errors\n", o.content_file.c_str());
  return kExitOk;
}

// civic-hub serve.
int run_serve(HubService& service, const HubConfig& config, const Options& o) {
  auto serve_lock = lock_for_serving(config.state_dir);
  if (!serve_lock.ok()) return fail(serve_lock.error());
  auto s = serve_http(service, [&o](int bound) {
    if (o.ready_file.empty()) return;
    if (auto s = files::write_file(o.ready_file, std::to_string(bound) + "\n", {.durable = false}); !s.ok())
      std::fprintf(stderr, "civic-hub: %s\n", s.message().c_str());
  });
  return s.ok() ? 0 : fail(s.error());
}

// civic-hub enroll-token.
int run_enroll_token(HubService& service, const HubConfig& config, const Options& o) {
  if (o.hours_given && (o.hours < 1 || o.hours > 24 * 90)) {
    return fail(make_error(ErrorCode::kInvalidArgument,
                           "--hours must be from 1 to 2160 (90 days); leave it out for the configured " +
                               std::to_string(config.token_lifetime_hours) + " hours"));
  }
  const std::uint64_t lifetime = static_cast<std::uint64_t>(o.hours > 0 ? o.hours : config.token_lifetime_hours) * 3600;
  auto t = service.create_enrolment_token(o.label, lifetime, now_seconds());
  if (!t.ok()) return fail(t.error());
  std::printf("%s\n", t->c_str());
  const std::string url = !o.hub_url.empty()          ? o.hub_url
                          : !config.public_url.empty() ? config.public_url
                                                       : "https://HUB-ADDRESS";
  std::fprintf(stderr, "one-time token for '%s', valid until %s; on the kiosk run:\n  civic-sync enroll %s %s\n%s",
               o.label.c_str(), format_utc(now_seconds() + lifetime).c_str(), url.c_str(), t->c_str(),
               o.hub_url.empty() && config.public_url.empty()
                   ? "(put the hub's address in place of https://HUB-ADDRESS: set [server] public_url in hub.toml, "
                     "or give --url)\n"
                   : "");
  return 0;
}

// civic-hub kiosks [list | show ID | revoke ID --yes].
int run_kiosks(HubService& service, const Options& o) {
  if (o.action == "list") {
    auto all = service.store().kiosks();
    if (!all.ok()) return fail(all.error());
    if (!o.as_json) {
      std::printf("%-32s  %-20s  %-8s  %9s  %-20s\n", "kiosk", "name", "status", "records", "last contact");
    }
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& k : *all) {
      auto records = service.store().record_count(k.id);
      if (!records.ok()) return fail(records.error());
      if (o.as_json) {
        listed.push_back(kiosk_json(k, *records));
        continue;
      }
      std::printf("%-32s  %-20.20s  %-8s  %9llu  %-20s\n", to_hex(k.id).c_str(), k.name.c_str(),
                  k.revoked_at ? "revoked" : "active", static_cast<unsigned long long>(*records),
                  format_utc(k.last_contact).c_str());
    }
    if (o.as_json) std::printf("%s\n", listed.dump(2).c_str());
    return 0;
  }
  auto id = fixed_from_hex<kKioskIdSize>(o.kiosk_hex);
  if (!id.ok()) return fail(make_error(ErrorCode::kInvalidArgument, "give the kiosk id: 32 hex digits"));
  if (o.action == "revoke") {
    if (!o.revoke_confirmed) {
      return fail(make_error(ErrorCode::kInvalidArgument,
                             "revoking kiosk " + o.kiosk_hex + " cannot be undone: from then on the hub refuses "
                             "everything it sends, including records it has not sent yet. Add --yes to revoke it"));
    }
    if (auto s = service.store().revoke(*id, now_seconds()); !s.ok()) return fail(s.error());
    std::printf("kiosk %s revoked: its batches are refused from now on\n", o.kiosk_hex.c_str());
    return 0;
  }
  auto k = service.store().kiosk(*id);
  if (!k.ok()) return fail(k.error());
  if (!*k) return fail(make_error(ErrorCode::kNotFound, "no kiosk " + o.kiosk_hex + " is enrolled"));
  const KioskInfo& info = **k;
  auto records = service.store().record_count(info.id);
  if (!records.ok()) return fail(records.error());
  if (o.as_json) {
    nlohmann::json shown = kiosk_json(info, *records);
    shown["key_fingerprint"] = key_fingerprint(info.key.bytes);
    shown["contiguous_position"] = info.contiguous_position;
    shown["contiguous_head"] = to_hex(info.contiguous_head);
    std::printf("%s\n", shown.dump(2).c_str());
    return 0;
  }
  std::printf("kiosk           %s\nname            %s\nkey fingerprint %s\nenrolled        %s\nstatus          %s\n"
              "last contact    %s\nrecords         %llu\nchain           contiguous to position %llu, head %s\n",
              to_hex(info.id).c_str(), info.name.c_str(), key_fingerprint(info.key.bytes).c_str(),
              format_utc(info.enrolled_at).c_str(),
              info.revoked_at ? ("revoked " + format_utc(info.revoked_at)).c_str() : "active",
              format_utc(info.last_contact).c_str(), static_cast<unsigned long long>(*records),
              static_cast<unsigned long long>(info.contiguous_position), to_hex(info.contiguous_head).c_str());
  return 0;
}

// civic-hub held [list | accept N | discard N].
int run_held(HubService& service, const Options& o) {
  if (o.held_action == "list") {
    auto all = service.store().held_batches();
    if (!all.ok()) return fail(all.error());
    nlohmann::json listed = nlohmann::json::array();
    if (!o.as_json && all->empty()) std::printf("no batches are held\n");
    for (const auto& h : *all) {
      if (o.as_json) {
        listed.push_back({{"id", h.id}, {"kiosk", to_hex(h.kiosk)}, {"sequence", h.sequence},
                          {"first_position", h.first_position}, {"records", h.record_count},
                          {"received_at", h.received_at}});
        continue;
      }
      std::printf("%4llu  kiosk %s  batch %llu  %llu records from position %llu  received %s\n",
                  static_cast<unsigned long long>(h.id), to_hex(h.kiosk).c_str(),
                  static_cast<unsigned long long>(h.sequence), static_cast<unsigned long long>(h.record_count),
                  static_cast<unsigned long long>(h.first_position), format_utc(h.received_at).c_str());
    }
    if (o.as_json) std::printf("%s\n", listed.dump(2).c_str());
    return 0;
  }
  if (!o.held_id_given || o.held_reason.empty()) {
    return fail(make_error(ErrorCode::kInvalidArgument,
                           "give the held batch's number and --reason \"why\": civic-hub held " + o.held_action +
                               " ID --reason \"...\" (see civic-hub held list)"));
  }
  const std::string by = o.held_by.empty() ? login_name() : o.held_by;
  if (o.held_action == "discard") {
    if (auto s = service.discard_held_batch(o.held_id, by, o.held_reason, now_seconds()); !s.ok()) {
      return fail(s.error());
    }
    std::printf("held batch %llu discarded: its records will never be counted\n",
                static_cast<unsigned long long>(o.held_id));
    return 0;
  }
  auto stored = service.accept_held_batch(o.held_id, by, o.held_reason, now_seconds());
  if (!stored.ok()) return fail(stored.error());
  std::printf("held batch %llu accepted: %u new records stored and counted, marked in results as from a revoked "
              "kiosk\n",
              static_cast<unsigned long long>(o.held_id), stored->new_records);
  return 0;
}

// civic-hub events.
int run_events(HubService& service, const Options& o) {
  auto all = service.store().events(o.limit);
  if (!all.ok()) return fail(all.error());
  if (o.as_json) {
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& e : *all) {
      listed.push_back({{"at", e.at}, {"kind", e.kind}, {"kiosk", e.kiosk}, {"detail", e.detail}});
    }
    std::printf("%s\n", listed.dump(2).c_str());
    return 0;
  }
  for (const auto& e : *all) {
    std::printf("%s  %-16s %s  %s\n", format_utc(e.at).c_str(), e.kind.c_str(), e.kiosk.c_str(), e.detail.c_str());
  }
  return 0;
}

// civic-hub operator add|passwd|remove|list: the console's accounts. Passwords come from standard
// input (typed twice, unechoed, on a terminal).
int run_operator(HubService& service, const Options& o) {
  HubStore& store = service.store();
  if (o.operator_action == "list") {
    auto accounts = store.operator_accounts();
    if (!accounts.ok()) return fail(accounts.error());
    if (accounts->empty()) std::printf("no operators yet: civic-hub operator add NAME --role admin\n");
    for (const auto& a : *accounts)
      std::printf("%-24s %-10s added %s%s\n", a.name.c_str(), a.role.c_str(), format_utc(a.created_at).c_str(),
                  a.locked_until > now_seconds() ? "  (locked after failed logins)" : "");
    return 0;
  }
  if (o.operator_name.empty()) return fail(make_error(ErrorCode::kInvalidArgument, "name the operator"));
  if (o.operator_action == "remove") {
    if (auto s = store.remove_operator(o.operator_name); !s.ok()) return fail(s.error());
    (void)store.log_event(HubEvent{now_seconds(), "operator-removed", "", o.operator_name + " by " + login_name()});
    std::printf("operator %s removed; their sessions ended\n", o.operator_name.c_str());
    return 0;
  }
  const auto role = operator_role(o.operator_role);
  if (!role) return fail(make_error(ErrorCode::kInvalidArgument, "--role is viewer, publisher or admin"));
  auto password = read_new_secret("password for " + o.operator_name + " (at least 12 characters)", "passwords");
  if (!password.ok()) return fail(password.error());
  Status done = o.operator_action == "add" ? add_operator(store, o.operator_name, *role, *password, now_seconds())
                                           : set_operator_password(store, o.operator_name, *password);
  wipe_string(*password);
  if (!done.ok()) return fail(done.error());
  std::printf(o.operator_action == "add" ? "operator %s added (%s)\n" : "password of %s changed%s\n",
              o.operator_name.c_str(), o.operator_action == "add" ? o.operator_role.c_str() : "");
  return 0;
}

// civic-hub metrics-token: the bearer token GET /metrics asks for, made once (printed each time).
int run_metrics_token(const HubConfig& config) {
  const auto path = config.metrics_token_path();
  if (auto existing = files::read_text_file(path, 4096); existing.ok()) {
    std::printf("%s", existing->c_str());
    return 0;
  }
  const std::string token = to_hex(random_fixed<32>());
  files::WriteOptions options;
  options.mode = 0600;
  options.replace = false;
  if (auto s = files::write_file(path, token + "\n", options); !s.ok()) return fail(s.error());
  std::printf("%s\n", token.c_str());
  std::fprintf(stderr, "civic-hub: metrics token written to %s; give it to your monitoring as a bearer token\n",
               path.c_str());
  return 0;
}

// civic-hub import DIR.
int run_import(HubService& service, const Options& o) {
  auto imported = service.import_drive(o.import_dir, now_seconds());
  if (!imported.ok()) return fail(imported.error());
  for (const auto& why : imported->refused) std::fprintf(stderr, "civic-hub: %s\n", why.c_str());
  for (const auto& b : imported->batches) {
    const std::string kiosk = to_hex(b.kiosk);
    if (b.stored.held) {
      std::printf("kiosk %s batch %llu: the kiosk is revoked; held for an operator's decision (civic-hub held "
                  "list), no ack written\n",
                  kiosk.c_str(), static_cast<unsigned long long>(b.sequence));
    } else {
      std::printf("kiosk %s batch %llu: %s (%u new records)\n", kiosk.c_str(),
                  static_cast<unsigned long long>(b.sequence), b.stored.repeat ? "already had it" : "stored",
                  b.stored.new_records);
    }
  }
  for (const auto& e : imported->event_reports) {
    std::printf("event %s '%s': report stored (headcount %llu)\n", e.event_id.c_str(), e.name.c_str(),
                static_cast<unsigned long long>(e.headcount));
  }
  for (const auto& h : imported->health_reports) {
    std::printf("kiosk %s: health report %llu stored\n", to_hex(h.kiosk_id).c_str(),
                static_cast<unsigned long long>(h.sequence));
  }
  if (imported->content_written) std::printf("latest content bundle written to the drive\n");
  if (imported->log_answers > 0)
    std::printf("answered %zu kiosk(s)' check of the transparency log (log-consistency.json, log-inclusion.json)\n",
                imported->log_answers);
  return imported->refused.empty() ? kExitOk : kExitFailure;
}

// civic-hub content add-recordings FILE --language L --list LIST --out OUT.
int run_content_add_recordings(const Options& o) {
  auto text = read_text_file(o.content_file);
  if (!text.ok()) return fail(text.error());
  auto recordings = read_recording_list(o.recordings_list);
  if (!recordings.ok()) return fail(recordings.error());
  auto out = with_recordings(*text, o.recordings_language, *recordings);
  if (!out.ok()) return fail(out.error());
  const ContentCheck check = check_consultations_file(*out);
  std::fputs(check.report(o.recordings_out).c_str(), stderr);
  if (!check.errors.empty()) {
    return fail(make_error(ErrorCode::kInvalidArgument, "with these recordings the file has errors (listed above); "
                                                        "nothing was written"));
  }
  if (auto s = write_text_file(o.recordings_out, *out); !s.ok()) return fail(s.error());
  std::size_t bytes = 0;
  double seconds = 0;
  for (const auto& r : *recordings) {
    bytes += r.adpcm.size();
    seconds += static_cast<double>(r.samples) / r.sample_rate;
  }
  std::printf("%zu recordings in '%s' (%.0f s of speech, %zu KiB compressed) written to %s\n", recordings->size(),
              o.recordings_language.c_str(), seconds, bytes / 1024, o.recordings_out.c_str());
  return kExitOk;
}

// civic-hub content publish --key KEY [FILE].
int run_content_publish(HubService& service, const HubConfig& config, const Options& o) {
  std::optional<std::string> consultations;
  if (!o.content_file.empty()) {
    auto text = read_consultations_file(o.content_file, "published");
    if (!text.ok()) return fail(text.error());
    consultations = std::move(*text);
  }
  const std::uint64_t lifetime = static_cast<std::uint64_t>(o.days > 0 ? o.days : config.content_lifetime_days) * 86400;
  auto content_key = load_signing_key(o.content_key_file, KeyType::kHubContentSecret);
  if (!content_key.ok()) return fail(content_key.error());
  const MemoryLock content_key_lock(&*content_key, sizeof *content_key);
  auto version = service.publish_content(lifetime, now_seconds(), *content_key, consultations ? &*consultations : nullptr);
  if (!version.ok()) return fail(version.error());
  std::printf("published content version %llu, valid until %s\n", static_cast<unsigned long long>(*version),
              format_utc(now_seconds() + lifetime).c_str());
  if (auto published = service.consultations_with_approved_ideas(); published.ok()) {
    for (const auto& w : expiry_warnings(*published, now_seconds() + lifetime)) {
      std::fprintf(stderr, "civic-hub: warning: %s\n", w.c_str());
    }
  }
  return 0;
}

// civic-hub content show.
int run_content_show(HubService& service) {
  auto c = service.consultations_with_approved_ideas();
  if (!c.ok()) return fail(c.error());
  std::printf("%s\n", format_content(*c).c_str());
  return 0;
}

// civic-hub moderate [approve | reject | log].
int run_moderate(HubService& service, const Options& o) {
  if (o.moderate_action == "log") {
    auto decisions = service.store().moderation_log();
    if (!decisions.ok()) return fail(decisions.error());
    if (o.as_json) {
      nlohmann::json listed = nlohmann::json::array();
      for (const auto& e : *decisions) {
        listed.push_back({{"at", e.at}, {"moderation_id", e.moderation_id}, {"action", e.action},
                          {"redacted", e.redacted}, {"by", e.operator_name}, {"reason", e.reason}});
      }
      std::printf("%s\n", listed.dump(2).c_str());
      return 0;
    }
    if (decisions->empty()) std::printf("no moderation decisions yet\n");
    for (const auto& e : *decisions) {
      const std::string what = e.action + (e.redacted ? " (redacted)" : "");
      std::printf("%s  %s  %-28s  by %s%s%s\n", format_utc(e.at).c_str(), e.moderation_id.c_str(), what.c_str(),
                  e.operator_name.c_str(), e.reason.empty() ? "" : ": ", e.reason.c_str());
    }
    return 0;
  }
  const HubService::Decider by{o.decided_by.empty() ? login_name() : o.decided_by, o.reopen_reason};
  if (o.moderate_web) {
    auto key = load_operator_key(o.key_file);
    if (!key.ok()) return fail(key.error());
    const MemoryLock key_lock(&*key, sizeof *key);
    std::optional<PopulationMargins> margins;
    if (!o.population_file.empty()) {
      auto loaded = load_population_margins(o.population_file);
      if (!loaded.ok()) return fail(loaded.error());
      margins = *loaded;
    }
    ModerationWebOptions web{o.port > 0 ? o.port : 0, by.operator_name, margins, service.config().results_dir(),
                             [&o](const std::string& url) {
                               std::printf("open %s in a browser on this machine (the address works once); "
                                           "Ctrl-C ends moderation\n", url.c_str());
                               std::fflush(stdout);
                               if (!o.ready_file.empty()) {
                                 files::WriteOptions quick;
                                 quick.mode = 0600;
                                 (void)files::write_file(o.ready_file, url, quick);
                               }
                             }};
    if (auto s = serve_moderation_web(service, *key, web); !s.ok()) return fail(s.error());
    return 0;
  }
  if (o.moderate_action == "reject") {
    auto d = service.reject(o.moderation_id, o.reason, by, now_seconds());
    if (!d.ok()) return fail(d.error());
    std::printf("rejected %s: it will never leave the hub\n", o.moderation_id.c_str());
    return 0;
  }
  auto key = load_operator_key(o.key_file);
  if (!key.ok()) return fail(key.error());
  const MemoryLock key_lock(&*key, sizeof *key);
  if (o.moderate_action == "approve") {
    auto d = service.approve(o.moderation_id, *key, o.redactions, o.replacement, by, now_seconds());
    if (!d.ok()) return fail(d.error());
    std::printf("approved %s as idea %s in '%s'%s:\n  %s\nIt goes to the kiosks with the next: civic-hub content "
                "publish\n",
                o.moderation_id.c_str(), HubService::published_idea_id(*d).c_str(), d->consultation_id.c_str(),
                d->redacted ? " (redacted)" : "", d->published_text.c_str());
    return 0;
  }
  auto queue = service.moderation_queue(*key);
  if (!queue.ok()) return fail(queue.error());
  if (o.as_json) {
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& p : *queue) {
      listed.push_back({{"moderation_id", p.item.moderation_id}, {"consultation", p.item.consultation_id},
                        {"language", p.item.language}, {"text", p.text}});
    }
    std::printf("%s\n", listed.dump(2).c_str());
    return 0;
  }
  if (queue->empty()) std::printf("no ideas are waiting for moderation\n");
  for (const auto& p : *queue) {
    std::printf("%s  %-20s %-3s  %s\n", p.item.moderation_id.c_str(), p.item.consultation_id.c_str(),
                p.item.language.c_str(), p.text.c_str());
  }
  return 0;
}

// The count, as tally and open-data make it: records opened with the operator's key (and their
// words wiped before this returns), online imports, events, kiosks and the moderation log.
Result<std::pair<Tally, Content>> compute_tally(HubService& service, const Options& o) {
  CIVIC_ASSIGN(key, load_operator_key(o.key_file));
  const MemoryLock key_lock(&key, sizeof key);
  CountRequest request;
  if (!o.population_file.empty()) {
    CIVIC_ASSIGN(m, load_population_margins(o.population_file));
    request.margins = m;
  }
  request.only_consultation = o.only_consultation;
  request.max_sessions_per_hour = o.max_sessions;
  request.exclude_revoked = o.exclude_revoked;
  return count_results(service, key, request);
}

// civic-hub open-data: the results as a Frictionless Data Package.
int run_open_data(HubService& service, const Options& o) {
  auto computed = compute_tally(service, o);
  if (!computed.ok()) return fail(computed.error());
  const auto& [t, content] = *computed;
  auto signed_checkpoint = service.checkpoint(now_seconds());
  if (!signed_checkpoint.ok()) return fail(signed_checkpoint.error());
  auto parsed = verify_checkpoint(*signed_checkpoint, service.keys().signing.public_key);
  if (!parsed.ok()) return fail(parsed.error());
  const OpenDataCheckpoint checkpoint{to_hex(*signed_checkpoint), parsed->size, parsed->signed_at,
                                      to_hex(parsed->root), to_hex(service.keys().signing.public_key.bytes)};
  const auto files = open_data_package(t, content.open_data_smallest_cell, checkpoint, format_utc(now_seconds()));
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  for (const auto& [name, text] : files) {
    if (auto s = write_text_file(std::filesystem::path(o.out_dir) / name, text); !s.ok()) return fail(s.error());
  }
  std::printf("open data written to %s: datapackage.json and %zu files; counts below %llu left out of breakdowns\n",
              o.out_dir.c_str(), files.size() - 1, static_cast<unsigned long long>(content.open_data_smallest_cell));
  return kExitOk;
}

// civic-hub export-online decidim: residents' approved ideas and every proposal's results across
// every channel, in the files Decidim's admin imports.
int run_export_online(HubService& service, const Options& o) {
  auto mapping_text = read_text_file(o.online_map);  // before the count: a wrong path fails at once
  if (!mapping_text.ok()) return fail(mapping_text.error());
  auto computed = compute_tally(service, o);
  if (!computed.ok()) return fail(computed.error());
  const auto& [t, content] = *computed;
  auto mapping = parse_online_mapping(*mapping_text, content);
  if (!mapping.ok()) return fail(mapping.error());
  const auto result = std::find_if(t.consultations.begin(), t.consultations.end(),
                                   [&](const ConsultationResult& c) { return c.id == mapping->consultation; });
  if (result == t.consultations.end()) return fail(make_error(ErrorCode::kNotFound, "no results for " + mapping->consultation));
  // Where each approved idea came from: its record, opened again with the operator's key.
  auto key = load_operator_key(o.key_file);
  if (!key.ok()) return fail(key.error());
  const MemoryLock key_lock(&*key, sizeof *key);
  auto approved = service.store().moderation("approved");
  if (!approved.ok()) return fail(approved.error());
  auto kiosk_list = service.store().kiosks();
  if (!kiosk_list.ok()) return fail(kiosk_list.error());
  std::vector<KioskIdea> ideas;
  for (const auto& item : *approved) {
    if (item.consultation_id != mapping->consultation) continue;
    auto record = service.store().record(item.record_id);
    if (!record.ok() || !*record) return fail(record.ok() ? make_error(ErrorCode::kNotFound, "a record is missing") : record.error());
    auto opened = open_submission((*record)->sealed, *key);
    if (!opened.ok()) return fail(opened.error());
    KioskIdea idea{HubService::published_idea_id(item), item.language, item.published_text, channel_name(opened->channel), ""};
    for (const auto& k : *kiosk_list) {
      if (k.id == (*record)->kiosk) idea.site = k.name;
    }
    for (const auto& e : t.events) {
      if (!opened->event_id.empty() && e.report.event_id == opened->event_id) idea.site += ", " + e.report.name;
    }
    wipe_submission(*opened);
    ideas.push_back(std::move(idea));
  }
  const std::vector<std::string> languages{"en", "fr"};
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  const std::filesystem::path dir(o.out_dir);
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"decidim-proposals-import.csv", decidim_proposals_csv(ideas, languages)},
           {"decidim-answers-import.csv", decidim_answers_csv(*result, *mapping, languages)}}) {
    if (auto s = write_text_file(dir / name, text); !s.ok()) return fail(s.error());
  }
  std::printf("wrote %s: %zu residents' ideas as Decidim proposals (Import proposals from a file) and the results "
              "of %zu mapped proposals as answers (Import answers, state 'evaluating': change it before importing "
              "if the city has decided)\n",
              o.out_dir.c_str(), ideas.size(), mapping->ideas.size());
  return kExitOk;
}

// civic-hub export-pabulib: a budget consultation's counted ballots as a pabulib file.
int run_export_pabulib(HubService& service, const Options& o) {
  auto content_now = service.consultations_with_approved_ideas();
  if (!content_now.ok()) return fail(content_now.error());
  const Consultation* c = content_now->consultation(o.only_consultation);
  if (!c || c->voting != VotingMethod::kBudget) {
    std::vector<std::string> budgets;
    for (const auto& k : content_now->consultations) {
      if (k.voting == VotingMethod::kBudget) budgets.push_back(k.id);
    }
    return fail(make_error(ErrorCode::kInvalidArgument,
                           "'" + o.only_consultation + "' is not a budget consultation; " +
                               (budgets.empty() ? std::string("there are none") : "the budget consultations are: " + list_of(budgets, [](const std::string& x) { return x; }))));
  }
  auto key = load_operator_key(o.key_file);
  if (!key.ok()) return fail(key.error());
  const MemoryLock key_lock(&*key, sizeof *key);
  TallyOptions options;
  options.consultation = c->id;
  TallyCounter counter(*content_now, nullptr, options);
  if (auto s = count_records(service.store(), *key, counter); !s.ok()) return fail(s.error());
  std::vector<CountedBudgetBallot> ballots = counter.counted_budget_ballots(*c);
  const Tally t = counter.finish();
  std::vector<std::pair<std::string, std::string>> meta;
  if (!o.pabulib_country.empty()) meta.emplace_back("country", o.pabulib_country);
  if (!o.pabulib_unit.empty()) meta.emplace_back("unit", o.pabulib_unit);
  const std::size_t voters = ballots.size();
  const PabulibExport out = pabulib_from_ballots(*content_now, *c, std::move(ballots), *t.consultations.at(0).budget, meta);
  if (auto s = write_text_file(o.pabulib_file, format_pabulib(out.file)); !s.ok()) return fail(s.error());
  std::printf("wrote %s: %zu projects and %zu voters (in random order) of '%s'\n", o.pabulib_file.c_str(),
              out.file.projects.size(), voters, c->id.c_str());
  for (const auto& note : out.notes) std::printf("note: %s\n", note.c_str());
  return kExitOk;
}

// What migrate-store compares before and after: the records, the log (size and root) and, with
// the submission key, the results.
struct StoreSnapshot {
  std::uint64_t records = 0, log_size = 0;
  Hash32 log_root{};
  std::string results;  // results.json; empty without --key or consultations
  bool counted = false;
};

// What the results are counted with: the hub's keys and the submission secret key.
struct CountingKeys {
  HubKeys hub;
  SealKeyPair submission;
};

Result<StoreSnapshot> snapshot_store(std::unique_ptr<HubStore> store, const HubConfig& config,
                                     const CountingKeys* keys) {
  StoreSnapshot s;
  CIVIC_ASSIGN(records, store->record_count());
  CIVIC_ASSIGN(size, store->extend_log());
  CIVIC_ASSIGN(root, merkle_root_at(StoredLogTree(*store), size));
  s.records = records;
  s.log_size = size;
  s.log_root = root;
  CIVIC_ASSIGN(consultations, store->consultations());
  if (!keys || !consultations) return s;  // nothing to count without consultations
  HubService service(std::move(store), keys->hub, config);
  CIVIC_ASSIGN(counted, count_results(service, keys->submission, CountRequest{}));
  s.results = results_json(counted.first);
  s.counted = true;
  return s;
}

// civic-hub migrate-store --from sqlite:PATH --to postgresql://…: moves a hub's store into an empty
// PostgreSQL database, checked by the record count, the log's size and root and (with --key) the
// results, before and after. The SQLite database keeps everything it held.
int run_migrate_store(const HubConfig& config, const Options& o) {
  if (o.migrate_from.rfind("sqlite:", 0) != 0) {
    return fail(make_error(ErrorCode::kInvalidArgument, "--from must be sqlite:PATH, the hub's database (e.g. "
                                                        "sqlite:/var/lib/civic-hub/hub.db)"));
  }
  const std::filesystem::path from = o.migrate_from.substr(7);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec)) {
    return fail(make_error(ErrorCode::kNotFound, "there is no hub database at " + from.string()));
  }
  if (!is_postgres_url(o.migrate_to)) {
    return fail(make_error(ErrorCode::kInvalidArgument, "--to must be a PostgreSQL connection URL "
                                                        "(postgresql://USER@HOST/DATABASE)"));
  }
  std::optional<CountingKeys> keys;
  if (!o.key_file.empty()) {
    auto hub_keys = load_hub_keys(config);
    if (!hub_keys.ok()) return fail(hub_keys.error());
    auto submission = load_operator_key(o.key_file);
    if (!submission.ok()) return fail(submission.error());
    keys.emplace(CountingKeys{std::move(*hub_keys), *submission});  // the copy left behind wipes itself
  }
  std::optional<MemoryLock> key_lock;
  if (keys) key_lock.emplace(&keys->submission, sizeof keys->submission);
  auto source = open_sqlite_hub_store(from);
  if (!source.ok()) return fail(source.error());
  auto before = snapshot_store(std::move(*source), config, keys ? &*keys : nullptr);
  if (!before.ok()) return fail(before.error());
  auto copied = copy_sqlite_store_to_postgres(from, o.migrate_to);
  if (!copied.ok()) return fail(copied.error());
  for (const auto& [table, rows] : *copied) std::printf("  %-18s %llu rows\n", table.c_str(), static_cast<unsigned long long>(rows));
  auto target = open_postgres_hub_store(o.migrate_to);
  if (!target.ok()) return fail(target.error());
  auto after = snapshot_store(std::move(*target), config, keys ? &*keys : nullptr);
  if (!after.ok()) return fail(after.error());
  const bool same = before->records == after->records && before->log_size == after->log_size &&
                    before->log_root == after->log_root && before->results == after->results;
  if (!same) {
    return fail(make_error(ErrorCode::kCorruptDatabase,
                           "the copy differs from the hub (" + std::to_string(before->records) + " records and a log of " +
                               std::to_string(before->log_size) + " entries before, " + std::to_string(after->records) +
                               " and " + std::to_string(after->log_size) + " after" +
                               (before->log_root != after->log_root ? ", another log root" : "") +
                               (before->results != after->results ? ", other results" : "") +
                               "): do not use it; empty the PostgreSQL database and migrate again. The SQLite "
                               "database still holds everything"));
  }
  std::printf("migrated %llu records; the log of %llu entries has the same root %s%s.\n"
              "Set [store] url in the hub's configuration to this database and restart civic-hub.\n",
              static_cast<unsigned long long>(after->records), static_cast<unsigned long long>(after->log_size),
              to_hex(after->log_root).c_str(),
              after->counted       ? ", and the results are the same"
              : o.key_file.empty() ? " (give --key to compare the results too)"
                                   : " (no consultations are set: no results to compare)");
  return kExitOk;
}

// civic-hub budget-count FILE.pb: both rules on any pabulib file (needs no hub).
int run_budget_count(const Options& o) {
  auto text = read_text_file(o.pabulib_file);
  if (!text.ok()) return fail(text.error());
  auto file = parse_pabulib(*text);
  if (!file.ok()) return fail(make_error(file.error().code, o.pabulib_file + ": " + file.error().message));
  const BudgetInstance in = file->instance();
  const BudgetOutcome greedy = greedy_budget(in);
  const BudgetOutcome shares = equal_shares_budget(in);
  auto ids = [&](const BudgetOutcome& b) {
    std::vector<std::string> out;
    for (std::size_t p : b.chosen) out.push_back(in.projects[p].id);
    return out;
  };
  if (o.as_json) {
    const nlohmann::json j = {{"budget", in.total},
                              {"voters", file->voters.size()},
                              {"greedy", {{"chosen", ids(greedy)}, {"spent", greedy.spent}}},
                              {"equal_shares",
                               {{"chosen", ids(shares)}, {"spent", shares.spent},
                                {"completion_steps", shares.completion_steps},
                                {"filled_greedily", shares.filled_greedily}}}};
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  auto list = [](const std::vector<std::string>& v) { return v.empty() ? std::string("nothing") : list_of(v, [](const std::string& x) { return x; }); };
  std::printf("%s: budget %llu, %zu projects, %zu voters\n", o.pabulib_file.c_str(),
              static_cast<unsigned long long>(in.total), in.projects.size(), file->voters.size());
  std::printf("greedy:       %s (spends %llu)\n", list(ids(greedy)).c_str(), static_cast<unsigned long long>(greedy.spent));
  std::printf("equal shares: %s (spends %llu)\n", list(ids(shares)).c_str(), static_cast<unsigned long long>(shares.spent));
  return kExitOk;
}

// civic-hub tally.
int run_tally(HubService& service, const Options& o) {
  auto computed = compute_tally(service, o);
  if (!computed.ok()) return fail(computed.error());
  const Tally& t = computed->first;
  if (auto s = write_results(t, o.out_dir, now_seconds()); !s.ok()) return fail(s.error());
  if (o.as_json) {
    std::printf("%s\n", results_summary_json(t, o.out_dir).c_str());
    return 0;
  }
  std::printf("%llu records tallied\n", static_cast<unsigned long long>(t.records));
  for (const auto& c : t.consultations) {
    std::printf("%s: %llu participants, %llu repeated ballots not counted%s\n", c.id.c_str(),
                static_cast<unsigned long long>(c.participants), static_cast<unsigned long long>(c.repeated_ballots),
                c.representativeness ? (", representativeness " + std::to_string(*c.representativeness)).c_str()
                                     : "");
    if (!c.offline_effect.empty()) std::printf("  %s\n", c.offline_effect.c_str());
  }
  for (const auto& a : t.anomalies) std::printf("anomaly: %s: %s\n", a.kind.c_str(), a.detail.c_str());
  for (const auto& k : t.revoked_kiosks) {
    std::printf("revoked kiosk %s ('%s', revoked %s): %llu records, %s\n", k.kiosk.c_str(), k.name.c_str(),
                format_utc(k.revoked_at).c_str(), static_cast<unsigned long long>(k.records),
                k.counted ? "counted (leave them out with --exclude-revoked)" : "left out");
  }
  std::printf("results written to %s (open report.html in a browser)\n", o.out_dir.c_str());
  return 0;
}

// civic-hub import-online FORMAT FILE --map MAPPING.
int run_import_online(HubService& service, const Options& o) {
  const auto format = online_format_from_name(o.online_format);
  auto text = read_text_file(o.online_file);
  if (!text.ok()) return fail(text.error());
  auto mapping = read_text_file(o.online_map);
  if (!mapping.ok()) return fail(mapping.error());
  const std::string source = o.online_source.empty() ? o.online_format : o.online_source;
  auto imported = service.import_online(*format, source, o.online_file, *text, *mapping, now_seconds());
  if (!imported.ok()) return fail(imported.error());
  const OnlineData& d = imported->data;
  const std::string sha = to_hex(imported->file_sha256);
  if (imported->outcome == OnlineImportOutcome::kUnchanged) {
    std::printf("%s (SHA-256 %s) is already the current %s import for '%s': nothing changed\n", o.online_file.c_str(),
                sha.c_str(), source.c_str(), d.consultation.c_str());
    return kExitOk;
  }
  std::uint64_t supports = 0, mapped = 0;
  for (const auto& c : d.counts) {
    supports += c.supports;
    mapped += c.idea_id.empty() ? 0 : 1;
  }
  std::printf("%s %s for consultation '%s' as channel %s: %llu rows, ",
              imported->outcome == OnlineImportOutcome::kReplaced ? "replaced the previous import with" : "imported",
              o.online_file.c_str(), d.consultation.c_str(), d.channel().c_str(),
              static_cast<unsigned long long>(d.rows));
  if (d.aggregate_only()) {
    std::printf("%llu supports on %zu proposals (%llu mapped to the consultation's ideas, %zu online-only)\n",
                static_cast<unsigned long long>(supports), d.counts.size(), static_cast<unsigned long long>(mapped),
                d.online_only_titles.size());
  } else {
    std::printf("%zu participants, %zu online-only ideas\n", d.ballots.size(), d.online_only_titles.size());
  }
  std::printf("file SHA-256 %s, signed and added to the transparency log (civic-hub log imports)\n"
              "It counts from the next: civic-hub tally\n", sha.c_str());
  return kExitOk;
}

// civic-hub log imports: every online import's statement and inclusion proof.
int run_log_imports(HubService& service, const Options& o) {
  auto proofs = service.prove_online_imports(now_seconds());
  if (!proofs.ok()) return fail(proofs.error());
  const std::string text = format_online_import_proofs(*proofs);
  if (!o.proofs_out.empty()) {
    if (auto s = write_text_file(o.proofs_out, text); !s.ok()) return fail(s.error());
  }
  if (o.as_json || !o.proofs_out.empty()) {
    if (o.as_json) std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  if (proofs->empty()) std::printf("no online data has been imported\n");
  for (const auto& p : *proofs) {
    auto statement = verify_online_import(p.statement, service.keys().signing.public_key);
    if (!statement.ok()) return fail(statement.error());
    std::printf("entry %llu: %s  %-12s %-20s %s rows %llu  SHA-256 %s%s\n",
                static_cast<unsigned long long>(p.leaf_index) + 1, format_utc(statement->imported_at).c_str(),
                statement->source.c_str(), statement->consultation.c_str(), statement->format.c_str(),
                static_cast<unsigned long long>(statement->rows), to_hex(statement->file_sha256).c_str(),
                p.current ? "" : "  (replaced by a newer export)");
  }
  return kExitOk;
}

// civic-hub receipt CODE.
int run_receipt(HubService& service, const Options& o) {
  auto proof = service.prove_receipt(o.receipt_code, now_seconds(), {}, o.receipt_match);
  if (!proof.ok()) return fail(proof.error());
  const std::string text = format_receipt_proof(*proof);
  if (proof->matches > 1) {
    std::fprintf(stderr, "%llu records share this code; this is match %llu (see the others with --match N)\n",
                 static_cast<unsigned long long>(proof->matches), static_cast<unsigned long long>(proof->match));
  }
  if (!o.proof_out.empty()) {
    if (auto s = write_text_file(o.proof_out, text); !s.ok()) return fail(s.error());
  }
  std::printf("%s", text.c_str());
  return 0;
}

// civic-hub log checkpoint.
int run_log_checkpoint(HubService& service, const Options& o) {
  auto c = service.checkpoint(now_seconds());
  if (!c.ok()) return fail(c.error());
  auto parsed = verify_checkpoint(*c, service.keys().signing.public_key);
  if (!parsed.ok()) return fail(parsed.error());
  if (!o.checkpoint_out.empty()) {
    if (auto s = write_text_file(o.checkpoint_out, std::string(c->begin(), c->end())); !s.ok()) return fail(s.error());
  }
  std::printf("log size %llu\nroot     %s\nsigned   %s\ncheckpoint %s\n",
              static_cast<unsigned long long>(parsed->size), to_hex(parsed->root).c_str(),
              format_utc(parsed->signed_at).c_str(), to_hex(*c).c_str());
  return 0;
}

// civic-hub log consistency --from M [--to N]: that the log of M entries is a prefix of the log of N.
int run_log_consistency(HubService& service, const Options& o) {
  auto proof = service.prove_consistency(o.consistency_from, o.consistency_to, now_seconds());
  if (!proof.ok()) return fail(proof.error());
  const std::string text = format_consistency_proof(*proof);
  if (!o.consistency_out.empty()) {
    if (auto s = write_text_file(o.consistency_out, text); !s.ok()) return fail(s.error());
  }
  std::printf("%s", text.c_str());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) try {
  Options o;
  no_core_dumps();
  if (auto s = crypto_init(); !s.ok()) return fail(s.error());
  CLI::App app{"civic-hub: the central server for civic-kiosk terminals, and its operator commands"};
  set_up_command_line(app, "civic-hub");
  app.require_subcommand(1);
  std::string config_file = default_config_file("CIVIC_HUB_CONFIG", "/etc/civic-hub/hub.toml");
  std::string state_dir;
  app.add_option("--config", config_file,
                 "configuration file (TOML; see config/hub.toml); without --config or --state, $CIVIC_HUB_CONFIG or the "
                 "system's file if it exists");
  app.add_option("--state", state_dir, "state directory (overrides the configuration)");

  auto* init = app.add_subcommand("init", "create the hub's keys");
  init->add_option("--submission-key-out", o.submission_out,
                   "where to write the submission SECRET key, for operators to keep offline "
                   "(default: STATE/offline/hub-submission.key); the content SECRET key "
                   "(hub-content.key) goes beside it");

  auto* serve = app.add_subcommand("serve", "run the HTTP server");
  serve->add_option("--listen", o.listen, "address to listen on");
  serve->add_option("--port", o.port, "port (0: any free port)");
  serve->add_option("--ready-file", o.ready_file, "write the port here once listening");

  auto* token = app.add_subcommand("enroll-token", "create a one-time enrolment token for a kiosk");
  token->add_option("--label", o.label, "a note for operators: where the kiosk will stand");
  token->add_option("--hours", o.hours, "how long the token stays valid (default from the configuration)");
  token->add_option("--url", o.hub_url, "the hub's address as kiosks reach it (default: [server] public_url)");

  auto* kiosks = app.add_subcommand("kiosks", "list enrolled kiosks, show one, or revoke one");
  kiosks->add_option("action", o.action, "list | show | revoke")->check(CLI::IsMember({"list", "show", "revoke"}));
  kiosks->add_option("kiosk", o.kiosk_hex, "kiosk id (32 hex digits)");
  kiosks->add_flag("--yes", o.revoke_confirmed, "confirm a revocation (it cannot be undone)");
  const char* kJsonHelp = "print JSON instead of a table (shapes: installer/README.md)";
  kiosks->add_flag("--json", o.as_json, kJsonHelp);

  auto* events = app.add_subcommand("events", "show what operators should know: forks, gaps, refused uploads");
  events->add_option("--limit", o.limit, "how many, newest first");
  events->add_flag("--json", o.as_json, kJsonHelp);

  auto* held_cmd = app.add_subcommand(
      "held", "batches a revoked kiosk handed over on a USB drive, held for a decision: list, accept or discard");
  held_cmd->add_option("action", o.held_action, "list | accept | discard")
      ->check(CLI::IsMember({"list", "accept", "discard"}));
  held_cmd->add_option("id", o.held_id, "the held batch's number (from the list)");
  held_cmd->add_option("--reason", o.held_reason, "why (required to accept or discard; kept in the event log)");
  held_cmd->add_option("--by", o.held_by, "who decides (default: the login name)");
  held_cmd->add_flag("--json", o.as_json, kJsonHelp);

  auto* import = app.add_subcommand("import", "import batches from a USB drive and write acks back to it");
  import->add_option("dir", o.import_dir, "the drive's mount point")->required();

  auto* content = app.add_subcommand("content", "publish signed content for the kiosks");
  content->require_subcommand(1);
  auto* publish = content->add_subcommand(
      "publish", "sign and publish the consultations with every approved idea (optionally setting them from FILE)");
  publish->add_option("file", o.content_file, "consultations file, JSON (see assets/README.md)");
  publish->add_option("--days", o.days, "days until kiosks refuse it (default from the configuration)");
  publish->add_option("--key", o.content_key_file, "the content SECRET key file (kept offline; written by init)")
      ->required();
  auto* show = content->add_subcommand("show", "print what the next bundle will carry (consultations and approved ideas)");
  auto* check_cmd = content->add_subcommand("check", "check a consultations file and list every problem, publishing nothing");
  check_cmd->add_option("file", o.content_file, "consultations file, JSON (see assets/README.md)")->required();
  auto* add_recordings = content->add_subcommand(
      "add-recordings", "add recorded speech in one language to a consultations file (see assets/README.md)");
  add_recordings->add_option("file", o.content_file, "consultations file, JSON")->required();
  add_recordings->add_option("--language", o.recordings_language, "the language recorded, e.g. iu")->required();
  add_recordings->add_option("--list", o.recordings_list, "the list: one line per text, text<TAB>file.wav")->required();
  add_recordings->add_option("--out", o.recordings_out, "where to write the consultations file with its recordings")
      ->required();

  auto* moderate = app.add_subcommand("moderate", "list residents' ideas waiting for moderation, approve or reject");
  moderate->add_option("action", o.moderate_action, "list | approve | reject | log (every decision taken)")
      ->check(CLI::IsMember({"list", "approve", "reject", "log"}));
  moderate->add_option("id", o.moderation_id, "the idea's moderation id (m-...)");
  moderate->add_option("--key", o.key_file, "the submission SECRET key file (needed to read ideas)");
  moderate->add_option("--reason", o.reason, "why an idea is rejected (kept for the record)");
  moderate->add_option("--redact", o.redactions, "text to remove before approval (repeatable), e.g. a phone number");
  moderate->add_option("--text", o.replacement, "approve with this text instead (the idea rewritten without personal details)");
  moderate->add_option("--reopen", o.reopen_reason, "change a decision already taken, saying why (decisions are final otherwise)");
  moderate->add_option("--by", o.decided_by, "who decides, for the moderation log (default: the login name)");
  moderate->add_flag("--json", o.as_json, kJsonHelp);
  moderate->add_flag("--web", o.moderate_web,
                     "decide in a browser on this machine (127.0.0.1 only; the key stays in memory)");
  moderate->add_option("--port", o.port, "with --web: the port (default: any free one)");
  moderate->add_option("--ready-file", o.ready_file, "with --web: write the address to open here once listening");
  moderate->add_option("--population", o.population_file,
                       "with --web: population margins for the count's weights (TOML; see config/population.toml)");

  auto* tally_cmd = app.add_subcommand("tally", "count votes and write results: JSON, CSV and an HTML report");
  tally_cmd->add_option("--key", o.key_file, "the submission SECRET key file")->required();
  tally_cmd->add_option("--population", o.population_file, "population margins (TOML; see config/population.toml)");
  tally_cmd->add_option("--out", o.out_dir, "directory for results.json, ideas.csv, breakdown.csv, "
                                          "representation.csv and report.html")->capture_default_str();
  tally_cmd->add_option("--consultation", o.only_consultation, "only this consultation");
  tally_cmd->add_option("--max-sessions-per-hour", o.max_sessions, "flag kiosks with more sessions in an hour")
      ->capture_default_str();
  tally_cmd->add_flag("--exclude-revoked", o.exclude_revoked,
                      "leave out records from kiosks since revoked (they count by default, and are named either way)");
  tally_cmd->add_flag("--json", o.as_json, "print the summary as JSON (the results are written to --out either way)");

  auto* open_data = app.add_subcommand("open-data", "write the results as open data: a Frictionless Data Package");
  open_data->add_option("--key", o.key_file, "the submission SECRET key file")->required();
  open_data->add_option("--population", o.population_file, "population margins (TOML; see config/population.toml)");
  open_data->add_option("--out", o.out_dir, "directory for datapackage.json and its files")->required();
  open_data->add_flag("--exclude-revoked", o.exclude_revoked, "leave out records from kiosks since revoked");

  auto* receipt = app.add_subcommand("receipt", "print the inclusion proof for a resident's receipt code");
  receipt->add_option("code", o.receipt_code, "the code on the resident's thank-you screen, e.g. 7KQ2M-X9ARC")->required();
  receipt->add_option("--out", o.proof_out, "write the proof here (JSON) as well");
  receipt->add_option("--match", o.receipt_match, "when several records share the code: which one (from 1)")
      ->check(CLI::PositiveNumber);

  auto* import_online = app.add_subcommand(
      "import-online", "import online participation (Decidim, CONSUL, or a per-participant CSV) for the count");
  import_online->add_option("format", o.online_format, "decidim | consul | participants (assets/README.md)")
      ->required()
      ->check(CLI::IsMember({"decidim", "consul", "participants"}));
  import_online->add_option("file", o.online_file, "the export (CSV)")->required();
  import_online->add_option("--map", o.online_map, "the mapping file (JSON): the consultation, and online ids to idea ids")
      ->required();
  import_online->add_option("--source", o.online_source,
                            "the channel's name in results, online:SOURCE (default: the format's name)");

  auto* export_online = app.add_subcommand(
      "export-online", "write residents' ideas and every channel's results in the files Decidim's admin imports");
  export_online->add_option("format", o.online_format, "decidim")->required()->check(CLI::IsMember({"decidim"}));
  export_online->add_option("--key", o.key_file, "the submission SECRET key file")->required();
  export_online->add_option("--map", o.online_map, "the Decidim mapping file (as for import-online)")->required();
  export_online->add_option("--out", o.out_dir, "directory for the two CSV files")->required();
  export_online->add_option("--population", o.population_file, "population margins (for the weighted ranks)");

  auto* export_pabulib = app.add_subcommand(
      "export-pabulib", "write a budget consultation's ballots as a pabulib file (.pb) for researchers");
  export_pabulib->add_option("--key", o.key_file, "the submission SECRET key file")->required();
  export_pabulib->add_option("--consultation", o.only_consultation, "the budget consultation")->required();
  export_pabulib->add_option("--out", o.pabulib_file, "the file to write (.pb)")->required();
  export_pabulib->add_option("--country", o.pabulib_country, "pabulib's 'country' (e.g. Canada)");
  export_pabulib->add_option("--unit", o.pabulib_unit, "pabulib's 'unit': the city or district");

  auto* budget_count = app.add_subcommand("budget-count", "count a pabulib file (.pb) with the greedy rule and equal shares");
  budget_count->add_option("file", o.pabulib_file, "the pabulib file")->required();
  budget_count->add_flag("--json", o.as_json, "print the winners as JSON");

  auto* operator_cmd = app.add_subcommand("operator", "accounts of the operator console: add, passwd, remove, list");
  operator_cmd->add_option("action", o.operator_action, "add | passwd | remove | list")
      ->required()
      ->check(CLI::IsMember({"add", "passwd", "remove", "list"}));
  operator_cmd->add_option("name", o.operator_name, "the operator's name (a-z, 0-9, '.', '_', '-')");
  operator_cmd->add_option("--role", o.operator_role, "viewer | publisher | admin (add only)")->capture_default_str();
  auto* migrate = app.add_subcommand("migrate-store", "move the hub's SQLite database into an empty PostgreSQL one, "
                                                     "checked before and after");
  migrate->add_option("--from", o.migrate_from, "sqlite:PATH, the hub's database")->required();
  migrate->add_option("--to", o.migrate_to, "postgresql://USER@HOST/DATABASE")->required();
  migrate->add_option("--key", o.key_file, "the submission secret key: the results are compared too");
  auto* metrics_token = app.add_subcommand("metrics-token", "make (once) and print the bearer token for GET /metrics");

  auto* log = app.add_subcommand("log", "the transparency log");
  log->require_subcommand(1);
  auto* checkpoint_cmd = log->add_subcommand("checkpoint", "sign and print a checkpoint of the log (size and root)");
  checkpoint_cmd->add_option("--out", o.checkpoint_out, "write the signed checkpoint here (binary, 117 bytes)");
  auto* consistency_cmd =
      log->add_subcommand("consistency", "prove that the log of --from entries is a prefix of the log now (or of --to)");
  consistency_cmd->add_option("--from", o.consistency_from, "the size of the older checkpoint")->required();
  consistency_cmd->add_option("--to", o.consistency_to, "the size of the newer one (default: the log now)");
  consistency_cmd->add_option("--out", o.consistency_out,
                              "write the proof here (JSON; check it with civic-verify-receipt and the older checkpoint)");
  auto* imports_cmd = log->add_subcommand("imports", "list online imports, with their inclusion proofs as JSON");
  imports_cmd->add_option("--out", o.proofs_out, "write every proof here (JSON; check one with civic-verify-receipt)");
  imports_cmd->add_flag("--json", o.as_json, kJsonHelp);

  if (auto done = parse_command_line(app, argc, argv, {"list", "show", "revoke", "approve", "reject", "log", "decidim", "consul", "participants", "add", "passwd", "remove"})) {
    return *done;
  }
  o.hours_given = token->get_option("--hours")->count() > 0;
  o.held_id_given = held_cmd->get_option("id")->count() > 0;

  HubConfig config;
  std::error_code ec;
  // The system's configuration is the default only when neither --state nor --config names a hub.
  const bool config_named = app.get_option("--config")->count() > 0 || environment_names_config("CIVIC_HUB_CONFIG");
  if (config_named || (state_dir.empty() && std::filesystem::exists(config_file, ec))) {
    auto loaded = load_hub_config(config_file);
    if (!loaded.ok()) return fail(loaded.error());
    config = *loaded;
  }
  if (!state_dir.empty()) config.state_dir = state_dir;
  if (!o.listen.empty()) config.listen = o.listen;
  if (o.port >= 0) config.port = o.port;

  if (init->parsed()) return run_init(config, o);
  if (metrics_token->parsed()) return run_metrics_token(config);
  if (check_cmd->parsed()) return run_content_check(o);
  if (add_recordings->parsed()) return run_content_add_recordings(o);
  if (budget_count->parsed()) return run_budget_count(o);
  if (migrate->parsed()) return run_migrate_store(config, o);
  if (auto s = check_hub_state(config, state_dir.empty() && app.get_option("--config")->count() == 0); !s.ok()) {
    return fail(s.error());
  }
  auto opened = open_service(config);
  if (!opened.ok()) return fail(opened.error());
  HubService& service = **opened;
  if (serve->parsed()) return run_serve(service, config, o);
  if (operator_cmd->parsed()) return run_operator(service, o);
  if (token->parsed()) return run_enroll_token(service, config, o);
  if (kiosks->parsed()) return run_kiosks(service, o);
  if (held_cmd->parsed()) return run_held(service, o);
  if (events->parsed()) return run_events(service, o);
  if (import->parsed()) return run_import(service, o);
  if (publish->parsed()) return run_content_publish(service, config, o);
  if (show->parsed()) return run_content_show(service);
  if (moderate->parsed()) return run_moderate(service, o);
  if (tally_cmd->parsed()) return run_tally(service, o);
  if (open_data->parsed()) return run_open_data(service, o);
  if (receipt->parsed()) return run_receipt(service, o);
  if (checkpoint_cmd->parsed()) return run_log_checkpoint(service, o);
  if (import_online->parsed()) return run_import_online(service, o);
  if (export_online->parsed()) return run_export_online(service, o);
  if (export_pabulib->parsed()) return run_export_pabulib(service, o);
  if (imports_cmd->parsed()) return run_log_imports(service, o);
  if (consistency_cmd->parsed()) return run_log_consistency(service, o);
  return kExitUsage;  // require_subcommand makes this unreachable
} catch (...) {
  return report_unexpected("civic-hub");
}
