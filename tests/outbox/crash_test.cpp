// Kill -9 at random moments: every record the child reported as committed must be there after
// reopening, the chain must verify and PRAGMA integrity_check must say ok. The number of kills
// comes from CIVIC_KILL_ROUNDS (50 by default; the "long" label runs 1,000).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "outbox_test_util.h"

using namespace civic;
using namespace civic::test;

namespace {
int kill_rounds() {
  const char* env = std::getenv("CIVIC_KILL_ROUNDS");
  return env ? std::atoi(env) : 50;
}

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child spawn(const std::filesystem::path& db) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(OUTBOX_CHILD_PATH, OUTBOX_CHILD_PATH, db.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Waits (at most 20 s) until the child has reported its first committed record, so the kill
// lands while it is working however slowly it starts (sanitizer builds start slowly).
std::string wait_for_first_commit(int fd) {
  std::string text;
  char buf[4096];
  for (int waited_ms = 0; text.find('\n') == std::string::npos && waited_ms < 20000; waited_ms += 10) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) > 0) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
  }
  return text;
}

// Reads everything the child wrote until the pipe closes.
std::vector<std::uint64_t> drain(int fd, std::string text) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::vector<std::uint64_t> out;
  std::size_t start = 0;
  for (std::size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    out.push_back(std::stoull(text.substr(start, nl - start)));
    start = nl + 1;
  }
  return out;
}
}  // namespace

TEST_CASE("kill -9 never loses a committed record or breaks the chain", "[outbox][crash]") {
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_us(0, 20000);
  std::set<std::uint64_t> committed;
  const int rounds = kill_rounds();
  int killed_mid_run = 0;
  for (int round = 0; round < rounds; ++round) {
    Child child = spawn(dir.db());
    std::string early = wait_for_first_commit(child.out);
    REQUIRE(early.find('\n') != std::string::npos);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++killed_mid_run;
    auto reported = drain(child.out, std::move(early));
    committed.insert(reported.begin(), reported.end());

    auto ob = Outbox::open(dir.db(), test_kiosk_id());  // runs PRAGMA integrity_check
    REQUIRE(ob.ok());
    REQUIRE((*ob)->verify_integrity().ok());
    auto st = (*ob)->status();
    REQUIRE(st.ok());
    if (!committed.empty()) REQUIRE(st->last_position >= *committed.rbegin());
    // Every reported position above the pruned prefix is stored. Positions below it were pruned,
    // which only happens to acknowledged records; verify_integrity() above proved the chain runs
    // unbroken from the pruned head to the last position, so nothing in between went missing.
    auto records = (*ob)->records();
    REQUIRE(records.ok());
    const std::uint64_t first_stored = records->empty() ? st->last_position + 1 : records->front().position;
    for (auto p : reported) {
      if (p < first_stored) continue;
      bool found = std::any_of(records->begin(), records->end(), [p](const StoredRecord& r) { return r.position == p; });
      REQUIRE(found);
    }
    REQUIRE(st->pending + st->in_batch + st->acknowledged == st->last_position - (first_stored - 1));
  }
  INFO("committed records reported: " << committed.size());
  CHECK(killed_mid_run == rounds);
  CHECK(committed.size() > static_cast<std::size_t>(rounds));  // the child did real work
}
