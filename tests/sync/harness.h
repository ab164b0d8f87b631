// Integration-test harness: real civic-hub and civic-sync processes on 127.0.0.1, a kiosk state
// directory, and a fault proxy between them. Every wait is bounded; everything stops by itself.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sync/protocol/protocol.h"
#include "tests/temp_dir.h"

namespace civic::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Starts a program with stdout and stderr on `out_fd`; the caller waits for it.
pid_t spawn(const std::vector<std::string>& argv, int out_fd);

// Runs a program to completion (at most `timeout_seconds`, then it is killed).
CommandResult run_command(const std::vector<std::string>& argv, int timeout_seconds = 120);

using ScratchDir = test::TempDir;  // tests/temp_dir.h

// A civic-hub server with its own state directory.
class HubProcess {
 public:
  explicit HubProcess(std::filesystem::path state);
  ~HubProcess();
  void init();           // civic-hub init
  // Serves on a free port and waits until it listens; `options` go before 'serve' (--config FILE).
  void start(const std::vector<std::string>& options = {});
  pid_t pid() const { return pid_; }
  void kill_hard();      // SIGKILL
  void stop();           // SIGTERM, then wait
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& state() const { return state_; }
  CommandResult cli(const std::vector<std::string>& args);  // civic-hub --state STATE args...
  std::string enrolment_token();
  SigningKeyPair signing_key() const;
  // The content key `civic-hub init` left beside the submission key, in STATE/offline.
  std::filesystem::path content_key_path() const { return state_ / "offline" / "hub-content.key"; }
  SigningKeyPair content_key() const;
  std::uint64_t record_count();  // from /v1/health

 private:
  std::filesystem::path state_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A kiosk's state directory and configuration, driven through civic-sync.
class Kiosk {
 public:
  Kiosk(std::filesystem::path dir, std::string hub_url, int max_attempts = 1);
  void write_config(const std::string& hub_url, int max_attempts = 1, int batch_max_records = 1000);
  CommandResult sync(const std::vector<std::string>& args);  // civic-sync --config ... args...
  void enroll(HubProcess& hub, const std::string& via_url = "");
  void fill(int records, const std::string& marker = "idea");
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path config() const { return dir_ / "kiosk.toml"; }
  SigningKeyPair key() const;

 private:
  std::filesystem::path dir_;
};

// Minimal HTTP helpers for talking to the hub directly.
struct HttpReply {
  int status = 0;
  std::string body;
};
HttpReply http_post(int port, const std::string& path, const std::string& body,
                    const std::string& content_type = "application/octet-stream",
                    const std::vector<std::pair<std::string, std::string>>& headers = {});
HttpReply http_get(int port, const std::string& path);

// An HTTP proxy of ours between agent and hub, one request per connection. The hook sees each
// exchange and decides what the agent gets.
class FaultProxy {
 public:
  enum class Action { kForward, kDropResponse, kReplaceBody };
  struct Decision {
    Action action = Action::kForward;
    std::string body;  // for kReplaceBody (status 200)
  };
  using Hook = std::function<Decision(const std::string& method, const std::string& path, const std::string& response)>;

  FaultProxy(int upstream_port, Hook hook);
  ~FaultProxy();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int exchanges() const { return exchanges_; }
  // Bytes that crossed between agent and proxy, both ways, headers included.
  std::uint64_t wire_bytes() const { return wire_bytes_; }

 private:
  void serve();
  void handle(int client);
  int upstream_port_;
  Hook hook_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> exchanges_{0};
  std::atomic<std::uint64_t> wire_bytes_{0};
  std::thread thread_;
};

}  // namespace civic::test
