// What the hub does, independent of transport: the HTTP server and USB import both call this, so
// a batch is checked the same way however it arrives.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "store.h"
#include "sync/config/config.h"

namespace civic {

struct HubKeys {
  SigningKeyPair signing;
  SealPublicKey submission;  // the secret half never comes near the hub server
};

struct EnrolResult {
  KioskInfo kiosk;
  SigningPublicKey hub_signing;
  SealPublicKey hub_submission;
};

// Loads the hub's keys from its state directory.
[[nodiscard]] Result<HubKeys> load_hub_keys(const HubConfig& config);
// Creates them (once): the signing key and the submission public key in the state directory, the
// submission secret key at `submission_secret_out` for operators to keep offline.
[[nodiscard]] Status create_hub_keys(const HubConfig& config, const std::filesystem::path& submission_secret_out);

class HubService {
 public:
  HubService(std::unique_ptr<HubStore> store, HubKeys keys, HubConfig config);

  [[nodiscard]] Result<std::string> create_enrolment_token(const std::string& label, std::uint64_t lifetime_seconds,
                                                           std::uint64_t now);
  // `client` identifies the caller for rate limiting (an address). Failed attempts beyond the
  // configured rate per minute are refused with kRateLimited and logged.
  [[nodiscard]] Result<EnrolResult> enrol(std::string_view token_text, const SigningPublicKey& kiosk_key,
                                          const std::string& name, const std::string& client, std::uint64_t now);
  // Verifies and stores a batch. Error codes: kOversize, decoder codes (malformed input),
  // kUnauthorized (unknown or revoked kiosk), kBadSignature, kConflict (fork).
  [[nodiscard]] Result<StoredBatch> upload(ByteView body, const std::string& via, std::uint64_t now);

  [[nodiscard]] Result<std::uint64_t> publish_content(const std::string& payload, std::uint64_t lifetime_seconds,
                                                      std::uint64_t now);
  [[nodiscard]] Result<std::optional<Bytes>> latest_content() { return store_->latest_content(); }

  HubStore& store() { return *store_; }
  const HubKeys& keys() const { return keys_; }
  const HubConfig& config() const { return config_; }

 private:
  void note(const HubEvent& event);
  bool rate_limited(const std::string& client, std::uint64_t now);
  void record_failure(const std::string& client, std::uint64_t now);

  std::unique_ptr<HubStore> store_;
  HubKeys keys_;
  HubConfig config_;
  std::mutex failures_mutex_;
  std::map<std::string, std::deque<std::uint64_t>> failures_;  // client -> times of failed enrolments
};

}  // namespace civic
