// Staff mode's background operations (civic-sync in its own process): stopped on request or when
// they run too long, never left to hang the kiosk.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "kiosk/app/command.h"

using namespace civic::kiosk;

TEST_CASE("a background operation that hangs is stopped, and its end is reported", "[staff]") {
  BackgroundCommand op;
  REQUIRE(op.start({"sh", "-c", "echo reading the drive; exec sleep 60"}).ok());
  REQUIRE(op.running());
  for (int i = 0; i < 100 && !op.poll_line(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(op.last_line() == "reading the drive");
  CHECK(op.running_ms() < 60000);
  const auto started = std::chrono::steady_clock::now();
  op.stop(2000);
  std::optional<int> code;
  for (int i = 0; i < 200 && !code; ++i) {
    code = op.poll_exit();
    if (!code) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(code);
  CHECK(*code == 128 + 15);  // ended by SIGTERM
  CHECK(seconds < 5);
  CHECK_FALSE(op.running());
  CHECK(op.running_ms() == 0);
}

TEST_CASE("a background operation that ignores SIGTERM is killed after the grace period", "[staff]") {
  BackgroundCommand op;
  REQUIRE(op.start({"sh", "-c", "trap '' TERM; echo stubborn; while :; do sleep 1; done"}).ok());
  for (int i = 0; i < 100 && !op.poll_line(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto asked = std::chrono::steady_clock::now();
  op.stop(300);
  // stop() never waits (the kiosk's frame loop calls it): the kill comes from poll_exit.
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count() < 0.1);
  std::optional<int> code;
  for (int i = 0; i < 200 && !code; ++i) {
    code = op.poll_exit();
    if (!code) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(code);
  CHECK(*code == 128 + 9);  // SIGKILL
}
