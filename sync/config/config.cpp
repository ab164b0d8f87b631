#include "config.h"

#include <arpa/inet.h>

#include <algorithm>

#include <set>
#include <toml++/toml.h>

namespace civic {

namespace {

// Reads one table strictly: every key must be claimed by a get_* call; finish() reports the rest.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string file, std::string name)
      : table_(table), file_(std::move(file)), name_(std::move(name)) {}

  Status get_string(const char* key, std::string& out) {
    claimed_.insert(key);
    const toml::node* n = node(key);
    if (!n) return {};
    if (auto v = n->value<std::string>()) {
      out = *v;
      return {};
    }
    return wrong(key, n, "text in quotes");
  }

  Status get_path(const char* key, std::filesystem::path& out) {
    std::string s = out.string();
    CIVIC_TRY(get_string(key, s));
    out = s;
    return {};
  }

  // A list of text values (each at most `max_length` bytes, at most `max_items` of them).
  Status get_string_list(const char* key, std::vector<std::string>& out, std::size_t max_items,
                         std::size_t max_length) {
    claimed_.insert(key);
    const toml::node* n = node(key);
    if (!n) return {};
    const toml::array* list = n->as_array();
    if (!list) return wrong(key, n, "a list of texts in quotes, like [\"en\", \"fr\"]");
    if (list->size() > max_items) {
      return make_error(ErrorCode::kInvalidArgument, where(n) + ": '" + key + "' in [" + name_ + "] has " +
                                                         std::to_string(list->size()) + " items; at most " +
                                                         std::to_string(max_items));
    }
    std::vector<std::string> values;
    for (const auto& item : *list) {
      auto v = item.value<std::string>();
      if (!v || v->empty() || v->size() > max_length) return wrong(key, n, "a list of short texts in quotes");
      values.push_back(*v);
    }
    out = std::move(values);
    return {};
  }

  Status get_bool(const char* key, bool& out) {
    claimed_.insert(key);
    const toml::node* n = node(key);
    if (!n) return {};
    if (auto v = n->value<bool>()) {
      out = *v;
      return {};
    }
    return wrong(key, n, "true or false");
  }

  template <class Int>
  Status get_int(const char* key, Int& out, std::int64_t min, std::int64_t max) {
    claimed_.insert(key);
    const toml::node* n = node(key);
    if (!n) return {};
    if (!n->is_integer()) return wrong(key, n, "a whole number");
    const std::int64_t v = *n->value<std::int64_t>();
    if (v < min || v > max) {
      return make_error(ErrorCode::kInvalidArgument, where(n) + ": '" + key + "' in [" + name_ + "] must be between " +
                                                         std::to_string(min) + " and " + std::to_string(max) +
                                                         ", not " + std::to_string(v));
    }
    out = static_cast<Int>(v);
    return {};
  }

  Status finish() const {
    if (!table_) return {};
    for (const auto& [key, value] : *table_) {
      if (!claimed_.count(std::string(key.str()))) {
        return make_error(ErrorCode::kInvalidArgument, where(&value) + ": unknown key '" + std::string(key.str()) +
                                                           "' in [" + name_ + "]; check its spelling against the "
                                                           "example configuration");
      }
    }
    return {};
  }

 private:
  const toml::node* node(const char* key) const { return table_ ? table_->get(key) : nullptr; }
  std::string where(const toml::node* n) const {
    return file_ + ":" + std::to_string(n->source().begin.line);
  }
  Status wrong(const char* key, const toml::node* n, const char* expected) const {
    return make_error(ErrorCode::kInvalidArgument,
                      where(n) + ": '" + key + "' in [" + name_ + "] must be " + expected);
  }

  const toml::table* table_;
  std::string file_;
  std::string name_;
  std::set<std::string> claimed_;
};

Result<toml::table> parse(const std::filesystem::path& file, const std::set<std::string>& sections) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    std::string msg = file.string();
    if (src.begin) msg += ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
    std::string desc(e.description());
    if (desc.find("File could not be opened") != std::string::npos) {
      return make_error(ErrorCode::kNotFound, "cannot read configuration file " + file.string() +
                                                  ": check the path and its permissions");
    }
    return make_error(ErrorCode::kInvalidArgument, msg + ": " + desc);
  }
  for (const auto& [key, value] : root) {
    if (!sections.count(std::string(key.str())) || !value.is_table()) {
      return make_error(ErrorCode::kInvalidArgument,
                        file.string() + ":" + std::to_string(value.source().begin.line) + ": unknown section '" +
                            std::string(key.str()) + "'; check it against the example configuration");
    }
  }
  return root;
}

}  // namespace

Status check_hub_url(const std::string& url, bool allow_plain_http) {
  if (url.rfind("https://", 0) == 0) return {};
  if (url.rfind("http://", 0) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "the hub address '" + url + "' must start with https://");
  }
  std::string host = url.substr(7);
  host = host.substr(0, host.find('/'));
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') == std::string::npos ? std::string::npos : host.find(']') - 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  in_addr v4{};
  const bool loopback = host == "localhost" || host == "::1" ||
                        (::inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127);
  if (loopback || allow_plain_http) return {};
  return make_error(ErrorCode::kInvalidArgument,
                    "the hub address '" + url + "' uses plain http:// to another machine: residents' records and "
                    "the hub's answers would cross the network unencrypted. Use https:// (see installer/README.md), "
                    "or, on a private network you trust, set allow_plain_http = true in [sync]");
}

Result<KioskConfig> load_kiosk_config(const std::filesystem::path& file) {
  CIVIC_ASSIGN(root, parse(file, {"kiosk", "sync", "display", "session", "languages", "speech", "staff"}));
  KioskConfig c;
  const std::string f = file.string();
  TableReader kiosk(root["kiosk"].as_table(), f, "kiosk");
  CIVIC_TRY(kiosk.get_path("state_dir", c.state_dir));
  CIVIC_TRY(kiosk.finish());

  TableReader sync(root["sync"].as_table(), f, "sync");
  CIVIC_TRY(sync.get_string("hub_url", c.hub_url));
  CIVIC_TRY(sync.get_bool("allow_plain_http", c.allow_plain_http));
  CIVIC_TRY(sync.get_path("ca_file", c.ca_file));
  CIVIC_TRY(sync.get_string("pinned_public_key", c.pinned_public_key));
  CIVIC_TRY(sync.get_int("connect_timeout_seconds", c.connect_timeout_seconds, 1, 600));
  CIVIC_TRY(sync.get_int("transfer_timeout_seconds", c.transfer_timeout_seconds, 1, 86400));
  CIVIC_TRY(sync.get_int("max_attempts", c.max_attempts, 1, 100));
  CIVIC_TRY(sync.get_int("backoff_initial_seconds", c.backoff_initial_seconds, 0, 3600));
  CIVIC_TRY(sync.get_int("backoff_max_seconds", c.backoff_max_seconds, 0, 86400));
  CIVIC_TRY(sync.get_int("batch_max_records", c.batch_max_records, 1, 10000));
  CIVIC_TRY(sync.get_int("batch_max_bytes", c.batch_max_bytes, 65536, 16 * 1024 * 1024));
  CIVIC_TRY(sync.get_int("retention_days", c.retention_days, 0, 3650));
  CIVIC_TRY(sync.finish());
  if (!c.hub_url.empty()) {
    if (auto s = check_hub_url(c.hub_url, c.allow_plain_http); !s.ok())
      return make_error(s.code(), f + ": hub_url in [sync]: " + s.message());
  }

  TableReader display(root["display"].as_table(), f, "display");
  CIVIC_TRY(display.get_int("width", c.width, 640, 7680));
  CIVIC_TRY(display.get_int("height", c.height, 480, 4320));
  CIVIC_TRY(display.get_int("index", c.display_index, 0, 16));
  CIVIC_TRY(display.get_bool("fullscreen", c.fullscreen));
  CIVIC_TRY(display.finish());

  TableReader session(root["session"].as_table(), f, "session");
  CIVIC_TRY(session.get_int("idle_timeout_seconds", c.idle_timeout_seconds, 30, 3600));
  CIVIC_TRY(session.get_int("idle_warning_seconds", c.idle_warning_seconds, 20, 600));
  CIVIC_TRY(session.get_int("speech_idle_timeout_seconds", c.speech_idle_timeout_seconds, 30, 3600));
  CIVIC_TRY(session.get_string("default_language", c.default_language));
  CIVIC_TRY(session.finish());
  if (c.idle_warning_seconds >= c.idle_timeout_seconds) {
    return make_error(ErrorCode::kInvalidArgument, f + ": idle_warning_seconds must be shorter than "
                                                       "idle_timeout_seconds in [session]");
  }
  if (c.idle_warning_seconds >= c.speech_idle_timeout_seconds) {
    return make_error(ErrorCode::kInvalidArgument, f + ": idle_warning_seconds must be shorter than "
                                                       "speech_idle_timeout_seconds in [session]");
  }

  TableReader languages(root["languages"].as_table(), f, "languages");
  CIVIC_TRY(languages.get_string_list("offered", c.languages, 16, 35));
  CIVIC_TRY(languages.finish());
  if (!c.languages.empty() && !c.default_language.empty() &&
      std::find(c.languages.begin(), c.languages.end(), c.default_language) == c.languages.end()) {
    return make_error(ErrorCode::kInvalidArgument, f + ": default_language \"" + c.default_language +
                                                       "\" in [session] is not one of offered in [languages]");
  }

  TableReader speech(root["speech"].as_table(), f, "speech");
  CIVIC_TRY(speech.get_bool("enabled", c.speech_enabled));
  CIVIC_TRY(speech.get_string_list("headphones", c.headphone_names, 32, 100));
  CIVIC_TRY(speech.finish());

  TableReader staff(root["staff"].as_table(), f, "staff");
  CIVIC_TRY(staff.get_int("inactivity_seconds", c.staff_inactivity_seconds, 30, 3600));
  CIVIC_TRY(staff.get_int("operation_timeout_seconds", c.staff_operation_timeout_seconds, 10, 86400));
  CIVIC_TRY(staff.get_string("corner", c.staff_corner));
  std::string usb_root = c.usb_root.string();
  CIVIC_TRY(staff.get_string("usb_root", usb_root));
  c.usb_root = usb_root;
  CIVIC_TRY(staff.get_bool("usb_mounts_only", c.usb_mounts_only));
  CIVIC_TRY(staff.finish());
  if (c.staff_corner != "top-left" && c.staff_corner != "top-right" && c.staff_corner != "bottom-left" &&
      c.staff_corner != "bottom-right") {
    return make_error(ErrorCode::kInvalidArgument, f + ": corner in [staff] must be top-left, top-right, bottom-left "
                                                       "or bottom-right");
  }
  return c;
}

Result<HubConfig> load_hub_config(const std::filesystem::path& file) {
  CIVIC_ASSIGN(root, parse(file, {"server", "storage", "store", "enrolment", "content", "console", "metrics"}));
  HubConfig c;
  const std::string f = file.string();
  TableReader server(root["server"].as_table(), f, "server");
  CIVIC_TRY(server.get_string("listen", c.listen));
  CIVIC_TRY(server.get_int("port", c.port, 1, 65535));
  CIVIC_TRY(server.get_int("max_body_bytes", c.max_body_bytes, 65536, 64 * 1024 * 1024));
  CIVIC_TRY(server.get_int("threads", c.threads, 1, 256));
  CIVIC_TRY(server.get_int("max_connections", c.max_connections, 16, 60000));
  CIVIC_TRY(server.get_int("max_connections_per_address", c.max_connections_per_address, 1, 60000));
  CIVIC_TRY(server.get_int("request_head_seconds", c.request_head_seconds, 1, 300));
  CIVIC_TRY(server.get_string("public_url", c.public_url));
  CIVIC_TRY(server.finish());
  TableReader storage(root["storage"].as_table(), f, "storage");
  CIVIC_TRY(storage.get_path("state_dir", c.state_dir));
  CIVIC_TRY(storage.finish());
  TableReader store(root["store"].as_table(), f, "store");
  CIVIC_TRY(store.get_string("url", c.store_url));
  CIVIC_TRY(store.finish());
  if (!c.store_url.empty() && !is_postgres_url(c.store_url)) {
    return make_error(ErrorCode::kInvalidArgument, f + ": url in [store] must be a PostgreSQL connection URL "
                                                       "(postgresql://USER@HOST/DATABASE); leave it out for the SQLite "
                                                       "database in the state directory");
  }
  TableReader enrolment(root["enrolment"].as_table(), f, "enrolment");
  CIVIC_TRY(enrolment.get_int("token_lifetime_hours", c.token_lifetime_hours, 1, 24 * 90));
  CIVIC_TRY(enrolment.get_int("failed_attempts_per_minute", c.failed_enrolments_per_minute, 1, 10000));
  CIVIC_TRY(enrolment.get_string("trusted_proxy", c.trusted_proxy));
  CIVIC_TRY(enrolment.finish());
  TableReader content(root["content"].as_table(), f, "content");
  CIVIC_TRY(content.get_int("lifetime_days", c.content_lifetime_days, 1, 3650));
  CIVIC_TRY(content.finish());
  TableReader console(root["console"].as_table(), f, "console");
  CIVIC_TRY(console.get_bool("enabled", c.console_enabled));
  CIVIC_TRY(console.get_bool("secure_cookies", c.secure_cookies));
  CIVIC_TRY(console.get_int("session_hours", c.session_hours, 1, 24 * 7));
  CIVIC_TRY(console.get_int("silent_after_nights", c.silent_after_nights, 1, 365));
  CIVIC_TRY(console.get_int("disk_low_percent", c.disk_low_percent, 1, 99));
  CIVIC_TRY(console.finish());
  TableReader metrics(root["metrics"].as_table(), f, "metrics");
  CIVIC_TRY(metrics.get_path("token_file", c.metrics_token_file));
  CIVIC_TRY(metrics.finish());
  return c;
}

Result<PopulationMargins> load_population_margins(const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::string desc(e.description());
    if (desc.find("File could not be opened") != std::string::npos) {
      return make_error(ErrorCode::kNotFound, "cannot read population margins " + file.string() +
                                                  ": check the path and its permissions");
    }
    return make_error(ErrorCode::kInvalidArgument, file.string() + ":" + std::to_string(e.source().begin.line) +
                                                       ": " + desc);
  }
  PopulationMargins m;
  for (const auto& [question, value] : root) {
    const std::string q(question.str());
    const auto* table = value.as_table();
    if (!table || table->empty()) {
      return make_error(ErrorCode::kInvalidArgument, file.string() + ": '" + q +
                                                         "' must be a table of answer = share, e.g. [" + q + "]");
    }
    double sum = 0;
    for (const auto& [answer, share] : *table) {
      auto v = share.value<double>();
      if (!v || *v < 0 || *v > 1) {
        return make_error(ErrorCode::kInvalidArgument,
                          file.string() + ":" + std::to_string(share.source().begin.line) + ": the share of " + q +
                              " = " + std::string(answer.str()) + " must be a number from 0 to 1");
      }
      m.shares[q][std::string(answer.str())] = *v;
      sum += *v;
    }
    if (sum < 0.99 || sum > 1.01) {
      return make_error(ErrorCode::kInvalidArgument, file.string() + ": the shares of [" + q + "] add up to " +
                                                         std::to_string(sum) + ", not 1");
    }
  }
  return m;
}

}  // namespace civic
