// The kiosk appending while the agent batches, acknowledges and prunes, each with its own
// connection as in the field: nothing lost, nothing duplicated. Built under ThreadSanitizer by
// the tsan preset (installer/test-all.sh runs it).
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "outbox_test_util.h"

using namespace civic;
using namespace civic::test;

TEST_CASE("concurrency: kiosk and agent working at once lose and duplicate nothing", "[outbox][concurrency]") {
  TempDir dir;
  constexpr int kRecords = 400;
  constexpr std::uint64_t kNow = 1795000000;
  { REQUIRE(Outbox::open(dir.db(), test_kiosk_id()).ok()); }
  const Bytes sealed = sealed_with_idea("concurrent");

  std::atomic<bool> kiosk_done{false};
  std::vector<std::uint64_t> positions;
  std::string kiosk_error, agent_error;
  std::uint64_t acknowledged = 0;
  std::set<std::uint64_t> batch_first_positions;

  std::thread kiosk([&] {
    auto ob = Outbox::open(dir.db(), test_kiosk_id());
    if (!ob.ok()) {
      kiosk_error = ob.message();
      kiosk_done = true;
      return;
    }
    for (int i = 0; i < kRecords; ++i) {
      auto r = (*ob)->append(sealed, kNow);
      if (!r.ok()) {
        kiosk_error = r.message();
        break;
      }
      positions.push_back(r->position);
    }
    kiosk_done = true;
  });

  std::thread agent([&] {
    auto ob = Outbox::open(dir.db(), test_kiosk_id());
    if (!ob.ok()) {
      agent_error = ob.message();
      return;
    }
    for (int guard = 0; guard < 100000; ++guard) {
      const bool finished = kiosk_done.load();
      auto b = (*ob)->next_batch(kiosk_key(), BatchLimits{17, kMaxBatchBytes}, kNow);
      if (!b.ok()) {
        agent_error = b.message();
        return;
      }
      if (!b->has_value()) {
        if (finished) return;
        std::this_thread::yield();
        continue;
      }
      if (!batch_first_positions.insert((*b)->first_position).second) {
        agent_error = "a batch started at the same position twice";
        return;
      }
      auto applied = (*ob)->apply_ack(ack_for(**b), hub_signing_key().public_key, kNow);
      if (!applied.ok()) {
        agent_error = applied.message();
        return;
      }
      acknowledged += applied->records_acknowledged;
      if (!(*ob)->prune(0, kNow + 1).ok()) {
        agent_error = "prune failed";
        return;
      }
    }
    agent_error = "the agent loop did not finish";
  });

  kiosk.join();
  agent.join();
  INFO("kiosk: " << kiosk_error);
  INFO("agent: " << agent_error);
  REQUIRE(kiosk_error.empty());
  REQUIRE(agent_error.empty());
  REQUIRE(positions.size() == kRecords);
  for (int i = 0; i < kRecords; ++i) REQUIRE(positions[i] == static_cast<std::uint64_t>(i + 1));
  CHECK(acknowledged == kRecords);

  auto ob = Outbox::open(dir.db(), test_kiosk_id());
  REQUIRE(ob.ok());
  auto st = (*ob)->status();
  REQUIRE(st.ok());
  CHECK(st->last_position == kRecords);
  CHECK(st->pending == 0);
  CHECK(st->in_batch == 0);
  CHECK((*ob)->verify_integrity().ok());
}
