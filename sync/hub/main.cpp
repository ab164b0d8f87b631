// civic-hub: the central server and its operator commands.
#include <CLI/CLI.hpp>
#include "sync/common/human.h"
#include <cstdio>
#include <ctime>
#include <fstream>

#include "server.h"
#include "service.h"
#include "sync/keystore/keystore.h"
#include "sync/transfer/usb.h"

using namespace civic;

namespace {

constexpr int kExitError = 1;
constexpr int kExitConfig = 78;  // EX_CONFIG

std::uint64_t now_seconds() { return static_cast<std::uint64_t>(std::time(nullptr)); }

int fail(const Error& e) {
  std::fprintf(stderr, "civic-hub: %s\n", e.message.c_str());
  return e.code == ErrorCode::kInvalidArgument ? kExitConfig : kExitError;
}


Result<std::unique_ptr<HubService>> open_service(const HubConfig& config) {
  CIVIC_ASSIGN(keys, load_hub_keys(config));
  CIVIC_ASSIGN(store, open_sqlite_hub_store(config.database_path()));
  return std::make_unique<HubService>(std::move(store), std::move(keys), config);
}

}  // namespace

int main(int argc, char** argv) {
  if (auto s = crypto_init(); !s.ok()) return fail(s.error());
  CLI::App app{"civic-hub: the central server for civic-kiosk terminals, and its operator commands"};
  app.require_subcommand(1);
  std::string config_file;
  std::string state_dir;
  app.add_option("--config", config_file, "configuration file (TOML; see config/hub.toml)");
  app.add_option("--state", state_dir, "state directory (overrides the configuration)");

  auto* init = app.add_subcommand("init", "create the hub's keys");
  std::string submission_out;
  init->add_option("--submission-key-out", submission_out,
                   "where to write the submission SECRET key, for operators to keep offline "
                   "(default: STATE/offline/hub-submission.key)");

  auto* serve = app.add_subcommand("serve", "run the HTTP server");
  std::string listen;
  int port = -1;
  std::string ready_file;
  serve->add_option("--listen", listen, "address to listen on");
  serve->add_option("--port", port, "port (0: any free port)");
  serve->add_option("--ready-file", ready_file, "write the port here once listening");

  auto* token = app.add_subcommand("enroll-token", "create a one-time enrolment token for a kiosk");
  std::string label = "kiosk";
  int hours = 0;
  token->add_option("--label", label, "a note for operators: where the kiosk will stand");
  token->add_option("--hours", hours, "how long the token stays valid (default from the configuration)");

  auto* kiosks = app.add_subcommand("kiosks", "list enrolled kiosks, show one, or revoke one");
  std::string action = "list";
  std::string kiosk_hex;
  kiosks->add_option("action", action, "list | show | revoke")->check(CLI::IsMember({"list", "show", "revoke"}));
  kiosks->add_option("kiosk", kiosk_hex, "kiosk id (32 hex digits)");

  auto* events = app.add_subcommand("events", "show what operators should know: forks, gaps, refused uploads");
  std::size_t limit = 50;
  events->add_option("--limit", limit, "how many, newest first");

  auto* import = app.add_subcommand("import", "import batches from a USB drive and write acks back to it");
  std::string import_dir;
  import->add_option("dir", import_dir, "the drive's mount point")->required();

  auto* content = app.add_subcommand("content", "publish signed content for the kiosks");
  content->require_subcommand(1);
  auto* publish = content->add_subcommand("publish", "sign and publish a content file (JSON)");
  std::string content_file;
  int days = 0;
  publish->add_option("file", content_file, "content JSON (see assets/README.md)")->required();
  publish->add_option("--days", days, "days until kiosks refuse it (default from the configuration)");

  CLI11_PARSE(app, argc, argv);

  HubConfig config;
  if (!config_file.empty()) {
    auto loaded = load_hub_config(config_file);
    if (!loaded.ok()) return fail(loaded.error());
    config = *loaded;
  }
  if (!state_dir.empty()) config.state_dir = state_dir;
  if (!listen.empty()) config.listen = listen;
  if (port >= 0) config.port = port;

  if (init->parsed()) {
    const std::filesystem::path out =
        submission_out.empty() ? config.state_dir / "offline" / "hub-submission.key" : std::filesystem::path(submission_out);
    if (auto s = create_hub_keys(config, out); !s.ok()) return fail(s.error());
    auto keys = load_hub_keys(config);
    if (!keys.ok()) return fail(keys.error());
    std::printf("hub keys created in %s\n", config.state_dir.string().c_str());
    std::printf("signing key fingerprint:    %s\n", key_fingerprint(keys->signing.public_key.bytes).c_str());
    std::printf("submission key fingerprint: %s\n", key_fingerprint(keys->submission.bytes).c_str());
    std::printf("\nThe submission SECRET key is %s.\n"
                "Move it to offline storage now: only operators opening submissions need it, never the server.\n",
                out.string().c_str());
    return 0;
  }

  auto service = open_service(config);
  if (!service.ok()) return fail(service.error());

  if (serve->parsed()) {
    auto s = serve_http(**service, [&ready_file](int bound) {
      if (ready_file.empty()) return;
      std::ofstream(ready_file + ".tmp") << bound << "\n";
      std::filesystem::rename(ready_file + ".tmp", ready_file);
    });
    return s.ok() ? 0 : fail(s.error());
  }

  if (token->parsed()) {
    const std::uint64_t lifetime = static_cast<std::uint64_t>(hours > 0 ? hours : config.token_lifetime_hours) * 3600;
    auto t = (*service)->create_enrolment_token(label, lifetime, now_seconds());
    if (!t.ok()) return fail(t.error());
    std::printf("%s\n", t->c_str());
    std::fprintf(stderr, "one-time token for '%s', valid until %s; on the kiosk run:\n  civic-sync enroll %s\n",
                 label.c_str(), format_utc(now_seconds() + lifetime).c_str(), t->c_str());
    return 0;
  }

  if (kiosks->parsed()) {
    if (action == "list") {
      auto all = (*service)->store().kiosks();
      if (!all.ok()) return fail(all.error());
      std::printf("%-32s  %-20s  %-8s  %9s  %-20s\n", "kiosk", "name", "status", "records", "last contact");
      for (const auto& k : *all) {
        auto records = (*service)->store().record_count(k.id);
        if (!records.ok()) return fail(records.error());
        std::printf("%-32s  %-20.20s  %-8s  %9llu  %-20s\n", to_hex(k.id).c_str(), k.name.c_str(),
                    k.revoked_at ? "revoked" : "active", static_cast<unsigned long long>(*records),
                    format_utc(k.last_contact).c_str());
      }
      return 0;
    }
    auto id = fixed_from_hex<kKioskIdSize>(kiosk_hex);
    if (!id.ok()) return fail(make_error(ErrorCode::kInvalidArgument, "give the kiosk id: 32 hex digits"));
    if (action == "revoke") {
      if (auto s = (*service)->store().revoke(*id, now_seconds()); !s.ok()) return fail(s.error());
      std::printf("kiosk %s revoked: its batches are refused from now on\n", kiosk_hex.c_str());
      return 0;
    }
    auto k = (*service)->store().kiosk(*id);
    if (!k.ok()) return fail(k.error());
    if (!*k) return fail(make_error(ErrorCode::kNotFound, "no kiosk " + kiosk_hex + " is enrolled"));
    const KioskInfo& info = **k;
    auto records = (*service)->store().record_count(info.id);
    if (!records.ok()) return fail(records.error());
    std::printf("kiosk           %s\nname            %s\nkey fingerprint %s\nenrolled        %s\nstatus          %s\n"
                "last contact    %s\nrecords         %llu\nchain           contiguous to position %llu, head %s\n",
                to_hex(info.id).c_str(), info.name.c_str(), key_fingerprint(info.key.bytes).c_str(),
                format_utc(info.enrolled_at).c_str(),
                info.revoked_at ? ("revoked " + format_utc(info.revoked_at)).c_str() : "active",
                format_utc(info.last_contact).c_str(), static_cast<unsigned long long>(*records),
                static_cast<unsigned long long>(info.contiguous_position), to_hex(info.contiguous_head).c_str());
    return 0;
  }

  if (events->parsed()) {
    auto all = (*service)->store().events(limit);
    if (!all.ok()) return fail(all.error());
    for (const auto& e : *all) {
      std::printf("%s  %-16s %s  %s\n", format_utc(e.at).c_str(), e.kind.c_str(), e.kiosk.c_str(), e.detail.c_str());
    }
    return 0;
  }

  if (import->parsed()) {
    auto exports = read_kiosk_exports(import_dir);
    if (!exports.ok()) return fail(exports.error());
    int refused = 0;
    for (const auto& ex : *exports) {
      for (const auto& b : ex.batches) {
        auto stored = (*service)->upload(b.bytes, "usb", now_seconds());
        if (!stored.ok()) {
          ++refused;
          std::fprintf(stderr, "civic-hub: kiosk %s batch %llu refused: %s\n", to_hex(ex.kiosk).c_str(),
                       static_cast<unsigned long long>(b.sequence), stored.message().c_str());
          continue;
        }
        if (auto s = write_usb_ack(import_dir, ex.kiosk, b.sequence, stored->ack); !s.ok()) return fail(s.error());
        std::printf("kiosk %s batch %llu: %s (%u new records)\n", to_hex(ex.kiosk).c_str(),
                    static_cast<unsigned long long>(b.sequence), stored->repeat ? "already had it" : "stored",
                    stored->new_records);
      }
    }
    auto latest = (*service)->latest_content();
    if (latest.ok() && *latest) {
      if (auto s = write_usb_content(import_dir, **latest); !s.ok()) return fail(s.error());
      std::printf("latest content bundle written to the drive\n");
    }
    return refused == 0 ? 0 : kExitError;
  }

  if (publish->parsed()) {
    std::ifstream in(content_file, std::ios::binary);
    if (!in) return fail(make_error(ErrorCode::kNotFound, "cannot read " + content_file));
    std::string payload((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::uint64_t lifetime = static_cast<std::uint64_t>(days > 0 ? days : config.content_lifetime_days) * 86400;
    auto version = (*service)->publish_content(payload, lifetime, now_seconds());
    if (!version.ok()) return fail(version.error());
    std::printf("published content version %llu, valid until %s\n", static_cast<unsigned long long>(*version),
                format_utc(now_seconds() + lifetime).c_str());
    return 0;
  }
  return 0;
}
