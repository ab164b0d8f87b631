// Counts events per client (an address) over the last minute, for the hub's limits on failed
// enrolments and on receipt lookups. Bounded: only the last minute's clients are kept (pruned at
// most once a second), and at most kMaxClients of them; past that, new clients share one count.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace civic {

class RateLimiter {
 public:
  explicit RateLimiter(std::size_t per_minute) : per_minute_(per_minute) {}

  // Whether `client` has had `per_minute` events in the minute before `now` (Unix seconds).
  bool limited(const std::string& client, std::uint64_t now);
  // Counts an event for `client`; returns the events of the last minute, this one included (the
  // count stops one past the limit: being limited is already known).
  std::size_t add(const std::string& client, std::uint64_t now);
  std::size_t clients();  // clients kept (those with an event in the last minute, or fewer than 1024)
  static constexpr std::size_t kMaxClients = 65536;

 private:
  static void expire(std::deque<std::uint64_t>& times, std::uint64_t now);
  const std::string& key_for(const std::string& client) const;
  const std::size_t per_minute_;
  std::mutex mutex_;
  std::map<std::string, std::deque<std::uint64_t>> events_;
  std::uint64_t last_prune_ = 0;
};

}  // namespace civic
