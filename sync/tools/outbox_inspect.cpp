// civic-outbox: looks inside a kiosk's outbox without changing it. Prints counts by state, the
// chain head, the oldest unacknowledged record's age, free disk and the content version: what
// field staff and tests need. Never prints a record's content (it could not: records are sealed).
//
//   civic-outbox status DB     counts, chain head, ages, disk
//   civic-outbox check DB      PRAGMA integrity_check and a full chain recomputation
//
// Exit codes (README.md): 0 ok, 1 the outbox is damaged or cannot be read, 2 usage.
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "sync/cli/cli.h"
#include "sync/outbox/outbox.h"

using namespace civic;

namespace {
// Usage on stderr with exit 2 for a wrong command line; on stdout with exit 0 when asked (--help).
int usage(bool asked = false) {
  std::fprintf(asked ? stdout : stderr,
               "usage: civic-outbox status DB\n"
               "       civic-outbox check DB\n");
  return asked ? kExitOk : kExitUsage;
}

std::string human_age(std::uint64_t seconds) {
  char buf[64];
  if (seconds < 120) std::snprintf(buf, sizeof buf, "%llu s", static_cast<unsigned long long>(seconds));
  else if (seconds < 7200) std::snprintf(buf, sizeof buf, "%llu min", static_cast<unsigned long long>(seconds / 60));
  else if (seconds < 172800) std::snprintf(buf, sizeof buf, "%.1f h", static_cast<double>(seconds) / 3600.0);
  else std::snprintf(buf, sizeof buf, "%.1f days", static_cast<double>(seconds) / 86400.0);
  return buf;
}

std::string human_bytes(std::uint64_t b) {
  char buf[64];
  if (b < 10 * 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  else if (b < 10ULL * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024.0);
  else if (b < 10ULL * 1024 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / 1048576.0);
  else std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(b) / 1073741824.0);
  return buf;
}
}  // namespace

int main(int argc, char** argv) try {
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) return usage(true);
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::printf("civic-outbox %s\n", civic_version());
    return kExitOk;
  }
  if (argc != 3) return usage();
  const std::string command = argv[1];
  if (command != "status" && command != "check") {
    if (auto close = closest_word(command, {"status", "check"})) std::fprintf(stderr, "did you mean '%s'?\n", close->c_str());
    return usage();
  }
  auto ob = Outbox::open_existing(argv[2]);
  if (!ob.ok()) {
    std::fprintf(stderr, "civic-outbox: %s\n", ob.message().c_str());
    return kExitFailure;
  }
  if (command == "check") {
    if (auto s = (*ob)->verify_integrity(); !s.ok()) {
      std::fprintf(stderr, "civic-outbox: %s\n", s.message().c_str());
      return kExitFailure;
    }
    std::printf("ok: integrity check passed and the chain verifies\n");
    return 0;
  }
  auto st = (*ob)->status();
  if (!st.ok()) {
    std::fprintf(stderr, "civic-outbox: %s\n", st.message().c_str());
    return kExitFailure;
  }
  const auto now = static_cast<std::uint64_t>(std::time(nullptr));
  std::printf("outbox               %s\n", argv[2]);
  std::printf("kiosk                %s\n", to_hex((*ob)->kiosk_id()).c_str());
  std::printf("pending              %llu\n", static_cast<unsigned long long>(st->pending));
  std::printf("in batch             %llu (%llu batch(es) awaiting an ack)\n", static_cast<unsigned long long>(st->in_batch),
              static_cast<unsigned long long>(st->unacknowledged_batches));
  std::printf("acknowledged         %llu (kept until the retention period ends)\n",
              static_cast<unsigned long long>(st->acknowledged));
  std::printf("chain                position %llu, head %s\n", static_cast<unsigned long long>(st->last_position),
              to_hex(st->chain_head).c_str());
  if (st->oldest_unacknowledged_at) {
    const auto at = *st->oldest_unacknowledged_at;
    std::printf("oldest unacknowledged %s old\n", human_age(now > at ? now - at : 0).c_str());
  } else {
    std::printf("oldest unacknowledged none: everything has reached the hub\n");
  }
  std::printf("database size        %s\n", human_bytes(st->database_bytes).c_str());
  std::printf("free disk            %s\n", human_bytes(st->free_disk_bytes).c_str());
  if (st->content_version == 0) {
    std::printf("content              none installed yet\n");
  } else {
    const bool expired = st->content_expires_at <= now;
    std::printf("content              version %llu, %s %s\n", static_cast<unsigned long long>(st->content_version),
                expired ? "EXPIRED" : "expires in",
                expired ? "" : human_age(st->content_expires_at - now).c_str());
  }
  return kExitOk;
} catch (...) {
  return report_unexpected("civic-outbox");
}
