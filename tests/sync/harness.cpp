#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sync/keystore/keystore.h"

namespace civic::test {

namespace fs = std::filesystem;

namespace {
[[noreturn]] void die(const std::string& what) { throw std::runtime_error(what); }
}  // namespace

pid_t spawn(const std::vector<std::string>& argv, int out_fd) {
  pid_t pid = ::fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
    ::close(STDIN_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

CommandResult run_command(const std::vector<std::string>& argv, int timeout_seconds) {
  int fds[2];
  if (::pipe(fds) != 0) die("pipe failed");
  pid_t pid = spawn(argv, fds[1]);
  ::close(fds[1]);
  CommandResult r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buf[4096];
  for (;;) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      r.output += "\n[harness: killed after " + std::to_string(timeout_seconds) + " s]";
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    r.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

HubProcess::HubProcess(fs::path state) : state_(std::move(state)) {}
HubProcess::~HubProcess() { stop(); }

CommandResult HubProcess::cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv{CIVIC_HUB_BIN, "--state", state_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

void HubProcess::init() {
  auto r = cli({"init"});
  if (r.exit_code != 0) die("civic-hub init failed: " + r.output);
}

void HubProcess::start(const std::vector<std::string>& options) {
  const fs::path ready = state_ / "port";
  fs::remove(ready);
  int log = ::open((state_ / "hub.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  std::vector<std::string> args{CIVIC_HUB_BIN};
  args.insert(args.end(), options.begin(), options.end());
  for (const std::string& a : {std::string("--state"), state_.string(), std::string("serve"), std::string("--port"),
                               std::string("0"), std::string("--ready-file"), ready.string()})
    args.push_back(a);
  pid_ = spawn(args, log);
  ::close(log);
  for (int i = 0; i < 1000 && !fs::exists(ready); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::ifstream in(ready);
  if (!(in >> port_)) die("civic-hub serve did not start; see " + (state_ / "hub.log").string());
}

void HubProcess::kill_hard() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

void HubProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill_hard();
  }
}

std::string HubProcess::enrolment_token() {
  auto r = run_command({CIVIC_HUB_BIN, "--state", state_.string(), "enroll-token", "--label", "test"});
  if (r.exit_code != 0) die("enroll-token failed: " + r.output);
  // The token is the line of its own on stdout; the note for operators goes to stderr.
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (parse_enrolment_token(line).ok()) return line;
  }
  die("no token in: " + r.output);
}

SigningKeyPair HubProcess::signing_key() const {
  auto k = load_signing_key(state_ / "hub-signing.key", KeyType::kHubSigningSecret);
  if (!k.ok()) die(k.message());
  return *k;
}

SigningKeyPair HubProcess::content_key() const {
  auto k = load_signing_key(content_key_path(), KeyType::kHubContentSecret);
  if (!k.ok()) die(k.message());
  return *k;
}

std::uint64_t HubProcess::record_count() {
  auto r = http_get(port_, "/v1/health");
  auto pos = r.body.find("\"records\":");
  if (r.status != 200 || pos == std::string::npos) die("health check failed: " + r.body);
  return std::stoull(r.body.substr(pos + 10));
}

Kiosk::Kiosk(fs::path dir, std::string hub_url, int max_attempts) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  write_config(hub_url, max_attempts);
}

void Kiosk::write_config(const std::string& hub_url, int max_attempts, int batch_max_records) {
  std::ofstream(config()) << "[kiosk]\nstate_dir = \"" << dir_.string() << "\"\n[sync]\nhub_url = \"" << hub_url
                          << "\"\nmax_attempts = " << max_attempts << "\nbackoff_initial_seconds = 0\n"
                          << "connect_timeout_seconds = 2\ntransfer_timeout_seconds = 20\nbatch_max_records = "
                          << batch_max_records << "\n";
}

CommandResult Kiosk::sync(const std::vector<std::string>& args) {
  std::vector<std::string> argv{CIVIC_SYNC_BIN, "--config", config().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

void Kiosk::enroll(HubProcess& hub, const std::string& via_url) {
  auto r = sync({"enroll", via_url.empty() ? hub.url() : via_url, hub.enrolment_token(), "--name", "test kiosk"});
  if (r.exit_code != 0) die("enroll failed: " + r.output);
}

void Kiosk::fill(int records, const std::string& marker) {
  auto r = run_command({CIVIC_FILL_OUTBOX_BIN, dir_.string(), std::to_string(records), marker});
  if (r.exit_code != 0) die("fill_outbox failed: " + r.output);
}

SigningKeyPair Kiosk::key() const {
  auto k = load_signing_key(dir_ / "kiosk-signing.key", KeyType::kKioskSigningSecret);
  if (!k.ok()) die(k.message());
  return *k;
}

HttpReply http_post(int port, const std::string& path, const std::string& body, const std::string& content_type,
                    const std::vector<std::pair<std::string, std::string>>& headers) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(20, 0);
  httplib::Headers extra;
  for (const auto& [k, v] : headers) extra.emplace(k, v);
  auto res = client.Post(path.c_str(), extra, body, content_type.c_str());
  if (!res) return {0, "no response"};
  return {res->status, res->body};
}

HttpReply http_get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(20, 0);
  auto res = client.Get(path.c_str());
  if (!res) return {0, "no response"};
  return {res->status, res->body};
}

// [SECTION] Fault proxy

FaultProxy::FaultProxy(int upstream_port, Hook hook) : upstream_port_(upstream_port), hook_(std::move(hook)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0) {
    die("proxy cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  thread_.join();
}

void FaultProxy::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    handle(client);
    ::close(client);
  }
}

namespace {
// Reads one HTTP message (head and Content-Length body) with a bounded wait.
bool read_message(int fd, std::string& out) {
  out.clear();
  char buf[65536];
  std::size_t need = std::string::npos;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto head_end = out.find("\r\n\r\n");
    if (head_end != std::string::npos && need == std::string::npos) {
      std::size_t length = 0;
      std::string head = out.substr(0, head_end);
      for (auto& c : head) c = static_cast<char>(std::tolower(c));
      auto cl = head.find("content-length:");
      if (cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
      need = head_end + 4 + length;
    }
    if (need != std::string::npos && out.size() >= need) return true;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return need != std::string::npos && out.size() >= need;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return false;
}

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}
}  // namespace

void FaultProxy::handle(int client) {
  std::string request;
  if (!read_message(client, request)) return;
  const std::string method = request.substr(0, request.find(' '));
  const auto path_start = request.find(' ') + 1;
  const std::string path = request.substr(path_start, request.find(' ', path_start) - path_start);
  // One request per connection keeps the proxy simple.
  auto conn = request.find("\r\n");
  request.insert(conn + 2, "Connection: close\r\n");
  int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
  if (::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(up);
    return;  // the agent sees a dropped connection, as with a dead hub
  }
  write_all(up, request);
  std::string response;
  read_message(up, response);
  ::close(up);
  ++exchanges_;
  wire_bytes_ += request.size() - std::string("Connection: close\r\n").size() + response.size();
  const auto body_at = response.find("\r\n\r\n");
  const std::string body = body_at == std::string::npos ? "" : response.substr(body_at + 4);
  Decision d = hook_(method, path, body);
  switch (d.action) {
    case Action::kForward: write_all(client, response); break;
    case Action::kDropResponse: break;  // the hub did the work; the agent never hears of it
    case Action::kReplaceBody:
      write_all(client, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n"
                        "Content-Length: " + std::to_string(d.body.size()) + "\r\n\r\n" + d.body);
      break;
  }
}

}  // namespace civic::test
