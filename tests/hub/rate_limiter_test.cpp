// The hub's per-address limiter (failed enrolments, failed receipt lookups): limits per client and
// keeps its memory bounded however many addresses an attacker has.
#include <catch2/catch.hpp>

#include "sync/hub/rate_limiter.h"

using namespace civic;

TEST_CASE("the rate limiter limits each address on its own, for a minute", "[rate-limiter]") {
  RateLimiter limiter(3);
  for (int i = 0; i < 3; ++i) limiter.add("198.51.100.7", 1000);
  CHECK(limiter.limited("198.51.100.7", 1000));
  CHECK_FALSE(limiter.limited("203.0.113.9", 1000));  // another address is not
  CHECK(limiter.limited("198.51.100.7", 1059));
  CHECK_FALSE(limiter.limited("198.51.100.7", 1060));  // a minute later
}

TEST_CASE("the rate limiter's memory is bounded with 100,000 addresses in one minute", "[rate-limiter]") {
  RateLimiter limiter(3);
  for (int i = 0; i < 100000; ++i) limiter.add("2001:db8::" + std::to_string(i), 1000 + static_cast<std::uint64_t>(i) / 2000);
  CHECK(limiter.clients() <= RateLimiter::kMaxClients + 1);
  // Past the cap, newcomers share one count: together they are limited.
  CHECK(limiter.limited("2001:db8::new", 1050));
  // Addresses seen before the cap keep their own count.
  CHECK_FALSE(limiter.limited("2001:db8::5", 1050));
  // A minute after the last, the next event forgets them all.
  limiter.add("192.0.2.1", 1200);
  CHECK(limiter.clients() <= 2);
  CHECK_FALSE(limiter.limited("2001:db8::new", 1200));
}
