// A small benchmark harness: runs a body repeatedly for a time budget and reports the rate.
// Ours and the peer are measured alternately in several rounds and the median taken, so both
// see the same machine load.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

namespace civic::bench {

// Operations per second of `body` (which performs `ops_per_call` operations per call).
inline double rate(const std::function<void()>& body, double ops_per_call, double budget_seconds) {
  using clock = std::chrono::steady_clock;
  body();  // warm up
  std::size_t calls = 0;
  auto start = clock::now();
  double elapsed = 0;
  do {
    body();
    ++calls;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < budget_seconds);
  return static_cast<double>(calls) * ops_per_call / elapsed;
}

struct Comparison {
  double ours = 0;
  double peer = 0;
};

// Alternates ours and the peer `rounds` times and returns the median rate of each.
inline Comparison compare(const std::function<void()>& ours, const std::function<void()>& peer,
                          double ops_per_call, int rounds = 5, double budget_seconds = 0.4) {
  std::vector<double> a, b;
  for (int i = 0; i < rounds; ++i) {
    a.push_back(rate(ours, ops_per_call, budget_seconds));
    b.push_back(rate(peer, ops_per_call, budget_seconds));
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return {a[a.size() / 2], b[b.size() / 2]};
}

// The p-quantile (0..1) of the values.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

inline void report(const char* name, const char* unit, const Comparison& c, const char* peer_name) {
  std::printf("%-34s ours %12.0f %s   %-28s %12.0f %s   ours/peer %.3f (overhead %+.1f%%)\n", name, c.ours, unit,
              peer_name, c.peer, unit, c.ours / c.peer, (c.peer / c.ours - 1.0) * 100.0);
}

}  // namespace civic::bench
