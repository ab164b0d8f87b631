// civic-sync: the kiosk's sync agent. Run by a systemd timer overnight (run --once), or by field
// staff (export / import-acks for USB drives, status).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include "sync/common/human.h"
#include <cstdio>
#include <ctime>

#include "agent.h"
#include "sync/files/files.h"
#include "sync/keystore/keystore.h"
#include "sync/transfer/usb.h"

using namespace civic;

namespace {

int fail(const Error& e);

// Wipes keys, outbox and content, but only when every record has been acknowledged by the hub,
// or when the operator says the unsent ones may be lost (a revoked kiosk the hub will not take).
int decommission_kiosk(const KioskConfig& config, bool discard_unsent) {
  std::error_code ec;
  std::uint64_t unsent = 0;
  if (std::filesystem::exists(config.outbox_path(), ec)) {
    auto outbox = Outbox::open_existing(config.outbox_path());
    if (!outbox.ok()) return fail(outbox.error());
    auto st = (*outbox)->status();
    if (!st.ok()) return fail(st.error());
    unsent = st->pending + st->in_batch;
    if (unsent > 0 && !discard_unsent) {
      return fail(make_error(ErrorCode::kUnavailable,
                             std::to_string(unsent) +
                                 " record(s) are not yet acknowledged by the hub; nothing was wiped. Run "
                                 "'civic-sync run --once' (or export to USB and import the acks) first. If the hub "
                                 "revoked this kiosk, hand the records over on a USB drive ('civic-sync export "
                                 "DRIVE') for the operators to decide, or lose them on purpose with "
                                 "--discard-unsent"));
    }
  }
  std::string kiosk = "(no key)";
  if (auto key = load_signing_public_key(config.kiosk_public_key_path(), KeyType::kKioskSigningPublic); key.ok()) {
    kiosk = to_hex(kiosk_id_from_key(*key));
  }
  for (const char* name : {"outbox.db", "outbox.db-wal", "outbox.db-shm", "outbox.db-journal", "kiosk-signing.key",
                           "kiosk-signing.pub", "hub-signing.pub", "hub-submission.pub", "hub-content.pub"}) {
    // Each file's bytes are overwritten before it is removed, so keys do not linger in free blocks
    // (best effort on journalling file systems and SSDs; the keys are worthless once revoked).
    if (auto s = files::overwrite_and_remove(config.state_dir / name); !s.ok()) return fail(s.error());
  }
  if (unsent > 0) {
    std::printf("%llu record(s) that never reached the hub were discarded, as --discard-unsent asked\n",
                static_cast<unsigned long long>(unsent));
  }
  std::printf("decommissioned kiosk %s: keys and outbox wiped from %s; revoke it at the hub with 'civic-hub kiosks "
              "revoke %s --yes'\n",
              kiosk.c_str(), config.state_dir.string().c_str(), kiosk.c_str());
  return 0;
}

int fail(const Error& e) { return report_failure("civic-sync", e); }

// A progress bar on a terminal; nothing for journald (the summary line is logged instead).
Progress terminal_progress() {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  return [](std::uint64_t done, std::uint64_t total, const std::string& what) {
    constexpr int kWidth = 30;
    const int filled = total == 0 ? kWidth : static_cast<int>(kWidth * done / total);
    std::fprintf(stderr, "\r[%.*s%*s] %llu/%llu %-40.40s", filled, "##############################", kWidth - filled,
                 "", static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), what.c_str());
    if (done >= total) std::fputc('\n', stderr);
  };
}

int report(const SyncReport& r) {
  std::fprintf(r.exit_code == kExitOk ? stdout : stderr, "civic-sync: %s\n", r.summary.c_str());
  return r.exit_code;
}


}  // namespace

int main(int argc, char** argv) try {
  no_core_dumps();
  if (auto s = crypto_init(); !s.ok()) return fail(s.error());
  CLI::App app{"civic-sync: carries a kiosk's sealed submissions to the hub, and content back"};
  set_up_command_line(app, "civic-sync");
  app.require_subcommand(1);
  std::string config_file = default_config_file("CIVIC_KIOSK_CONFIG", "/etc/civic-kiosk/kiosk.toml");
  std::string state_dir;
  app.add_option("--config", config_file, "configuration file (TOML; see config/kiosk.toml)")->capture_default_str();
  app.add_option("--state", state_dir, "state directory (overrides the configuration)");

  auto* keygen = app.add_subcommand("keygen", "create this kiosk's signing key if it has none; print its id");
  auto* enroll_cmd = app.add_subcommand("enroll", "enrol this kiosk with a hub, using a one-time token");
  std::string url, token, name = "kiosk";
  enroll_cmd->add_option("url", url, "the hub's address, e.g. https://hub.example.org")->required();
  enroll_cmd->add_option("token", token, "the token from 'civic-hub enroll-token'")->required();
  enroll_cmd->add_option("--name", name, "a name for operators: where this kiosk stands");
  auto* run = app.add_subcommand("run", "sync now: content down, batches up, acks applied, old records pruned");
  bool once = false;
  run->add_flag("--once", once, "run one sync and exit (the only mode; for systemd timers)")->required();
  auto* export_cmd = app.add_subcommand("export", "write unacknowledged batches to a USB drive");
  std::string dir;
  export_cmd->add_option("dir", dir, "the drive's mount point")->required();
  bool not_a_drive = false;
  export_cmd->add_flag("--not-a-drive", not_a_drive, "write to an ordinary folder on purpose (not a mounted drive)");
  auto* import_cmd = app.add_subcommand("import-acks", "apply the hub's acks and content from a USB drive");
  import_cmd->add_option("dir", dir, "the drive's mount point")->required();
  auto* status = app.add_subcommand("status", "what is waiting, and how the last sync went");
  bool as_json = false;
  status->add_flag("--json", as_json, "print JSON for scripts and monitoring (shape: installer/README.md)");
  auto* decommission = app.add_subcommand(
      "decommission", "wipe this kiosk's keys and outbox; refused while the hub has not acknowledged everything");
  bool really = false;
  decommission->add_flag("--yes", really, "confirm: this kiosk can never send again")->required();
  bool discard_unsent = false;
  decommission->add_flag("--discard-unsent", discard_unsent,
                         "wipe even records the hub never acknowledged (says how many are lost)");

  if (auto done = parse_command_line(app, argc, argv)) return *done;

  KioskConfig config;
  std::error_code ec;
  if (std::filesystem::exists(config_file, ec) || app.get_option("--config")->count() > 0 ||
      environment_names_config("CIVIC_KIOSK_CONFIG")) {
    auto loaded = load_kiosk_config(config_file);
    if (!loaded.ok()) return fail(loaded.error());
    config = *loaded;
  }
  if (!state_dir.empty()) config.state_dir = state_dir;

  if (keygen->parsed()) {
    auto key = ensure_kiosk_key(config);
    if (!key.ok()) return fail(key.error());
    std::printf("kiosk %s, key fingerprint %s\n", to_hex(kiosk_id_from_key(key->public_key)).c_str(),
                key_fingerprint(key->public_key.bytes).c_str());
    return 0;
  }
  if (enroll_cmd->parsed()) {
    auto id = enroll(config, url, token, name);
    if (!id.ok()) return fail(id.error());
    std::printf("enrolled as kiosk %s with the hub at %s\n", id->c_str(), url.c_str());
    if (config.hub_url != url) {
      std::printf("set hub_url = \"%s\" in the [sync] section of %s so that nightly syncs reach it\n", url.c_str(),
                  config_file.c_str());
    }
    return 0;
  }

  if (decommission->parsed()) {
    (void)really;  // required by the parser: nothing is wiped without it
    return decommission_kiosk(config, discard_unsent);
  }

  auto agent = Agent::open(config, system_clock());
  if (!agent.ok()) return fail(agent.error());
  if (run->parsed()) return report((*agent)->run_once(terminal_progress()));
  if (export_cmd->parsed()) {
    if (!not_a_drive) {
      if (auto mounted = check_drive_mount_point(dir); !mounted.ok()) return fail(mounted.error());
    }
    return report((*agent)->export_usb(dir, terminal_progress()));
  }
  if (import_cmd->parsed()) return report((*agent)->import_usb(dir));
  if (status->parsed()) {
    auto st = (*agent)->outbox().status();
    if (!st.ok()) return fail(st.error());
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    if (as_json) {
      auto when = [](std::optional<std::uint64_t> at) { return at ? nlohmann::json(*at) : nlohmann::json(nullptr); };
      const nlohmann::json shown = {{"kiosk", to_hex((*agent)->outbox().kiosk_id())},
                                    {"hub_url", config.hub_url.empty() ? nlohmann::json(nullptr) : nlohmann::json(config.hub_url)},
                                    {"pending", st->pending},
                                    {"in_batch", st->in_batch},
                                    {"unacknowledged_batches", st->unacknowledged_batches},
                                    {"acknowledged", st->acknowledged},
                                    {"oldest_unacknowledged_at", when(st->oldest_unacknowledged_at)},
                                    {"last_sync_at", when(st->last_sync_at)},
                                    {"last_sync_result", st->last_sync_result},
                                    {"last_sync_success_at", when(st->last_sync_success_at)},
                                    {"content_version", st->content_version ? nlohmann::json(st->content_version) : nlohmann::json(nullptr)},
                                    {"content_expires_at", st->content_version ? nlohmann::json(st->content_expires_at) : nlohmann::json(nullptr)},
                                    {"free_disk_bytes", st->free_disk_bytes}};
      std::printf("%s\n", shown.dump(2).c_str());
      return 0;
    }
    std::printf("kiosk                %s\n", to_hex((*agent)->outbox().kiosk_id()).c_str());
    std::printf("hub                  %s\n", config.hub_url.empty() ? "(USB only)" : config.hub_url.c_str());
    std::printf("waiting              %llu pending, %llu in %llu unacknowledged batch(es)\n",
                static_cast<unsigned long long>(st->pending), static_cast<unsigned long long>(st->in_batch),
                static_cast<unsigned long long>(st->unacknowledged_batches));
    if (st->oldest_unacknowledged_at) {
      std::printf("oldest waiting       %.1f h\n", static_cast<double>(now - std::min(now, *st->oldest_unacknowledged_at)) / 3600.0);
    }
    std::printf("last sync            %s: %s\n", format_utc(st->last_sync_at).c_str(),
                st->last_sync_result.empty() ? "-" : st->last_sync_result.c_str());
    std::printf("last successful sync %s\n", format_utc(st->last_sync_success_at).c_str());
    std::printf("content              %s\n",
                st->content_version ? ("version " + std::to_string(st->content_version) + ", expires " +
                                       format_utc(st->content_expires_at))
                                          .c_str()
                                    : "none yet");
    return 0;
  }
  return 0;
} catch (...) {
  return report_unexpected("civic-sync");
}
