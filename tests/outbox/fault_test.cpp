// Disk full and I/O errors: the error reaches the caller, nothing is half-written, and a retry
// succeeds once the cause is gone.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "fault_vfs.h"
#include "outbox_test_util.h"

using namespace civic;
using namespace civic::test;

namespace {
constexpr std::uint64_t kNow = 1795000000;

std::unique_ptr<Outbox> open_faulty(const TempDir& dir) {
  fault_vfs().clear();
  OutboxOptions options;
  options.vfs = kFaultVfsName;
  auto ob = Outbox::open(dir.db(), test_kiosk_id(), options);
  REQUIRE(ob.ok());
  return std::move(*ob);
}
}  // namespace

TEST_CASE("a full disk during append is reported, leaves nothing behind, and a retry succeeds", "[outbox][faults]") {
  TempDir dir;
  auto ob = open_faulty(dir);
  for (int i = 0; i < 3; ++i) REQUIRE(ob->append(sealed_with_idea("before"), kNow).ok());

  // Fail at every possible write of one append in turn: the first write, the second, ...
  int failed_appends = 0;
  for (int nth = 0; nth < 6; ++nth) {
    INFO("failing write number " << nth);
    fault_vfs().writes_until_failure = nth;
    fault_vfs().write_error = SQLITE_FULL;
    fault_vfs().failures = 0;
    Bytes sealed = sealed_with_idea("during " + std::to_string(nth));
    auto r = ob->append(sealed, kNow);
    if (fault_vfs().failures == 0) {
      // This append needed fewer writes than nth: it succeeded and must be complete.
      REQUIRE(r.ok());
    } else {
      REQUIRE_FALSE(r.ok());
      ++failed_appends;
      CHECK(r.code() == ErrorCode::kDiskFull);
      CHECK_THAT(r.message(), Catch::Contains("disk is full") && Catch::Contains(dir.db().string()));
    }
    fault_vfs().clear();
    REQUIRE(ob->verify_integrity().ok());
    // The cause is gone: the same record can be stored now.
    if (!r.ok()) REQUIRE(ob->append(sealed, kNow).ok());
  }
  CHECK(failed_appends >= 2);  // an append writes at least the record's pages and the chain state
  auto st = ob->status();
  REQUIRE(st.ok());
  CHECK(st->pending == 3 + 6);
  CHECK(st->last_position == 9);
  // A fresh connection sees the same consistent state.
  ob.reset();
  auto again = Outbox::open(dir.db(), test_kiosk_id());
  REQUIRE(again.ok());
  CHECK((*again)->verify_integrity().ok());
  CHECK((*again)->status()->pending == 9);
}

TEST_CASE("a failing sync during append is reported and nothing is acknowledged to the caller", "[outbox][faults]") {
  TempDir dir;
  auto ob = open_faulty(dir);
  REQUIRE(ob->append(sealed_with_idea("first"), kNow).ok());
  fault_vfs().syncs_until_failure = 0;
  auto r = ob->append(sealed_with_idea("second"), kNow);
  CHECK(r.code() == ErrorCode::kIo);
  CHECK_THAT(r.message(), Catch::Contains("the disk reported an error"));
  fault_vfs().clear();
  // SQLite may or may not have kept the uncommitted frames; either way the chain is whole.
  ob.reset();
  auto reopened = Outbox::open(dir.db(), test_kiosk_id());
  REQUIRE(reopened.ok());
  REQUIRE((*reopened)->verify_integrity().ok());
  auto retry = (*reopened)->append(sealed_with_idea("second"), kNow);
  REQUIRE(retry.ok());
  CHECK((*reopened)->verify_integrity().ok());
}

TEST_CASE("write errors while batching and acknowledging change nothing until the retry", "[outbox][faults]") {
  TempDir dir;
  auto ob = open_faulty(dir);
  for (int i = 0; i < 10; ++i) REQUIRE(ob->append(sealed_with_idea("x"), kNow).ok());

  fault_vfs().writes_until_failure = 0;
  fault_vfs().write_error = SQLITE_IOERR_WRITE;
  auto b = ob->next_batch(kiosk_key(), BatchLimits{}, kNow);
  CHECK(b.code() == ErrorCode::kIo);
  fault_vfs().clear();
  CHECK(ob->status()->pending == 10);
  CHECK(ob->status()->unacknowledged_batches == 0);

  auto batch = ob->next_batch(kiosk_key(), BatchLimits{}, kNow);
  REQUIRE(batch.ok());
  Bytes ack = ack_for(**batch);
  fault_vfs().writes_until_failure = 0;
  fault_vfs().write_error = SQLITE_FULL;
  CHECK(ob->apply_ack(ack, hub_signing_key().public_key, kNow).code() == ErrorCode::kDiskFull);
  fault_vfs().clear();
  CHECK(ob->status()->acknowledged == 0);
  CHECK(ob->status()->in_batch == 10);
  auto applied = ob->apply_ack(ack, hub_signing_key().public_key, kNow);
  REQUIRE(applied.ok());
  CHECK(applied->records_acknowledged == 10);
  CHECK(ob->verify_integrity().ok());
}
