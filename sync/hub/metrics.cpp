#include "metrics.h"

#include <cstdio>
#include <filesystem>

#include "fleet.h"

namespace civic {

namespace {
// A label value as the text format wants it: backslash, quote and newline escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v, const char* format = "%.17g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}
}  // namespace

void HubMetrics::request(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  Histogram& h = durations_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
  ++requests_[{route, status}];
}

void HubMetrics::batch_accepted(std::uint64_t new_records, bool repeat) {
  std::lock_guard lock(mutex_);
  ++batches_;
  if (repeat) ++repeated_batches_;
  records_ += new_records;
}

void HubMetrics::rejected(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++rejections_[reason];
}

void HubMetrics::health_report() {
  std::lock_guard lock(mutex_);
  ++health_reports_;
}

std::string HubMetrics::render(const Gauges& g) const {
  std::lock_guard lock(mutex_);
  std::string out;
  header(out, "civic_hub_batches_received_total", "counter", "Batches accepted over HTTP since the hub started (repeats included).");
  out += "civic_hub_batches_received_total " + std::to_string(batches_) + "\n";
  header(out, "civic_hub_batches_repeated_total", "counter", "Accepted batches that had been accepted before (the same ack again).");
  out += "civic_hub_batches_repeated_total " + std::to_string(repeated_batches_) + "\n";
  header(out, "civic_hub_records_received_total", "counter", "New records stored from batches over HTTP since the hub started.");
  out += "civic_hub_records_received_total " + std::to_string(records_) + "\n";
  header(out, "civic_hub_health_reports_received_total", "counter", "Kiosk health reports accepted over HTTP since the hub started.");
  out += "civic_hub_health_reports_received_total " + std::to_string(health_reports_) + "\n";
  header(out, "civic_hub_rejections_total", "counter", "Requests refused, by reason (the error code the client was given).");
  for (const auto& [reason, n] : rejections_)
    out += "civic_hub_rejections_total{reason=\"" + label(reason) + "\"} " + std::to_string(n) + "\n";
  header(out, "civic_hub_http_requests_total", "counter", "HTTP requests answered, by route and status.");
  for (const auto& [key, n] : requests_)
    out += "civic_hub_http_requests_total{route=\"" + label(key.first) + "\",code=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  header(out, "civic_hub_http_request_duration_seconds", "histogram", "Time from a complete request to its answer, by route.");
  for (const auto& [route, h] : durations_) {
    const std::string r = "route=\"" + label(route) + "\"";
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out += "civic_hub_http_request_duration_seconds_bucket{" + r + ",le=\"" + number(kBuckets[i], "%g") + "\"} " +
             std::to_string(h.counts[i]) + "\n";
    out += "civic_hub_http_request_duration_seconds_bucket{" + r + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "civic_hub_http_request_duration_seconds_sum{" + r + "} " + number(h.sum) + "\n";
    out += "civic_hub_http_request_duration_seconds_count{" + r + "} " + std::to_string(h.count) + "\n";
  }
  header(out, "civic_hub_http_refusals_total", "counter", "Connections and requests the HTTP layer refused, by kind.");
  const std::pair<const char*, std::uint64_t> refusals[] = {
      {"per_address", g.refusals.per_address}, {"evicted", g.refusals.evicted}, {"full", g.refusals.full},
      {"deadline", g.refusals.deadline},       {"too_large", g.refusals.too_large}, {"busy", g.refusals.busy}};
  for (const auto& [kind, n] : refusals)
    out += std::string("civic_hub_http_refusals_total{kind=\"") + kind + "\"} " + std::to_string(n) + "\n";
  header(out, "civic_hub_kiosks", "gauge", "Enrolled kiosks by state: active, silent (not heard from for the configured nights), never-heard, revoked.");
  for (const auto& [state, n] : g.kiosks_by_state)
    out += "civic_hub_kiosks{state=\"" + label(state) + "\"} " + std::to_string(n) + "\n";
  header(out, "civic_hub_records", "gauge", "Records in the transparency log.");
  out += "civic_hub_records " + std::to_string(g.records) + "\n";
  header(out, "civic_hub_log_leaves", "gauge", "Leaves in the transparency log (records and online imports).");
  out += "civic_hub_log_leaves " + std::to_string(g.log_leaves) + "\n";
  if (g.store_bytes) {
    header(out, "civic_hub_store_bytes", "gauge", "Size of the hub's database files on disk.");
    out += "civic_hub_store_bytes " + std::to_string(*g.store_bytes) + "\n";
  }
  return out;
}

Result<HubMetrics::Gauges> read_metric_gauges(HubStore& store, const std::filesystem::path& database,
                                              int silent_after_nights, std::uint64_t now) {
  HubMetrics::Gauges g;
  for (const char* state : {"active", "silent", "never-heard", "revoked"}) g.kiosks_by_state[state] = 0;
  CIVIC_ASSIGN(kiosks, store.kiosks());
  for (const auto& k : kiosks) {
    const char* state = k.revoked_at ? "revoked"
                        : !k.last_contact ? "never-heard"
                        : nights_between(*k.last_contact, now) >= static_cast<std::uint64_t>(silent_after_nights)
                            ? "silent"
                            : "active";
    ++g.kiosks_by_state[state];
  }
  if (database.empty()) return g;  // not in files of ours: PostgreSQL
  g.store_bytes = 0;
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const auto size = std::filesystem::file_size(database.string() + suffix, ec);
    if (!ec) *g.store_bytes += size;
  }
  return g;
}

}  // namespace civic
