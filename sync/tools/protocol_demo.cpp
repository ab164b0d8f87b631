// civic-protocol-demo: walks one consultation's submissions along the path they take in the
// field, using the real protocol code with throw-away keys: seal on the kiosk, chain, batch and
// sign, verify on the hub, acknowledge, verify the ack, and open with the offline key.
#include <cstdio>
#include <ctime>

#include "sync/protocol/protocol.h"

using namespace civic;

namespace {
int fail(const char* step, const Error& e) {
  std::fprintf(stderr, "demo failed at '%s': %s (%s)\n", step, e.message.c_str(), error_code_name(e.code));
  return 1;
}
}  // namespace

int main() {
  if (auto s = crypto_init(); !s.ok()) return fail("init", s.error());
  const auto kiosk = generate_signing_key_pair();
  const auto hub_signing = generate_signing_key_pair();
  const auto hub_submission = generate_seal_key_pair();
  const KioskId kiosk_id = kiosk_id_from_key(kiosk.public_key);
  std::printf("kiosk %s (key fingerprint %s)\n", to_hex(kiosk_id).c_str(),
              key_fingerprint(kiosk.public_key.bytes).c_str());

  const std::uint64_t now = static_cast<std::uint64_t>(std::time(nullptr));
  std::vector<Submission> residents(3);
  const char* ideas[] = {"Benches in the shade near the school.", "", "Plus d’arbres le long du canal."};
  for (std::size_t i = 0; i < residents.size(); ++i) {
    Submission& s = residents[i];
    s.consultation_id = "parks-2026";
    s.session_id = random_fixed<16>();
    s.language = i == 2 ? "fr" : "en";
    s.coarse_time = coarsen_time(now);
    s.idea = ideas[i];
    if (i == 1) s.votes = {{"idea-003", VoteChoice::kSupport}, {"idea-010", VoteChoice::kSupport}};
  }

  std::printf("\n1. kiosk: seal each confirmed submission to the hub's key and give a receipt\n");
  std::vector<Bytes> outbox;
  Hash32 head = kGenesisHead;
  for (std::size_t i = 0; i < residents.size(); ++i) {
    auto sealed = seal_submission(residents[i], hub_submission.public_key);
    if (!sealed.ok()) return fail("seal", sealed.error());
    const Hash32 rh = record_hash(*sealed);
    head = chain_next(i + 1, head, rh);
    std::printf("   record %zu: %zu sealed bytes, receipt %s, chain head %.16s...\n", i + 1, sealed->size(),
                format_receipt_code(make_receipt_code(kiosk_id, rh)).c_str(), to_hex(head).c_str());
    outbox.push_back(std::move(*sealed));
    wipe_submission(residents[i]);
  }

  std::printf("\n2. sync agent: one signed batch\n");
  BatchHeader header;
  header.kiosk_id = kiosk_id;
  header.sequence = 1;
  header.first_position = 1;
  header.created_at = now;
  auto batch = encode_signed_batch(header, outbox, kiosk);
  if (!batch.ok()) return fail("batch", batch.error());
  std::printf("   %zu bytes for %zu records\n", batch->bytes.size(), outbox.size());

  std::printf("\n3. hub: verify the batch, store it, sign an ack\n");
  auto parsed = parse_batch(batch->bytes);
  if (!parsed.ok()) return fail("parse batch", parsed.error());
  if (auto s = verify_batch(*parsed, kiosk.public_key); !s.ok()) return fail("verify batch", s.error());
  Ack ack{kiosk_id, parsed->header.sequence, parsed->header.first_position,
          static_cast<std::uint32_t>(parsed->records.size()), parsed->header.new_head, parsed->batch_id, now};
  const Bytes ack_bytes = encode_signed_ack(ack, hub_signing);
  std::printf("   batch verified; chain head matches: %s\n", parsed->header.new_head == head ? "yes" : "NO");

  std::printf("\n4. kiosk: verify the ack before forgetting anything\n");
  auto verified = verify_ack(ack_bytes, hub_signing.public_key);
  if (!verified.ok()) return fail("verify ack", verified.error());
  std::printf("   positions %llu..%llu acknowledged\n", static_cast<unsigned long long>(verified->first_position),
              static_cast<unsigned long long>(verified->first_position + verified->record_count - 1));

  Bytes tampered = batch->bytes;
  tampered[200] ^= 1;
  auto refused = parse_batch(tampered);
  std::printf("   a batch with one flipped byte is refused: %s\n",
              refused.ok() ? "NO" : refused.message().c_str());

  std::printf("\n5. operators, offline: open with the submission secret key\n");
  for (const auto& sealed : parsed->records) {
    auto s = open_submission(sealed, hub_submission);
    if (!s.ok()) return fail("open", s.error());
    std::printf("   [%s] idea: \"%s\", %zu vote(s)\n", s->language.c_str(), s->idea.c_str(), s->votes.size());
  }
  return 0;
}
