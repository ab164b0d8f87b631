// No plaintext at rest: what a resident typed must never appear in the outbox's files, before or
// after a checkpoint, before or after pruning.
#include <catch2/catch.hpp>

#include <fstream>

#include "outbox_test_util.h"

using namespace civic;
using namespace civic::test;

namespace {
constexpr std::uint64_t kNow = 1795000000;

std::size_t count_hits(const std::filesystem::path& file, const std::vector<std::string>& markers) {
  if (!std::filesystem::exists(file)) return 0;
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t hits = 0;
  for (const auto& m : markers) {
    for (auto pos = bytes.find(m); pos != std::string::npos; pos = bytes.find(m, pos + 1)) ++hits;
  }
  return hits;
}

std::size_t hits_in_outbox(const TempDir& dir, const std::vector<std::string>& markers) {
  std::size_t hits = 0;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    hits += count_hits(dir.path / (std::string("outbox.db") + suffix), markers);
  }
  return hits;
}
}  // namespace

TEST_CASE("no plaintext reaches the outbox's files", "[outbox][at-rest]") {
  TempDir dir;
  std::vector<std::string> markers;
  auto ob = Outbox::open(dir.db(), test_kiosk_id());
  REQUIRE(ob.ok());
  for (int i = 0; i < 50; ++i) {
    std::string marker = "MARKER-" + to_hex(random_fixed<8>()) + "-résident";
    markers.push_back(marker);
    Submission s = sample_submission();
    s.idea = "My idea is " + marker;
    s.votes = {{"idea-" + std::to_string(i), VoteChoice::kAgree}};
    auto sealed = seal_submission(s, hub_submission_key().public_key);
    REQUIRE(sealed.ok());
    REQUIRE((*ob)->append(*sealed, kNow).ok());
  }
  // The scan itself must work: plant one marker in a file beside the outbox and find it.
  std::ofstream(dir.path / "control.txt") << markers[0];
  REQUIRE(count_hits(dir.path / "control.txt", markers) == 1);

  CHECK(hits_in_outbox(dir, markers) == 0);  // in the WAL, before checkpoint
  REQUIRE((*ob)->checkpoint().ok());
  CHECK(hits_in_outbox(dir, markers) == 0);  // in the main file

  auto batches = (*ob)->all_unacknowledged_batches(kiosk_key(), BatchLimits{10, kMaxBatchBytes}, kNow);
  REQUIRE(batches.ok());
  for (const auto& b : *batches) REQUIRE((*ob)->apply_ack(ack_for(b), hub_signing_key().public_key, kNow).ok());
  auto pruned = (*ob)->prune(0, kNow + 1);
  REQUIRE(pruned.ok());
  CHECK(*pruned == 50);
  CHECK(hits_in_outbox(dir, markers) == 0);  // after pruning
  REQUIRE((*ob)->checkpoint().ok());
  CHECK(hits_in_outbox(dir, markers) == 0);
}

TEST_CASE("pruned ciphertext is overwritten, not left in free pages", "[outbox][at-rest]") {
  TempDir dir;
  auto ob = Outbox::open(dir.db(), test_kiosk_id());
  REQUIRE(ob.ok());
  std::vector<Bytes> sealed;
  for (int i = 0; i < 20; ++i) {
    sealed.push_back(sealed_with_idea("idea " + std::to_string(i)));
    REQUIRE((*ob)->append(sealed.back(), kNow).ok());
  }
  auto batches = (*ob)->all_unacknowledged_batches(kiosk_key(), BatchLimits{}, kNow);
  REQUIRE(batches.ok());
  for (const auto& b : *batches) REQUIRE((*ob)->apply_ack(ack_for(b), hub_signing_key().public_key, kNow).ok());
  REQUIRE((*ob)->checkpoint().ok());
  REQUIRE(*(*ob)->prune(0, kNow + 1) == 20);
  REQUIRE((*ob)->checkpoint().ok());
  // A 32-byte slice from the middle of each sealed record stands for the ciphertext.
  std::vector<std::string> slices;
  for (const auto& s : sealed) slices.emplace_back(reinterpret_cast<const char*>(s.data()) + 200, 32);
  CHECK(count_hits(dir.db(), slices) == 0);
}
