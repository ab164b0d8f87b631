// Writes a small seed corpus of valid inputs for each fuzz target, so the fuzzers start from
// inputs that reach deep into the decoders (signatures verify, chains link).
// Usage: make_fuzz_seeds DIR
#include <filesystem>
#include <fstream>

#include "tests/protocol/test_keys.h"

using namespace civic;
namespace fs = std::filesystem;

namespace {
void put(const fs::path& dir, const std::string& name, ByteView bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || !crypto_init().ok()) return 2;
  const fs::path root = argv[1];
  auto kiosk = test::kiosk_key();
  auto hub = test::hub_signing_key();
  auto sub = test::hub_submission_key();

  auto s = test::sample_submission();
  put(root / "submission", "plain", encode_submission(s));
  // Version 2: a budget ballot, and comparisons (so the fuzzer starts inside both new parts).
  auto budget = s;
  budget.votes = {{"b-1", VoteChoice::kSelect}, {"b-2", VoteChoice::kSelect}};
  put(root / "submission", "plain-budget", encode_submission(budget));
  auto pairs = s;
  pairs.votes.clear();
  pairs.comparisons = {{"a", "b", PairOutcome::kLeft}, {"c", "a", PairOutcome::kCannotDecide}};
  put(root / "submission", "plain-pairwise", encode_submission(pairs));
  std::vector<Bytes> records;
  for (int i = 0; i < 3; ++i) records.push_back(*seal_submission(s, sub.public_key));
  put(root / "submission", "sealed", records[0]);

  BatchHeader h;
  h.kiosk_id = kiosk_id_from_key(kiosk.public_key);
  h.sequence = 1;
  h.first_position = 1;
  h.created_at = 1795000000;
  put(root / "batch", "one", encode_signed_batch(h, {records[0]}, kiosk)->bytes);
  put(root / "batch", "three", encode_signed_batch(h, records, kiosk)->bytes);

  Ack ack{h.kiosk_id, 1, 1, 3, Hash32{}, Hash32{}, 1795000000};
  put(root / "ack", "ack", encode_signed_ack(ack, hub));

  put(root / "content", "bundle", *encode_signed_content({3, 1795000000, 1795999999, R"({"consultations":[]})"}, hub));

  for (std::uint8_t t = 1; t <= 6; ++t) {
    put(root / "keyfile", "type" + std::to_string(t), encode_key_file(static_cast<KeyType>(t), test::fixed_seed(t)));
  }
  std::string code = format_receipt_code(make_receipt_code(h.kiosk_id, record_hash(records[0])));
  put(root / "receipt", "code", as_bytes(code));
  return 0;
}
