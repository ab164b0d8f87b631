#include "http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace civic {

namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of one query component ('+' is a space); false on a broken escape.
bool percent_decode(const std::string& in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return true;
}

}  // namespace

std::optional<std::map<std::string, std::string>> parse_urlencoded(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto amp = text.find('&', pos);
    if (amp == std::string::npos) amp = text.size();
    const std::string pair = text.substr(pos, amp - pos);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      std::string key, value;
      if (!percent_decode(pair.substr(0, eq), key) ||
          !percent_decode(eq == std::string::npos ? "" : pair.substr(eq + 1), value))
        return std::nullopt;
      out.emplace(std::move(key), std::move(value));  // the first of a repeated name counts
    }
    pos = amp + 1;
  }
  return out;
}

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 303: return "See Other";
    case 401: return "Unauthorized";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

std::string serialize(const HttpResponse& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += "Connection: close\r\n";
  if (r.status == 503 || r.status == 429) out += "Retry-After: 5\r\n";
  for (const auto& [name, value] : r.headers) {
    // A value with a line break would start a header of its own: never sent.
    if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos) continue;
    out += name + ": " + value + "\r\n";
  }
  out += "\r\n";
  out += r.body;
  return out;
}

std::string peer_address(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, text, sizeof text);
  }
  return text;
}

enum class Phase { kHead, kBody, kHandling, kWriting, kDraining };

struct Connection {
  int fd = -1;
  std::uint64_t id = 0;
  std::string peer;
  Phase phase = Phase::kHead;
  Clock::time_point accepted;
  Clock::time_point deadline;
  std::string in;
  std::size_t head_scanned = 0;  // bytes of `in` already searched for the end of the head
  std::size_t head_lines = 0;
  std::size_t body_expected = 0;
  std::size_t body_reserved = 0;  // counted against the shared body budget
  HttpRequest request;
  std::string out;
  std::size_t out_sent = 0;
  bool watched = false;  // registered with epoll (not while a worker has the request)
};

struct Job {
  int fd;
  std::uint64_t id;
  HttpRequest request;
};

struct Done {
  int fd;
  std::uint64_t id;
  std::string bytes;
};

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  const std::string key = lower(name);
  for (const auto& [k, v] : headers)
    if (k == key) return v;
  return "";
}

bool HttpRequest::has_header(const std::string& name) const {
  const std::string key = lower(name);
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == key; });
}

std::string HttpRequest::param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

struct HttpServer::Impl {
  HttpLimits limits;
  std::map<std::pair<std::string, std::string>, HttpHandler> routes;
  std::function<HttpResponse(int, const std::string&)> make_error_response;
  std::function<void(const std::string&, const HttpResponse&, double)> on_answered;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;     // eventfd: a worker finished, or stop() was called
  int reserve_fd = -1;  // kept open to accept-and-close when descriptors run out
  std::atomic<bool> stopping{false};

  std::unordered_map<int, Connection> connections;
  std::unordered_map<std::string, std::size_t> per_address;
  std::size_t buffered_body = 0;
  std::uint64_t next_id = 1;

  std::mutex mutex;  // guards jobs, done, stop_workers
  std::condition_variable jobs_ready;
  std::deque<Job> jobs;
  std::deque<Done> done;
  bool stop_workers = false;
  std::vector<std::thread> workers;

  mutable std::mutex refusals_mutex;
  HttpRefusals refused;
  Clock::time_point last_report = Clock::now();
  HttpRefusals reported;

  // The descriptors stop() uses exist from construction to destruction: stop() may come from
  // another thread at any time in between.
  explicit Impl(HttpLimits l)
      : limits(std::move(l)),
        epoll_fd(::epoll_create1(EPOLL_CLOEXEC)),
        wake_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
        reserve_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}
  ~Impl() {
    for (int fd : {listen_fd, epoll_fd, wake_fd, reserve_fd})
      if (fd >= 0) ::close(fd);
  }

  HttpResponse error_response(int status, const std::string& message) const {
    if (make_error_response) {
      HttpResponse r = make_error_response(status, message);
      r.status = status;
      return r;
    }
    return HttpResponse{status, "text/plain", message + "\n", {}};
  }

  void count(std::uint64_t HttpRefusals::*field) {
    std::lock_guard lock(refusals_mutex);
    ++(refused.*field);
  }

  // One log line every 10 s at most, with what the limits refused since the last one: a flood
  // must not flood the log too.
  void report_refusals() {
    const auto now = Clock::now();
    if (now - last_report < std::chrono::seconds(10)) return;
    HttpRefusals r;
    {
      std::lock_guard lock(refusals_mutex);
      r = refused;
    }
    const auto delta = [](std::uint64_t a, std::uint64_t b) { return static_cast<unsigned long long>(a - b); };
    if (r.per_address != reported.per_address || r.evicted != reported.evicted || r.full != reported.full ||
        r.deadline != reported.deadline || r.too_large != reported.too_large || r.busy != reported.busy) {
      std::fprintf(stderr,
                   "civic-hub: connections refused in the last %llds: %llu over the per-address cap, %llu slow "
                   "heads closed at the total cap, %llu at the total cap, %llu past a deadline, %llu too large, "
                   "%llu while busy\n",
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(now - last_report).count()),
                   delta(r.per_address, reported.per_address), delta(r.evicted, reported.evicted),
                   delta(r.full, reported.full), delta(r.deadline, reported.deadline),
                   delta(r.too_large, reported.too_large), delta(r.busy, reported.busy));
    }
    reported = r;
    last_report = now;
  }

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void watch(int fd, std::uint32_t events, bool add) const {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_fd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
  }

  // What epoll reports for a connection; none while a worker has its request (a reset connection
  // would otherwise be reported again and again).
  void interest(Connection& c, std::uint32_t events) const {
    if (events == 0) {
      if (c.watched) ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
      c.watched = false;
      return;
    }
    watch(c.fd, events, !c.watched);
    c.watched = true;
  }

  void close_connection(int fd) {
    auto it = connections.find(fd);
    if (it == connections.end()) return;
    buffered_body -= it->second.body_reserved;
    auto pa = per_address.find(it->second.peer);
    if (pa != per_address.end() && --pa->second == 0) per_address.erase(pa);
    if (it->second.watched) ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    connections.erase(it);
  }

  std::chrono::seconds transfer_time(std::size_t bytes) const {
    return std::chrono::seconds(limits.transfer_grace_seconds +
                                static_cast<long long>(bytes / std::max<std::size_t>(1, limits.min_bytes_per_second)));
  }

  void start_writing(Connection& c, std::string bytes) {
    c.out = std::move(bytes);
    c.out_sent = 0;
    c.phase = Phase::kWriting;
    c.deadline = Clock::now() + transfer_time(c.out.size());
    interest(c, EPOLLOUT);
    write_some(c);
  }

  // Answers an error found before any handler ran. If the client may still be sending, the rest is
  // read and thrown away for a moment after the answer (a "lingering close"), so the client reads
  // the answer instead of a connection reset.
  void refuse(Connection& c, int status, const std::string& message) {
    buffered_body -= c.body_reserved;
    c.body_reserved = 0;
    c.in.clear();
    c.in.shrink_to_fit();
    start_writing(c, serialize(error_response(status, message)));
  }

  void write_some(Connection& c) {
    while (c.out_sent < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      return close_connection(c.fd);
    }
    // Everything is written: stop sending and wait (briefly) for the client to close, discarding
    // anything it still sends.
    ::shutdown(c.fd, SHUT_WR);
    c.out.clear();
    c.out.shrink_to_fit();
    c.phase = Phase::kDraining;
    c.deadline = Clock::now() + std::chrono::seconds(2);
    interest(c, EPOLLIN | EPOLLRDHUP);
  }

  // Accepts what is waiting, at most 64 at a time: between two rounds the loop reads what the
  // connections already accepted have sent, so a burst of new ones cannot evict a legitimate
  // request before its head is read.
  void accept_some() {
    for (int round = 0; round < 64; ++round) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if ((errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
          // Out of descriptors: free the reserve, accept and close one, keep the reserve again, so
          // the listening socket does not stay readable for ever.
          ::close(reserve_fd);
          const int dropped = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
          if (dropped >= 0) ::close(dropped);
          reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          count(&HttpRefusals::full);
          continue;
        }
        return;  // EAGAIN, or an error the next round may not have
      }
      const std::string peer = peer_address(addr);
      const bool capped = peer != limits.unlimited_address;
      if (capped && per_address[peer] >= limits.max_connections_per_address) {
        count(&HttpRefusals::per_address);
        send_and_close(fd, 429, "too many connections from your address at once; try again in a few seconds");
        continue;
      }
      if (connections.size() >= limits.max_connections && !evict_oldest_head()) {
        count(&HttpRefusals::full);
        send_and_close(fd, 503, "the hub is busy; try again in a few seconds");
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Connection c;
      c.fd = fd;
      c.id = next_id++;
      c.peer = peer;
      c.accepted = Clock::now();
      c.deadline = c.accepted + std::chrono::seconds(limits.head_seconds);
      c.request.peer = peer;
      ++per_address[peer];
      interest(connections.emplace(fd, std::move(c)).first->second, EPOLLIN | EPOLLRDHUP);
    }
  }

  // At the total cap, the connection that has waited longest for its head is the likeliest to be
  // an attacker's: it makes room for the new one.
  bool evict_oldest_head() {
    int oldest = -1;
    Clock::time_point when = Clock::time_point::max();
    for (const auto& [fd, c] : connections) {
      if (c.phase == Phase::kHead && c.accepted < when) {
        when = c.accepted;
        oldest = fd;
      }
    }
    if (oldest < 0) return false;
    count(&HttpRefusals::evicted);
    close_connection(oldest);
    return true;
  }

  void send_and_close(int fd, int status, const std::string& message) const {
    const std::string bytes = serialize(error_response(status, message));
    [[maybe_unused]] auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
  }

  void read_some(Connection& c) {
    char buffer[16 * 1024];
    while (true) {
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) return close_connection(c.fd);  // closed by the client, or reset
      if (c.phase == Phase::kDraining) continue;     // thrown away
      c.in.append(buffer, static_cast<std::size_t>(n));
      if (c.phase == Phase::kHead) {
        if (!scan_head(c)) return;
      } else if (c.phase == Phase::kBody && c.in.size() > c.body_expected) {
        return refuse(c, 400, "the request has more bytes than its Content-Length says");
      }
      if (c.phase == Phase::kBody && c.in.size() == c.body_expected) return dispatch(c);
      if (c.phase != Phase::kHead && c.phase != Phase::kBody) return;
    }
  }

  // Looks for the end of the head in what arrived; false once the connection has been answered.
  bool scan_head(Connection& c) {
    // A request starts with a method in capitals. Anything else (0x16: a TLS handshake sent to this
    // plain-HTTP port) is answered at once, so the client fails now with words, not at a timeout.
    if (c.head_scanned == 0 && !c.in.empty() && (c.in[0] < 'A' || c.in[0] > 'Z')) {
      refuse(c, 400, "this is not an HTTP request (TLS? this port speaks plain HTTP; TLS is nginx's job)");
      return false;
    }
    std::size_t from = c.head_scanned;
    while (true) {
      const auto nl = c.in.find('\n', from);
      if (nl == std::string::npos) break;
      const std::size_t line_length = nl - from;
      const bool blank = line_length == 0 || (line_length == 1 && c.in[from] == '\r');
      from = nl + 1;
      ++c.head_lines;
      if (blank) {
        std::string rest = c.in.substr(from);
        c.in.resize(from);
        return parse_head(c, std::move(rest));
      }
      if (c.head_lines > limits.max_header_lines) {
        count(&HttpRefusals::too_large);
        refuse(c, 431, "the request has more than " + std::to_string(limits.max_header_lines) + " header lines");
        return false;
      }
    }
    c.head_scanned = from;
    if (c.in.size() > limits.max_header_bytes) {
      count(&HttpRefusals::too_large);
      refuse(c, 431, "the request head is larger than " + std::to_string(limits.max_header_bytes) + " bytes");
      return false;
    }
    return true;
  }

  bool parse_head(Connection& c, std::string rest) {
    if (c.in.size() > limits.max_header_bytes) {
      count(&HttpRefusals::too_large);
      refuse(c, 431, "the request head is larger than " + std::to_string(limits.max_header_bytes) + " bytes");
      return false;
    }
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < c.in.size()) {
      auto nl = c.in.find('\n', start);
      std::string line = c.in.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      start = nl + 1;
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    if (lines.empty()) {
      refuse(c, 400, "the request has no request line");
      return false;
    }
    HttpRequest& r = c.request;
    const std::string& request_line = lines[0];
    const auto sp1 = request_line.find(' ');
    const auto sp2 = request_line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1 || request_line.compare(sp2 + 1, 7, "HTTP/1.") != 0 ||
        request_line.size() != sp2 + 9) {
      refuse(c, 400, "the request line is not 'METHOD /path HTTP/1.1'");
      return false;
    }
    r.method = request_line.substr(0, sp1);
    const std::string target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (target.empty() || target[0] != '/') {
      refuse(c, 400, "the request target must start with '/'");
      return false;
    }
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) {
      auto query = parse_urlencoded(target.substr(q + 1));
      if (!query) {
        refuse(c, 400, "the query has a broken %-escape");
        return false;
      }
      r.query = std::move(*query);
    }
    bool have_length = false;
    std::size_t length = 0;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      const std::string& line = lines[i];
      if (line[0] == ' ' || line[0] == '\t') {
        refuse(c, 400, "folded header lines are not accepted");
        return false;
      }
      const auto colon = line.find(':');
      if (colon == std::string::npos || colon == 0) {
        refuse(c, 400, "a header line has no name");
        return false;
      }
      std::string name = lower(line.substr(0, colon));
      if (name.find_first_of(" \t") != std::string::npos) {
        refuse(c, 400, "a header name has a space in it");
        return false;
      }
      std::string value = trim(line.substr(colon + 1));
      if (name == "content-length") {
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
          refuse(c, 400, "Content-Length must be a number");
          return false;
        }
        // Any length of more than 18 digits is over every limit (and would overflow): refused below.
        const std::size_t n = value.size() > 18 ? SIZE_MAX : std::stoull(value);
        if (have_length && n != length) {
          refuse(c, 400, "the request has two different Content-Length headers");
          return false;
        }
        have_length = true;
        length = n;
      } else if (name == "transfer-encoding") {
        refuse(c, 411, "send the body with a Content-Length header; chunked bodies are not accepted");
        return false;
      }
      r.headers.emplace_back(std::move(name), std::move(value));
    }
    if (have_length && length > limits.max_body_bytes) {
      count(&HttpRefusals::too_large);
      refuse(c, 413, "the request body is larger than the " + std::to_string(limits.max_body_bytes) +
                         " bytes this hub accepts");
      return false;
    }
    if (rest.size() > length) {
      refuse(c, 400, "the request has more bytes than its Content-Length says");
      return false;
    }
    if (buffered_body + length > limits.max_buffered_body_bytes) {
      count(&HttpRefusals::busy);
      refuse(c, 503, "the hub is receiving too much at once; try again in a few seconds");
      return false;
    }
    buffered_body += length;
    c.body_reserved = length;
    c.body_expected = length;
    c.in = std::move(rest);
    if (c.in.size() == length) {
      dispatch(c);
      return false;
    }
    if (lower(r.header("expect")) == "100-continue") {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      [[maybe_unused]] auto n = ::send(c.fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL);
    }
    c.in.reserve(length);
    c.phase = Phase::kBody;
    c.deadline = Clock::now() + transfer_time(length);
    return true;
  }

  void dispatch(Connection& c) {
    c.request.body = std::move(c.in);
    c.in = std::string();
    c.phase = Phase::kHandling;
    interest(c, 0);  // nothing more is read
    std::lock_guard lock(mutex);
    if (jobs.size() >= limits.max_waiting_requests) {
      count(&HttpRefusals::busy);
      c.request = HttpRequest{};
      return refuse(c, 503, "the hub is busy; try again in a few seconds");
    }
    jobs.push_back(Job{c.fd, c.id, std::move(c.request)});
    jobs_ready.notify_one();
  }

  void worker() {
    while (true) {
      Job job;
      {
        std::unique_lock lock(mutex);
        jobs_ready.wait(lock, [this] { return stop_workers || !jobs.empty(); });
        if (stop_workers) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      HttpResponse response;
      const auto started = std::chrono::steady_clock::now();
      try {
        response = handle(job.request);
      } catch (...) {
        std::fprintf(stderr, "civic-hub: a request to %s failed inside the hub; nothing was stored\n",
                     job.request.path.c_str());
        response = error_response(500, "the hub could not handle this request; try again later");
      }
      if (on_answered) {
        const bool known = routes.count({job.request.method, job.request.path}) > 0;
        on_answered(known ? job.request.path : "other", response,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      std::string bytes = serialize(response);
      {
        std::lock_guard lock(mutex);
        done.push_back(Done{job.fd, job.id, std::move(bytes)});
      }
      wake();
    }
  }

  HttpResponse handle(const HttpRequest& request) const {
    auto it = routes.find({request.method, request.path});
    if (it != routes.end()) {
      HttpResponse response;
      it->second(request, response);
      return response;
    }
    const bool known_path = std::any_of(routes.begin(), routes.end(),
                                        [&](const auto& r) { return r.first.second == request.path; });
    if (known_path) return error_response(405, request.method + " is not allowed on " + request.path);
    return error_response(404, "no such endpoint; the API lives under /v1");
  }

  void collect_done() {
    std::uint64_t counter = 0;
    [[maybe_unused]] auto n = ::read(wake_fd, &counter, sizeof counter);
    std::deque<Done> finished;
    {
      std::lock_guard lock(mutex);
      finished.swap(done);
    }
    for (auto& d : finished) {
      auto it = connections.find(d.fd);
      if (it == connections.end() || it->second.id != d.id) continue;
      Connection& c = it->second;
      buffered_body -= c.body_reserved;
      c.body_reserved = 0;
      start_writing(c, std::move(d.bytes));
    }
  }

  void enforce_deadlines() {
    const auto now = Clock::now();
    std::vector<int> late;
    for (const auto& [fd, c] : connections)
      if (c.phase != Phase::kHandling && now >= c.deadline) late.push_back(fd);
    for (int fd : late) {
      auto& c = connections.at(fd);
      if (c.phase != Phase::kDraining) count(&HttpRefusals::deadline);
      if (c.phase == Phase::kHead || c.phase == Phase::kBody) {
        // Answered once, best effort, then closed: a slow client gets a reason, not a slot.
        const std::string bytes = serialize(error_response(408, "the request did not arrive in time"));
        [[maybe_unused]] auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      close_connection(fd);
    }
  }

  Status run() {
    if (epoll_fd < 0 || wake_fd < 0) return make_error(ErrorCode::kIo, std::string("cannot start: ") + std::strerror(errno));
    watch(listen_fd, EPOLLIN, true);
    watch(wake_fd, EPOLLIN, true);
    for (int i = 0; i < std::max(1, limits.workers); ++i) workers.emplace_back([this] { worker(); });

    std::vector<epoll_event> events(256);
    auto last_sweep = Clock::now();
    while (!stopping.load()) {
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 250);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < std::max(0, n); ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
        if (fd == listen_fd) {
          accept_some();
        } else if (fd == wake_fd) {
          collect_done();
        } else {
          auto it = connections.find(fd);
          if (it == connections.end()) continue;
          Connection& c = it->second;
          if (c.phase == Phase::kWriting && (what & EPOLLOUT)) {
            write_some(c);
          } else if ((c.phase == Phase::kHead || c.phase == Phase::kBody || c.phase == Phase::kDraining) &&
                     (what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
            read_some(c);
          } else if (what & (EPOLLHUP | EPOLLERR)) {
            close_connection(fd);
          }
        }
      }
      if (Clock::now() - last_sweep >= std::chrono::milliseconds(200)) {
        enforce_deadlines();
        report_refusals();
        last_sweep = Clock::now();
      }
    }
    shutdown_all();
    return {};
  }

  void shutdown_all() {
    {
      std::lock_guard lock(mutex);
      stop_workers = true;
    }
    jobs_ready.notify_all();
    for (auto& t : workers) t.join();
    workers.clear();
    std::vector<int> fds;
    for (const auto& [fd, c] : connections) fds.push_back(fd);
    for (int fd : fds) close_connection(fd);
  }
};

HttpServer::HttpServer(HttpLimits limits) : impl_(std::make_unique<Impl>(std::move(limits))) {}

HttpServer::~HttpServer() = default;

void HttpServer::route(const std::string& method, const std::string& path, HttpHandler handler) {
  impl_->routes[{method, path}] = std::move(handler);
}

HttpResponse HttpServer::respond(const HttpRequest& request) const { return impl_->handle(request); }

void HttpServer::on_answered(std::function<void(const std::string&, const HttpResponse&, double)> observer) {
  impl_->on_answered = std::move(observer);
}

void HttpServer::on_error(std::function<HttpResponse(int, const std::string&)> make_error_response) {
  impl_->make_error_response = std::move(make_error_response);
}

Result<int> HttpServer::bind(const std::string& address, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(address.c_str(), service.c_str(), &hints, &found) != 0 || found == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + address + "' is not an IP address to listen on (use 127.0.0.1, 0.0.0.0 or ::1)");
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool bound = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 1024) == 0;
  ::freeaddrinfo(found);
  if (!bound) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return make_error(ErrorCode::kIo, "cannot listen on " + address + ":" + std::to_string(port) + " (" + why +
                                          "; in use, or not an address of this machine?)");
  }
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  impl_->listen_fd = fd;
  return static_cast<int>(ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                                            : reinterpret_cast<sockaddr_in*>(&local)->sin_port));
}

Status HttpServer::run() {
  if (impl_->listen_fd < 0) return make_error(ErrorCode::kInvalidArgument, "bind() before run()");
  return impl_->run();
}

void HttpServer::stop() {
  impl_->stopping.store(true);
  impl_->wake();
}

HttpRefusals HttpServer::refusals() const {
  std::lock_guard lock(impl_->refusals_mutex);
  return impl_->refused;
}

}  // namespace civic
