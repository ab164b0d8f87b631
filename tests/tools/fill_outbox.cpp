// Test tool: seals N submissions to the hub submission key in a kiosk's state directory and
// appends them to its outbox, as the kiosk would after N residents confirmed.
// Usage: fill_outbox STATE_DIR N [MARKER]   (MARKER goes into every idea, for end-to-end checks)
#include <cstdio>
#include <ctime>
#include <string>

#include "sync/config/config.h"
#include "sync/keystore/keystore.h"
#include "sync/outbox/outbox.h"

using namespace civic;

int main(int argc, char** argv) {
  if (argc < 3 || !crypto_init().ok()) {
    std::fprintf(stderr, "usage: fill_outbox STATE_DIR N [MARKER]\n");
    return 2;
  }
  KioskConfig config;
  config.state_dir = argv[1];
  const long n = std::stol(argv[2]);
  const std::string marker = argc > 3 ? argv[3] : "idea";
  auto key = load_signing_key(config.kiosk_secret_key_path(), KeyType::kKioskSigningSecret);
  auto hub = load_submission_public_key(config.hub_submission_key_path());
  if (!key.ok() || !hub.ok()) {
    std::fprintf(stderr, "fill_outbox: %s\n", (!key.ok() ? key.message() : hub.message()).c_str());
    return 1;
  }
  auto ob = Outbox::open(config.outbox_path(), kiosk_id_from_key(key->public_key));
  if (!ob.ok()) {
    std::fprintf(stderr, "fill_outbox: %s\n", ob.message().c_str());
    return 1;
  }
  const auto now = static_cast<std::uint64_t>(std::time(nullptr));
  for (long i = 0; i < n; ++i) {
    Submission s;
    s.consultation_id = "parks-2026";
    s.session_id = random_fixed<16>();
    s.language = i % 2 ? "fr" : "en";
    s.coarse_time = coarsen_time(now);
    s.idea = marker + " " + std::to_string(i);
    auto sealed = seal_submission(s, *hub);
    auto r = sealed.ok() ? (*ob)->append(*sealed, now) : Result<AppendedRecord>(sealed.error());
    if (!r.ok()) {
      std::fprintf(stderr, "fill_outbox: %s\n", r.message().c_str());
      return 1;
    }
  }
  return 0;
}
