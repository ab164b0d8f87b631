// The hub's group commit (sync/hub/sqlite_store.cpp): uploads arriving at once share one
// transaction and one durable commit. Whatever the grouping, every batch is stored exactly once,
// a repeat gets its ack byte for byte, a fork is refused and logged, and a refused batch takes
// nothing of its group with it. Built with the flood tests, so it also runs under ThreadSanitizer.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "tests/hub/hub_fixture.h"

using namespace civic;

TEST_CASE("concurrency: uploads at once share commits, each batch stored once, forks refused and logged",
          "[hub][concurrency]") {
  test::Hub hub;
  constexpr int kKiosks = 4, kBatches = 25, kThreads = 8;
  struct Upload {
    int kiosk;
    Bytes bytes;
    bool fork;
  };
  std::vector<SigningKeyPair> keys;
  std::vector<Upload> uploads;
  for (int k = 0; k < kKiosks; ++k) {
    keys.push_back(generate_signing_key_pair());
    auto token = hub.service->create_enrolment_token("k", 3600, test::kNow);
    REQUIRE(token.ok());
    auto enrolled = hub.service->enrol(*token, keys.back().public_key, "k", "127.0.0.1", test::kNow);
    REQUIRE(enrolled.ok());
    Hash32 head = kGenesisHead;
    for (int b = 1; b <= kBatches; ++b) {
      BatchHeader h{kiosk_id_from_key(keys[k].public_key), static_cast<std::uint64_t>(b),
                    static_cast<std::uint64_t>(b), test::kNow, head, {}};
      auto batch = encode_signed_batch(h, {test::sealed_idea("k" + std::to_string(k) + " b" + std::to_string(b))},
                                       keys[k]);
      REQUIRE(batch.ok());
      head = batch->new_head;
      // The first three arrive first, so that the fork below always meets stored records.
      if (b <= 3) REQUIRE(hub.service->upload(batch->bytes, "test", test::kNow).ok());
      // Every batch is sent twice (again, for the first three), by different threads.
      uploads.push_back({k, batch->bytes, false});
      uploads.push_back({k, batch->bytes, false});
    }
    // A fork: position 3 again, with other content, under a sequence of its own.
    Hash32 fork_head = kGenesisHead;
    BatchHeader h{kiosk_id_from_key(keys[k].public_key), 99, 3, test::kNow, fork_head, {}};
    auto fork = encode_signed_batch(h, {test::sealed_idea("another record at position 3")}, keys[k]);
    REQUIRE(fork.ok());
    uploads.push_back({k, fork->bytes, true});
  }
  // Interleaved: thread t takes uploads t, t + kThreads, ...
  std::mutex results_mutex;
  std::map<std::string, std::vector<Bytes>> acks_by_batch;  // the bytes of a batch -> every ack it got
  std::atomic<int> forks_refused{0}, other_failures{0}, forks_accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < uploads.size(); i += kThreads) {
        auto stored = hub.service->upload(uploads[i].bytes, "test", test::kNow);
        if (uploads[i].fork) {
          (stored.ok() ? forks_accepted : (stored.code() == ErrorCode::kConflict ? forks_refused : other_failures))++;
          continue;
        }
        if (!stored.ok()) {
          // A batch that arrived before the one it continues is a gap, accepted; nothing else fails.
          ++other_failures;
          continue;
        }
        std::lock_guard lock(results_mutex);
        acks_by_batch[std::string(as_chars(uploads[i].bytes))].push_back(stored->ack);
      }
    });
  }
  for (auto& th : threads) th.join();

  CHECK(other_failures == 0);
  CHECK(forks_accepted == 0);
  CHECK(forks_refused == kKiosks);
  auto count = hub.service->store().record_count();
  REQUIRE(count.ok());
  CHECK(*count == static_cast<std::uint64_t>(kKiosks * kBatches) + 0);  // the fixture's kiosk sent nothing
  REQUIRE(acks_by_batch.size() == static_cast<std::size_t>(kKiosks * kBatches));
  for (const auto& [batch, acks] : acks_by_batch) {
    REQUIRE(acks.size() == 2);
    CHECK(acks[0] == acks[1]);
  }
  for (const auto& key : keys) {
    auto k = hub.service->store().kiosk(kiosk_id_from_key(key.public_key));
    REQUIRE(k.ok());
    REQUIRE(k->has_value());
    CHECK((*k)->contiguous_position == static_cast<std::uint64_t>(kBatches));
    auto n = hub.service->store().record_count(kiosk_id_from_key(key.public_key));
    REQUIRE(n.ok());
    CHECK(*n == static_cast<std::uint64_t>(kBatches));
  }
  auto events = hub.service->store().events(10000);
  REQUIRE(events.ok());
  CHECK(std::count_if(events->begin(), events->end(), [](const HubEvent& e) { return e.kind == "fork"; }) == kKiosks);
}
