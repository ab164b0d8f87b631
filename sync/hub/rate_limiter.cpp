#include "rate_limiter.h"

namespace civic {

void RateLimiter::expire(std::deque<std::uint64_t>& times, std::uint64_t now) {
  while (!times.empty() && times.front() + 60 <= now) times.pop_front();
}

const std::string& RateLimiter::key_for(const std::string& client) const {
  // Too many clients at once (an attacker with many addresses): newcomers share one count, so
  // they are limited together while the clients already known keep their own.
  static const std::string kEveryOther = "(every other address)";
  return events_.count(client) != 0 || events_.size() < kMaxClients ? client : kEveryOther;
}

bool RateLimiter::limited(const std::string& client, std::uint64_t now) {
  std::lock_guard lock(mutex_);
  auto it = events_.find(key_for(client));
  if (it == events_.end()) return false;
  expire(it->second, now);
  return it->second.size() >= per_minute_;
}

std::size_t RateLimiter::add(const std::string& client, std::uint64_t now) {
  std::lock_guard lock(mutex_);
  // Clients with no event in the last minute are forgotten once many are kept: memory follows the
  // last minute's clients, however many came before.
  if (events_.size() >= 1024 && now != last_prune_) {
    last_prune_ = now;
    for (auto it = events_.begin(); it != events_.end();) {
      expire(it->second, now);
      it = it->second.empty() ? events_.erase(it) : std::next(it);
    }
  }
  auto& times = events_[key_for(client)];
  expire(times, now);
  if (times.size() <= per_minute_) times.push_back(now);
  return times.size();
}

std::size_t RateLimiter::clients() {
  std::lock_guard lock(mutex_);
  return events_.size();
}

}  // namespace civic
