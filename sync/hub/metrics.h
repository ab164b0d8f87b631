// The hub's metrics for city IT's monitoring, in the Prometheus text exposition format (0.0.4):
// counters kept as requests are served, and gauges read from the store when scraped. Served at
// GET /metrics behind a bearer token (installer/README.md "Metrics").
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <mutex>
#include <string>

#include "http_server.h"
#include "store.h"

namespace civic {

class HubMetrics {
 public:
  // Request durations are kept per route (a fixed set: unknown paths count as "other").
  static constexpr std::array<double, 11> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  void request(const std::string& route, int status, double seconds);
  void batch_accepted(std::uint64_t new_records, bool repeat);
  void rejected(const std::string& reason);  // an error code name: malformed, bad_signature, conflict, …
  void health_report();

  struct Gauges {
    std::map<std::string, std::uint64_t> kiosks_by_state;  // active, silent, revoked, never-heard
    std::optional<std::uint64_t> store_bytes;  // SQLite's files; none on PostgreSQL (its own exporter has it)
    std::uint64_t log_leaves = 0;
    std::uint64_t records = 0;
    HttpRefusals refusals;
  };
  // The whole exposition: counters so far and the gauges given.
  std::string render(const Gauges& gauges) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Histogram> durations_;                   // by route
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // by route and status
  std::map<std::string, std::uint64_t> rejections_;
  std::uint64_t batches_ = 0, repeated_batches_ = 0, records_ = 0, health_reports_ = 0;
};

// Reads the store's gauges: kiosks by state (as the fleet page flags them) and the size of its
// files (`database`: SQLite's; empty for PostgreSQL, whose size is not in files of ours); the caller adds the log's counts (HubService keeps them) and the HTTP layer's refusals.
[[nodiscard]] Result<HubMetrics::Gauges> read_metric_gauges(HubStore& store, const std::filesystem::path& database,
                                                           int silent_after_nights, std::uint64_t now);

}  // namespace civic
