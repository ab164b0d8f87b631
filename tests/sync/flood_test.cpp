// The hub under the floods of the security review (issue 14): slow heads, huge declared bodies,
// idle connections, thousands of connections and endless headers, each against the real civic-hub
// while a legitimate client asks for /v1/health. Prints the legitimate answer times.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

using namespace civic::test;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// A TCP connection to the hub from a chosen loopback address (all of 127/8 is this machine), so
// the attacker and the legitimate client are different clients, as they are in life.
int connect_from(const std::string& source, int port, bool wait = true) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (wait ? 0 : SOCK_NONBLOCK), 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

// What the hub answered on `fd` within `seconds` (until it closed the connection).
std::string read_answer(int fd, int seconds) {
  std::string out;
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  char buffer[4096];
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

struct Timings {
  int answered = 0, failed = 0;
  double max_ms = 0;
  std::vector<double> all;
  double median() {
    if (all.empty()) return 0;
    std::sort(all.begin(), all.end());
    return all[all.size() / 2];
  }
};

// Legitimate requests, one every 100 ms, while `attack` runs; `attack` returns when it is done.
template <typename Attack>
Timings legitimate_requests_during(int port, Attack attack, const char* what) {
  std::atomic<bool> attacking{true};
  Timings t;
  std::thread legitimate([&] {
    while (attacking.load()) {
      const auto start = Clock::now();
      auto r = http_get(port, "/v1/health");
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (r.status == 200) {
        ++t.answered;
        t.all.push_back(ms);
        t.max_ms = std::max(t.max_ms, ms);
      } else {
        ++t.failed;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  attack();
  attacking.store(false);
  legitimate.join();
  std::printf("flood: %-46s legitimate /v1/health answered %d, failed %d; median %.1f ms, max %.1f ms\n", what,
              t.answered, t.failed, t.median(), t.max_ms);
  return t;
}

void check_served(Timings& t) {
  CHECK(t.answered >= 5);
  CHECK(t.failed == 0);
  CHECK(t.max_ms < 3000);
}

std::size_t hub_peak_memory_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

struct FloodHub {
  ScratchDir scratch;
  HubProcess hub{scratch.path / "hub"};
  explicit FloodHub(const std::string& server_settings = "") {
    hub.init();
    const fs::path config = scratch.path / "hub.toml";
    std::ofstream(config) << "[server]\n" << server_settings;
    hub.start({"--config", config.string()});
  }
};

}  // namespace

TEST_CASE("slow request heads (slowloris) neither stop the hub nor hold a connection past the deadline",
          "[integration][hostile]") {
  FloodHub f("request_head_seconds = 2\n");
  std::vector<int> slow;
  auto t = legitimate_requests_during(
      f.hub.port(),
      [&] {
        for (int i = 0; i < 8; ++i) {
          slow.push_back(connect_from("127.0.0.2", f.hub.port()));
          send_all(slow.back(), "GET /v1/health HTTP/1.1\r\nHost: hub\r\n");
        }
        for (int second = 0; second < 3; ++second) {  // one header byte at a time, never the end
          for (int fd : slow) send_all(fd, "X");
          std::this_thread::sleep_for(std::chrono::seconds(1));
        }
      },
      "8 slow heads");
  check_served(t);
  // Past the deadline the hub answered 408 and closed each one.
  for (int fd : slow) {
    CHECK_THAT(read_answer(fd, 3), Catch::Contains("408"));
    ::close(fd);
  }
}

TEST_CASE("declared bodies of 2^64-1 bytes are refused at once, slow bodies do not stop the hub",
          "[integration][hostile]") {
  FloodHub f;
  std::vector<int> fds;
  auto t = legitimate_requests_during(
      f.hub.port(),
      [&] {
        for (int i = 0; i < 8; ++i) {
          const int fd = connect_from("127.0.0.2", f.hub.port());
          send_all(fd, "POST /v1/batches HTTP/1.1\r\nHost: hub\r\nContent-Length: 18446744073709551615\r\n\r\nxx");
          CHECK_THAT(read_answer(fd, 3), Catch::Contains("413") && Catch::Contains("bytes this hub accepts"));
          ::close(fd);
        }
        for (int i = 0; i < 8; ++i) {  // within the limit, but sent a byte a second
          fds.push_back(connect_from("127.0.0.3", f.hub.port()));
          send_all(fds.back(), "POST /v1/batches HTTP/1.1\r\nHost: hub\r\nContent-Length: 16000000\r\n\r\n");
        }
        for (int second = 0; second < 3; ++second) {
          for (int fd : fds) send_all(fd, "x");
          std::this_thread::sleep_for(std::chrono::seconds(1));
        }
      },
      "8 huge and 8 slow bodies");
  check_served(t);
  for (int fd : fds) ::close(fd);
}

TEST_CASE("idle connections and thousands of connections do not starve a legitimate request",
          "[integration][hostile]") {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  FloodHub f;
  std::vector<int> fds;
  SECTION("100 idle connections from 100 addresses") {
    auto t = legitimate_requests_during(
        f.hub.port(),
        [&] {
          for (int i = 0; i < 100; ++i) fds.push_back(connect_from("127.0.1." + std::to_string(i + 1), f.hub.port()));
          std::this_thread::sleep_for(std::chrono::seconds(2));
        },
        "100 idle connections");
    check_served(t);
  }
  SECTION("the same address is capped: its 17th connection is refused with a reason") {
    for (int i = 0; i < 16; ++i) fds.push_back(connect_from("127.0.0.2", f.hub.port()));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const int one_more = connect_from("127.0.0.2", f.hub.port());
    CHECK_THAT(read_answer(one_more, 3), Catch::Contains("429") && Catch::Contains("too many connections"));
    ::close(one_more);
    CHECK(http_get(f.hub.port(), "/v1/health").status == 200);  // from another address: served
  }
  SECTION("connections from many addresses, past the total cap") {
    const std::size_t wanted = std::min<std::size_t>(10000, files.rlim_cur > 200 ? files.rlim_cur - 200 : 0);
    auto t = legitimate_requests_during(
        f.hub.port(),
        [&] {
          for (std::size_t i = 0; i < wanted; ++i) {
            const int fd = connect_from("127.0.2." + std::to_string(i % 250 + 1), f.hub.port(), false);
            if (fd >= 0) fds.push_back(fd);
          }
          std::this_thread::sleep_for(std::chrono::seconds(2));
        },
        "10,000 connections, 250 addresses");
    INFO(fds.size() << " connections opened");
    CHECK(fds.size() >= 1000);
    check_served(t);
  }
  for (int fd : fds) ::close(fd);
}

TEST_CASE("endless header lines are refused early and do not grow the hub's memory", "[integration][hostile]") {
  FloodHub f;
  const std::size_t before = hub_peak_memory_kib(f.hub.pid());
  std::string lines;
  for (int i = 0; i < 20000; ++i) lines += "X-Filler-" + std::to_string(i) + ": yes\r\n";
  auto t = legitimate_requests_during(
      f.hub.port(),
      [&] {
        const auto until = Clock::now() + std::chrono::seconds(2);
        while (Clock::now() < until) {  // again and again, 4 at a time
          std::vector<std::thread> attackers;
          std::vector<std::string> answers(4);  // checked here: Catch assertions are not thread-safe
          for (std::size_t i = 0; i < answers.size(); ++i) {
            attackers.emplace_back([&, i] {
              const int fd = connect_from("127.0.0.2", f.hub.port());
              send_all(fd, "GET /v1/health HTTP/1.1\r\nHost: hub\r\n" + lines);
              answers[i] = read_answer(fd, 3);
              ::close(fd);
            });
          }
          for (auto& a : attackers) a.join();
          for (const auto& answer : answers) CHECK_THAT(answer, Catch::Contains("431"));
        }
      },
      "4 x 20,000 header lines");
  check_served(t);
  const std::size_t after = hub_peak_memory_kib(f.hub.pid());
  std::printf("flood: hub peak memory %zu KiB before, %zu KiB after the header flood\n", before, after);
  CHECK(after < before + 32 * 1024);
}

TEST_CASE("a request is answered whatever its framing: Expect 100-continue, query escapes, chunked refused",
          "[integration][hostile]") {
  FloodHub f;
  SECTION("a broken %-escape in the receipt") {
    auto r = http_get(f.hub.port(), "/v1/log/proof?receipt=%G1");
    CHECK(r.status == 400);
    CHECK_THAT(r.body, Catch::Contains("%-escape"));
  }
  SECTION("a chunked body") {
    const int fd = connect_from("127.0.0.2", f.hub.port());
    send_all(fd, "POST /v1/batches HTTP/1.1\r\nHost: hub\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    const std::string answer = read_answer(fd, 3);
    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 411") && Catch::Contains("Content-Length"));
    ::close(fd);
  }
  SECTION("a body announced with Expect: 100-continue") {
    const int fd = connect_from("127.0.0.2", f.hub.port());
    send_all(fd, "POST /v1/enroll HTTP/1.1\r\nHost: hub\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    send_all(fd, "{}");
    const std::string answer = read_answer(fd, 3);
    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 100 Continue") && Catch::Contains("HTTP/1.1 400") &&
                           Catch::Contains("needs 'token'"));
    ::close(fd);
  }
  SECTION("an unknown method on a known path") {
    const int fd = connect_from("127.0.0.2", f.hub.port());
    send_all(fd, "DELETE /v1/content HTTP/1.1\r\nHost: hub\r\n\r\n");
    CHECK_THAT(read_answer(fd, 3), Catch::StartsWith("HTTP/1.1 405"));
    ::close(fd);
  }
}
