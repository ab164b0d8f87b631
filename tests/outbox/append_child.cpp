// Child process for the kill -9 test: appends records to the outbox forever, writing each
// position to stdout only after append() has returned (that is, after COMMIT). Every 7th record
// it also does the agent's work (batch, ack, prune), so kills land in those transactions too.
// Usage: outbox_append_child DB
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "outbox_test_util.h"

using namespace civic;
using namespace civic::test;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto ob = Outbox::open(argv[1], test_kiosk_id());
  if (!ob.ok()) {
    std::fprintf(stderr, "child: %s\n", ob.message().c_str());
    return 1;
  }
  const Bytes sealed = sealed_with_idea("crash test");
  // The real clock: every child after a kill must see time move on, or pruning (which compares
  // acknowledgement times with now) would keep what earlier children acknowledged.
  for (std::uint64_t n = 0;; ++n) {
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    auto r = (*ob)->append(sealed, now);
    if (!r.ok()) {
      std::fprintf(stderr, "child: append: %s\n", r.message().c_str());
      return 1;
    }
    std::string line = std::to_string(r->position) + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
    if (n % 7 == 6) {
      auto b = (*ob)->next_batch(kiosk_key(), BatchLimits{}, now);
      if (b.ok() && b->has_value()) (void)(*ob)->apply_ack(ack_for(**b), hub_signing_key().public_key, now);
      (void)(*ob)->prune(0, now);
    }
  }
}
