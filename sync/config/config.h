// Configuration files (TOML) for the kiosk, the sync agent and the hub. Loading is strict: an
// unknown key, a wrong type or an out-of-range value is an error naming the file, the line and the
// key, so a typo never silently falls back to a default. config/*.toml documents every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sync/common/result.h"

namespace civic {

// A hub address a kiosk may use: https://, or http:// to this machine (127.0.0.0/8, localhost,
// [::1]); http:// elsewhere only when `allow_plain_http` says so (the key statement still protects
// the keys, but uploads and content would cross the network in the clear).
[[nodiscard]] Status check_hub_url(const std::string& url, bool allow_plain_http);

// /etc/civic-kiosk/kiosk.toml: read by civic-kiosk and civic-sync.
struct KioskConfig {
  std::filesystem::path state_dir = "/var/lib/civic-kiosk";  // keys, outbox.db

  // [sync]
  std::string hub_url;                 // empty: USB only
  bool allow_plain_http = false;       // http:// to a hub not on this machine (a private network)
  std::filesystem::path ca_file;       // PEM bundle that signs the hub's TLS certificate
  std::string pinned_public_key;       // curl pin, "sha256//BASE64"
  int connect_timeout_seconds = 10;
  int transfer_timeout_seconds = 120;
  int max_attempts = 5;
  int backoff_initial_seconds = 2;
  int backoff_max_seconds = 300;
  std::size_t batch_max_records = 1000;
  std::size_t batch_max_bytes = 4 * 1024 * 1024;
  int retention_days = 30;

  // [display], [session]: used by civic-kiosk.
  int width = 1280;
  int height = 800;
  int display_index = 0;
  bool fullscreen = true;
  int idle_timeout_seconds = 120;
  int idle_warning_seconds = 30;
  // With speech on, listening takes longer than reading: the time-out is longer.
  int speech_idle_timeout_seconds = 300;
  std::string default_language;  // empty: the first language offered
  // [languages]: the languages offered (catalogues in the kiosk's i18n directory), in the order
  // shown; empty: every catalogue installed.
  std::vector<std::string> languages;
  // [speech]: the kiosk's own screen reader (espeak-ng).
  bool speech_enabled = true;
  // Sound outputs whose name contains one of these (ignoring case) are headphones: speech moves to
  // them when they are plugged in, privately.
  std::vector<std::string> headphone_names{"headphone", "headset", "earphone", "earbud"};
  // [staff]: staff mode (civic-kiosk --set-staff-pin sets the PIN).
  int staff_inactivity_seconds = 180;
  int staff_operation_timeout_seconds = 900;  // a sync or USB operation is stopped after this long
  std::string staff_corner = "bottom-left";  // top-left, top-right, bottom-left, bottom-right
  std::filesystem::path usb_root = "/media";   // removable drives are mounted below here
  bool usb_mounts_only = true;                 // offer only directories that are mount points
  std::filesystem::path staff_pin_path() const { return state_dir / "staff-pin"; }

  std::filesystem::path outbox_path() const { return state_dir / "outbox.db"; }
  std::filesystem::path kiosk_secret_key_path() const { return state_dir / "kiosk-signing.key"; }
  std::filesystem::path kiosk_public_key_path() const { return state_dir / "kiosk-signing.pub"; }
  std::filesystem::path hub_signing_key_path() const { return state_dir / "hub-signing.pub"; }
  std::filesystem::path hub_submission_key_path() const { return state_dir / "hub-submission.pub"; }
  std::filesystem::path hub_content_key_path() const { return state_dir / "hub-content.pub"; }
};

// /etc/civic-hub/hub.toml: read by civic-hub.
struct HubConfig {
  std::filesystem::path state_dir = "/var/lib/civic-hub";  // hub.db, hub-signing.key
  std::string listen = "127.0.0.1";
  int port = 8470;
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  int threads = 8;
  // Connections held at once, in all and per client address (the trusted proxy is not capped per
  // address: nginx caps its clients itself), and the seconds a request head may take to arrive.
  std::size_t max_connections = 512;
  std::size_t max_connections_per_address = 16;
  int request_head_seconds = 10;
  std::string public_url;  // the address kiosks reach the hub at, for the enrolment command printed
  int token_lifetime_hours = 72;
  int failed_enrolments_per_minute = 10;  // per client address; more are refused and logged
  // The address of a reverse proxy (nginx) in front of the hub: requests from it are counted by
  // the last address in their X-Forwarded-For header. Empty: the peer address, always.
  std::string trusted_proxy;
  int content_lifetime_days = 30;
  // The operator console (/console): off with enabled = false; cookies marked Secure unless
  // secure_cookies = false (a console reached over plain HTTP other than on this machine).
  bool console_enabled = true;
  bool secure_cookies = true;
  int session_hours = 8;
  int silent_after_nights = 2;  // a kiosk not heard from for this many nights is flagged silent
  int disk_low_percent = 10;
  // GET /metrics: a bearer token read from this file (relative: in the state directory); no file,
  // no metrics.
  std::filesystem::path metrics_token_file = "metrics.token";

  // [store] url: a PostgreSQL database (postgresql://…) that several hubs may share; empty: SQLite
  // at database_path().
  std::string store_url;

  std::filesystem::path database_path() const { return state_dir / "hub.db"; }
  std::filesystem::path signing_key_path() const { return state_dir / "hub-signing.key"; }
  std::filesystem::path signing_public_key_path() const { return state_dir / "hub-signing.pub"; }
  std::filesystem::path submission_public_key_path() const { return state_dir / "hub-submission.pub"; }
  std::filesystem::path content_public_key_path() const { return state_dir / "hub-content.pub"; }
  std::filesystem::path metrics_token_path() const { return state_dir / metrics_token_file; }
  std::filesystem::path results_dir() const { return state_dir / "results"; }
};

// A PostgreSQL connection URL, as [store] url and migrate-store take it (postgresql://…).
inline bool is_postgres_url(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

[[nodiscard]] Result<KioskConfig> load_kiosk_config(const std::filesystem::path& file);
[[nodiscard]] Result<HubConfig> load_hub_config(const std::filesystem::path& file);

// Shares of the population per "about you" answer, for representativeness and weighting:
// question id -> answer id -> share. A TOML file with one table per question (see
// config/population.toml); each table's shares must sum to 1 (within 0.01).
struct PopulationMargins {
  std::map<std::string, std::map<std::string, double>> shares;
};
[[nodiscard]] Result<PopulationMargins> load_population_margins(const std::filesystem::path& file);

}  // namespace civic
