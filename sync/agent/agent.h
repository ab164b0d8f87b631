// civic-sync: carries the outbox's batches to the hub and the hub's acks and content back, over
// HTTP or on a USB drive. Every step can be interrupted and run again: batches are stored before
// they are sent, the hub answers a repeat with the same ack, and nothing is forgotten before a
// verified ack.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http_client.h"
#include "sync/config/config.h"
#include "sync/keystore/keystore.h"
#include "sync/cli/cli.h"  // the exit codes a sync run reports
#include "sync/health/kiosk_health.h"
#include "sync/outbox/outbox.h"
#include "sync/transparency/log_witness.h"

namespace civic {

struct Clock {
  std::function<std::uint64_t()> now;
  std::function<void(double seconds)> sleep;
};
Clock system_clock();

// Progress for a terminal: (done, total, what).
using Progress = std::function<void(std::uint64_t done, std::uint64_t total, const std::string& what)>;

struct SyncReport {
  int exit_code = kExitOk;
  std::string summary;  // one line for logs and staff screens
  std::uint64_t batches_sent = 0;
  std::uint64_t records_acknowledged = 0;
  std::uint64_t records_pruned = 0;
  std::string content;  // what happened to content
  std::string log;      // what the check of the hub's transparency log found, when it passed or could not run
};

// Creates the kiosk's signing key in the state directory if there is none yet.
[[nodiscard]] Result<SigningKeyPair> ensure_kiosk_key(const KioskConfig& config);

// Enrols this kiosk with the hub at `url` using a one-time token, checks the hub's signing key
// against the fingerprint in the token, and stores the hub's public keys.
[[nodiscard]] Result<std::string> enroll(const KioskConfig& config, const std::string& url, const std::string& token,
                                         const std::string& name);

class Agent {
 public:
  // Loads keys (the kiosk must be enrolled) and opens the outbox.
  [[nodiscard]] static Result<std::unique_ptr<Agent>> open(const KioskConfig& config, Clock clock);

  // Fetch and verify content, upload pending batches, verify acks, mark acknowledged, prune.
  SyncReport run_once(const Progress& progress);
  // Writes every unacknowledged batch (assembling pending records first) and a manifest to DIR.
  SyncReport export_usb(const std::filesystem::path& mount, const Progress& progress);
  // Applies the hub's acks and content bundle found on DIR.
  SyncReport import_usb(const std::filesystem::path& mount);

  Outbox& outbox() { return *outbox_; }
  // The kiosk's signed health report as it stands now (PROTOCOL.md "Health report"): the kiosk's
  // health file, the outbox and the last sync. Each call takes the next sequence number.
  [[nodiscard]] Result<Bytes> health_report();

 private:
  Agent(KioskConfig config, Clock clock, const SigningKeyPair& key, SigningPublicKey hub, SigningPublicKey content,
        std::unique_ptr<Outbox> outbox);
  SyncReport finish(SyncReport report);
  // After a run that reached the hub: how it went, in a health report (best effort, one try).
  void send_health_report(SyncReport& report);
  SyncReport finish_with_health(SyncReport report);
  // The kiosk as a witness of the hub's transparency log (PROTOCOL.md "Kiosks as witnesses"):
  // that the log extends the checkpoint this kiosk accepted before and holds every record the hub
  // acknowledged to it. A log that does not is refused: the old checkpoint is kept, the refusal
  // recorded (staff screen, health report) and the run fails. Returns the chain position up to
  // which this kiosk's records are proven in the log: records after it are never pruned.
  std::uint64_t witness_log(SyncReport& report);
  // The same from a drive: export writes the request (log_request_for_drive), the hub answers it
  // at import, and import-acks checks the answer.
  [[nodiscard]] Status log_request_for_drive(const std::filesystem::path& mount);
  std::uint64_t witness_log_from_drive(SyncReport& report, const std::filesystem::path& mount);
  [[nodiscard]] Result<Checkpoint> check_log_extension(const LogWitnessState& state,
                                                       const ConsistencyProof& proof) const;
  std::uint64_t refuse_log(SyncReport& report, LogWitnessState& state, const std::string& why) const;
  std::uint64_t accept_log(SyncReport& report, LogWitnessState& state, const ConsistencyProof& proof,
                           std::uint64_t witnessed, std::uint64_t proven) const;
  std::string install_content(ByteView bundle, int& exit_code);
  // Signed reports of the town-hall events staff closed on this kiosk (event.json), with their
  // ids; only those the hub has not confirmed yet when `unsent_only`.
  Result<std::vector<std::pair<std::string, Bytes>>> event_reports(bool unsent_only);
  void mark_event_sent(const std::string& event_id) const;
  Result<HttpResponse> with_retries(const std::function<Result<HttpResponse>()>& request,
                                    const std::string& what) const;

  KioskConfig config_;
  Clock clock_;
  SigningKeyPair key_;
  MemoryLock key_lock_{&key_, sizeof key_};  // after key_: wipes it at the end
  SigningPublicKey hub_key_;      // acks
  SigningPublicKey content_key_;  // content bundles (the hub's offline content key)
  std::unique_ptr<Outbox> outbox_;
  HttpClient http_;
};

}  // namespace civic
