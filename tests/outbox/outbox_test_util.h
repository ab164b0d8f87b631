// Helpers for outbox tests: a temporary directory, sealed records with marker text, acks signed
// the way the hub will sign them.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "sync/outbox/outbox.h"
#include "tests/protocol/test_keys.h"
#include "tests/temp_dir.h"

namespace civic::test {

inline KioskId test_kiosk_id() { return kiosk_id_from_key(kiosk_key().public_key); }

inline Bytes sealed_with_idea(const std::string& idea) {
  Submission s = sample_submission();
  s.idea = idea;
  auto sealed = seal_submission(s, hub_submission_key().public_key);
  if (!sealed.ok()) std::abort();
  return *sealed;
}

// The ack the hub would send for a batch.
inline Bytes ack_for(const OutgoingBatch& b, std::uint64_t now = 1795000000) {
  auto parsed = parse_batch(b.bytes);
  if (!parsed.ok()) std::abort();
  Ack a{parsed->header.kiosk_id, b.sequence, b.first_position, b.record_count, parsed->header.new_head,
        parsed->batch_id, now};
  return encode_signed_ack(a, hub_signing_key());
}

}  // namespace civic::test
