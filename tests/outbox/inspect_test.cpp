// Runs the real civic-outbox binary against outboxes made by the test.
#include <catch2/catch.hpp>

#include <ctime>

#include <cstdio>
#include <fstream>

#include "outbox_test_util.h"

using namespace civic;
using namespace civic::test;

namespace {
struct Run {
  int exit_code;
  std::string output;
};

Run run(const std::string& args) {
  std::string cmd = std::string(CIVIC_OUTBOX_TOOL) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  int status = ::pclose(p);
  return {WEXITSTATUS(status), out};
}
}  // namespace

TEST_CASE("civic-outbox status prints counts by state, the chain head and ages", "[outbox][inspect]") {
  TempDir dir;
  Hash32 head{};
  // Dated three days before now (the tool measures ages against the wall clock).
  const auto three_days_ago = static_cast<std::uint64_t>(std::time(nullptr)) - 3 * 86400 - 60;
  {
    auto ob = Outbox::open(dir.db(), test_kiosk_id());
    REQUIRE(ob.ok());
    for (int i = 0; i < 5; ++i) head = (*ob)->append(sealed_with_idea("x"), three_days_ago)->chain_head;
    auto b = (*ob)->next_batch(kiosk_key(), BatchLimits{2, kMaxBatchBytes}, 1795000000);
    REQUIRE(b.ok());
    REQUIRE((*ob)->apply_ack(ack_for(**b), hub_signing_key().public_key, 1795000000).ok());
    REQUIRE((*ob)->next_batch(kiosk_key(), BatchLimits{1, kMaxBatchBytes}, 1795000000).ok());
  }
  auto r = run("status " + dir.db().string());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("pending              2"));
  CHECK_THAT(r.output, Catch::Contains("in batch             1 (1 batch(es) awaiting an ack)"));
  CHECK_THAT(r.output, Catch::Contains("acknowledged         2"));
  CHECK_THAT(r.output, Catch::Contains("position 5, head " + to_hex(head)));
  CHECK_THAT(r.output, Catch::Contains(to_hex(test_kiosk_id())));
  CHECK_THAT(r.output, Catch::Contains("3.0 days"));
  CHECK_THAT(r.output, Catch::Contains("free disk"));

  auto c = run("check " + dir.db().string());
  CHECK(c.exit_code == 0);
  CHECK_THAT(c.output, Catch::Contains("chain verifies"));
}

TEST_CASE("civic-outbox explains what is wrong and exits non-zero", "[outbox][inspect]") {
  TempDir dir;
  CHECK(run("status " + (dir.path / "absent.db").string()).exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(dir.path / "absent.db"));
  std::ofstream(dir.path / "junk.db") << std::string(8192, 'j');
  auto junk = run("check " + (dir.path / "junk.db").string());
  CHECK(junk.exit_code == 1);
  CHECK_THAT(junk.output, Catch::Contains("not an outbox database"));
  CHECK(run("frobnicate x").exit_code == 2);
}
