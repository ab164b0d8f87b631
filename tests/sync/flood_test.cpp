// The hub under the floods of the security review: slow heads, huge declared bodies,
// idle connections, thousands of connections and endless headers, each against the real civic-hub
// while a legitimate client asks for /v1/health. Prints the legitimate answer times.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "sync/hub/store.h"

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
  explicit FloodHub(const std::string& server_settings = "", const std::string& more = "") {
    hub.init();
    const fs::path config = scratch.path / "hub.toml";
    std::ofstream(config) << "[server]\n" << server_settings << more;
    hub.start({"--config", config.string()});
  }
};

// The floods of the security review. Each lasts a few seconds and returns what the target
// answered the attacker (one string per attacking connection).

std::vector<std::string> slow_heads(int port, int connections, int seconds) {
  std::vector<int> slow;
  for (int i = 0; i < connections; ++i) {
    slow.push_back(connect_from("127.0.0.2", port));
    send_all(slow.back(), "GET /v1/health HTTP/1.1\r\nHost: hub\r\n");
  }
  for (int second = 0; second < seconds; ++second) {  // one header byte at a time, never the end
    for (int fd : slow) send_all(fd, "X");
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::vector<std::string> answers;
  for (int fd : slow) {
    answers.push_back(read_answer(fd, 3));
    ::close(fd);
  }
  return answers;
}

// 8 requests declaring 2^64-1 bytes (answered), then 8 declaring 16 MB and sending a byte a second.
std::vector<std::string> huge_and_slow_bodies(int port, int seconds) {
  std::vector<std::string> answers;
  for (int i = 0; i < 8; ++i) {
    const int fd = connect_from("127.0.0.2", port);
    send_all(fd, "POST /v1/batches HTTP/1.1\r\nHost: hub\r\nContent-Length: 18446744073709551615\r\n\r\nxx");
    answers.push_back(read_answer(fd, 3));
    ::close(fd);
  }
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) {
    fds.push_back(connect_from("127.0.0.3", port));
    send_all(fds.back(), "POST /v1/batches HTTP/1.1\r\nHost: hub\r\nContent-Length: 16000000\r\n\r\n");
  }
  for (int second = 0; second < seconds; ++second) {
    for (int fd : fds) send_all(fd, "x");
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  for (int fd : fds) ::close(fd);
  return answers;
}

// `count` connections that never send a byte, spread over `addresses` (at most 250) loopback addresses.
std::size_t idle_connections(int port, std::size_t count, int addresses, int seconds) {
  std::vector<int> fds;
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = connect_from("127.0.1." + std::to_string(i % static_cast<std::size_t>(addresses) + 1), port, false);
    if (fd >= 0) fds.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  for (int fd : fds) ::close(fd);
  return fds.size();
}

// Requests of 20,000 header lines, 4 at a time, again and again.
std::vector<std::string> header_floods(int port, int seconds) {
  std::string lines;
  for (int i = 0; i < 20000; ++i) lines += "X-Filler-" + std::to_string(i) + ": yes\r\n";
  std::vector<std::string> all;
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < until) {
    std::vector<std::thread> attackers;
    std::vector<std::string> answers(4);  // checked by the caller: Catch assertions are not thread-safe
    for (std::size_t i = 0; i < answers.size(); ++i) {
      attackers.emplace_back([&, i] {
        const int fd = connect_from("127.0.0.2", port);
        send_all(fd, "GET /v1/health HTTP/1.1\r\nHost: hub\r\n" + lines);
        answers[i] = read_answer(fd, 3);
        ::close(fd);
      });
    }
    for (auto& a : attackers) a.join();
    all.insert(all.end(), answers.begin(), answers.end());
  }
  return all;
}

void raise_descriptor_limit() {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
}

std::size_t connections_we_can_open(std::size_t wanted) {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  return std::min<std::size_t>(wanted, files.rlim_cur > 200 ? files.rlim_cur - 200 : 0);
}

}  // namespace

TEST_CASE("slow request heads (slowloris) neither stop the hub nor hold a connection past the deadline",
          "[integration][hostile]") {
  FloodHub f("request_head_seconds = 2\n");
  std::vector<std::string> answers;
  auto t = legitimate_requests_during(f.hub.port(), [&] { answers = slow_heads(f.hub.port(), 8, 3); }, "8 slow heads");
  check_served(t);
  // Past the deadline the hub answered 408 and closed each one.
  for (const auto& answer : answers) CHECK_THAT(answer, Catch::Contains("408"));
}

TEST_CASE("declared bodies of 2^64-1 bytes are refused at once, slow bodies do not stop the hub",
          "[integration][hostile]") {
  FloodHub f;
  std::vector<std::string> answers;
  auto t = legitimate_requests_during(f.hub.port(), [&] { answers = huge_and_slow_bodies(f.hub.port(), 3); },
                                      "8 huge and 8 slow bodies");
  check_served(t);
  REQUIRE(answers.size() == 8);
  for (const auto& answer : answers) CHECK_THAT(answer, Catch::Contains("413") && Catch::Contains("bytes this hub accepts"));
}

TEST_CASE("idle connections and thousands of connections do not starve a legitimate request",
          "[integration][hostile]") {
  raise_descriptor_limit();
  FloodHub f;
  SECTION("100 idle connections from 100 addresses") {
    auto t = legitimate_requests_during(f.hub.port(), [&] { idle_connections(f.hub.port(), 100, 100, 2); },
                                        "100 idle connections");
    check_served(t);
  }
  SECTION("the same address is capped: its 17th connection is refused with a reason") {
    std::vector<int> fds;
    for (int i = 0; i < 16; ++i) fds.push_back(connect_from("127.0.0.2", f.hub.port()));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const int one_more = connect_from("127.0.0.2", f.hub.port());
    CHECK_THAT(read_answer(one_more, 3), Catch::Contains("429") && Catch::Contains("too many connections"));
    ::close(one_more);
    CHECK(http_get(f.hub.port(), "/v1/health").status == 200);  // from another address: served
    for (int fd : fds) ::close(fd);
  }
  SECTION("connections from many addresses, past the total cap") {
    std::size_t opened = 0;
    auto t = legitimate_requests_during(
        f.hub.port(), [&] { opened = idle_connections(f.hub.port(), connections_we_can_open(10000), 250, 2); },
        "10,000 connections, 250 addresses");
    INFO(opened << " connections opened");
    CHECK(opened >= 1000);
    check_served(t);
  }
}

TEST_CASE("endless header lines are refused early and do not grow the hub's memory", "[integration][hostile]") {
  FloodHub f;
  const std::size_t before = hub_peak_memory_kib(f.hub.pid());
  std::vector<std::string> answers;
  auto t = legitimate_requests_during(f.hub.port(), [&] { answers = header_floods(f.hub.port(), 2); },
                                      "4 x 20,000 header lines");
  check_served(t);
  CHECK(!answers.empty());
  for (const auto& answer : answers) CHECK_THAT(answer, Catch::Contains("431"));
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

namespace {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// The ```nginx blocks of installer/README.md, in order.
std::vector<std::string> readme_nginx_blocks() {
  std::ifstream in(std::string(CIVIC_SOURCE_DIR) + "/installer/README.md");
  std::vector<std::string> blocks;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```nginx") {
      inside = true;
      blocks.emplace_back();
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside) {
      blocks.back() += line + "\n";
    }
  }
  return blocks;
}

// Debian's nginx, run with the two blocks of installer/README.md: the site's TLS lines become a
// plain listen on a test port (TLS is not what is under test; the limits and the proxying are).
class NginxFront {
 public:
  NginxFront(const fs::path& dir, int hub_port) : port_(free_port()) {
    const auto blocks = readme_nginx_blocks();
    REQUIRE(blocks.size() == 2);
    std::istringstream site(blocks[1]);
    std::string server, line;
    while (std::getline(site, line)) {
      if (line.find("ssl_") != std::string::npos) continue;
      if (line.find("listen 443") != std::string::npos) line = "    listen 127.0.0.1:" + std::to_string(port_) + ";";
      const auto hub = line.find("127.0.0.1:8470");
      if (hub != std::string::npos) line.replace(hub, 14, "127.0.0.1:" + std::to_string(hub_port));
      server += line + "\n";
    }
    REQUIRE(server.find("8470") == std::string::npos);
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::all);  // nginx's workers run as another user when started as root
    const std::string d = dir.string();
    std::ofstream(dir / "nginx.conf") << "daemon off;\npid " << d << "/nginx.pid;\nerror_log " << d
                                      << "/error.log warn;\nworker_processes 2;\n"
                                      << (::geteuid() == 0 ? "user root;\n" : "") << "events {}\nhttp {\n"
                                      << "access_log off;\nclient_body_temp_path " << d << "/body;\nproxy_temp_path "
                                      << d << "/proxy;\nfastcgi_temp_path " << d << "/fastcgi;\nuwsgi_temp_path " << d
                                      << "/uwsgi;\nscgi_temp_path " << d << "/scgi;\n"
                                      << blocks[0] << server << "}\n";
    const int log = ::open((dir / "nginx.out").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_ = spawn({"/usr/sbin/nginx", "-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"}, log);
    ::close(log);
    for (int i = 0; i < 100; ++i) {
      const int fd = connect_from("127.0.0.1", port_);
      if (fd >= 0) {
        ::close(fd);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::ifstream err(dir / "error.log");
    std::stringstream text;
    text << err.rdbuf();
    FAIL("nginx did not start (is Debian's nginx installed? installer/install-deps.sh installs it): " << text.str());
  }
  ~NginxFront() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("the nginx front of installer/README.md holds under the same floods, and kiosks still upload through it",
          "[integration][hostile]") {
  raise_descriptor_limit();
  FloodHub f("", "[enrolment]\ntrusted_proxy = \"127.0.0.1\"\n");
  NginxFront nginx(f.scratch.path / "nginx", f.hub.port());
  Kiosk kiosk(f.scratch.path / "kiosk", nginx.url());
  kiosk.enroll(f.hub, nginx.url());
  std::uint64_t expected = 0;
  const auto upload = [&](const std::string& what) {
    kiosk.fill(5, "idea");
    expected += 5;
    const auto start = Clock::now();
    auto r = kiosk.sync({"run", "--once"});
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("flood through nginx: %-28s a kiosk's upload of 5 records acknowledged in %.2f s\n", what.c_str(),
                seconds);
    INFO(what << ": " << r.output);
    CHECK(r.exit_code == 0);
    CHECK(seconds < 10);
    CHECK(f.hub.record_count() == expected);
  };
  upload("no flood");
  const std::vector<std::pair<std::string, std::function<void()>>> floods = {
      {"8 slow heads", [&] { slow_heads(nginx.port(), 8, 4); }},
      {"8 huge and 8 slow bodies", [&] { huge_and_slow_bodies(nginx.port(), 4); }},
      {"100 idle connections", [&] { idle_connections(nginx.port(), 100, 100, 4); }},
      {"10,000 connections", [&] { idle_connections(nginx.port(), connections_we_can_open(10000), 250, 4); }},
      {"4 x 20,000 header lines", [&] { header_floods(nginx.port(), 4); }},
  };
  for (const auto& [what, flood] : floods) {
    std::thread attacker(flood);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    upload(what);
    attacker.join();
  }
}

TEST_CASE("receipt proofs asked as fast as four clients can do not slow the hub's other answers",
          "[integration][hostile]") {
  FloodHub f;
  Kiosk kiosk(f.scratch.path / "kiosk", f.hub.url());
  kiosk.enroll(f.hub);
  kiosk.fill(200);
  REQUIRE(kiosk.sync({"run", "--once"}).exit_code == 0);
  auto store = civic::open_sqlite_hub_store(f.hub.state() / "hub.db");
  REQUIRE(store.ok());
  auto records = (*store)->records(0, 1);
  REQUIRE(records.ok());
  REQUIRE(!records->empty());
  const std::string receipt = records->front().receipt;
  std::atomic<int> proofs{0}, failed{0};
  auto t = legitimate_requests_during(
      f.hub.port(),
      [&] {
        std::vector<std::thread> askers;
        const auto until = Clock::now() + std::chrono::seconds(2);
        for (int i = 0; i < 4; ++i) {
          askers.emplace_back([&] {
            while (Clock::now() < until) {
              if (http_get(f.hub.port(), "/v1/log/proof?receipt=" + receipt).status == 200) {
                ++proofs;
              } else {
                ++failed;
              }
            }
          });
        }
        for (auto& a : askers) a.join();
      },
      "4 clients asking for proofs");
  std::printf("flood: %d proofs answered in 2 s (%d failed)\n", proofs.load(), failed.load());
  check_served(t);
  CHECK(failed == 0);
  CHECK(proofs > 0);
}
