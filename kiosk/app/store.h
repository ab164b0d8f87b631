// The kiosk's side of storage: the only place a resident's submission is sealed and appended to
// the outbox, and where content is read from the verified cache. The UI and the session never
// touch SQLite; they go through this.
#pragma once

#include <memory>
#include <string>

#include "sync/consultation/consultation.h"
#include "sync/config/config.h"
#include "kiosk/staff/staff.h"
#include "sync/outbox/outbox.h"

namespace civic::kiosk {

class KioskStore {
 public:
  // Needs the kiosk's signing key (its identity) and the hub's public keys from enrolment.
  [[nodiscard]] static Result<std::unique_ptr<KioskStore>> open(const KioskConfig& config);

  // Seals the submission to the hub's key, appends it durably, wipes the plaintext, and returns
  // the receipt code as printed for the resident. Only after this returns may the kiosk say
  // "thank you".
  [[nodiscard]] Result<std::string> store(Submission& submission, std::uint64_t unix_now);

  // The installed content, re-verified; an empty Content when none is installed or it expired.
  [[nodiscard]] Result<Content> content(std::uint64_t unix_now);
  std::uint64_t content_version() const { return content_version_; }

  // For the staff health screen: counts only.
  const KioskId& kiosk_id() const { return kiosk_; }
  const std::string& key_fingerprint() const { return fingerprint_; }
  [[nodiscard]] Result<OutboxStatus> status() { return outbox_->status(); }
  [[nodiscard]] Status check_integrity() { return outbox_->verify_integrity(); }
  // Everything the staff health screen shows, with `speech` as the speaker reported it.
  HealthInfo health(const KioskConfig& config, const std::string& speech);

 private:
  KioskStore() = default;
  KioskId kiosk_{};
  std::string fingerprint_;
  SealPublicKey hub_submission_;
  SigningPublicKey hub_content_;
  std::unique_ptr<Outbox> outbox_;
  std::uint64_t content_version_ = 0;
};

}  // namespace civic::kiosk
