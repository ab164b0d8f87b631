// A fault-injecting SQLite VFS for tests: it wraps the default VFS and can make chosen writes or
// syncs fail, as a full or failing disk would.
#pragma once

#include <atomic>

namespace civic::test {

inline constexpr const char* kFaultVfsName = "civic-fault";

struct FaultPlan {
  // Count down on every write (or sync); when a counter reaches zero that operation fails, and
  // every later one too while `sticky` is set. Negative: never.
  std::atomic<int> writes_until_failure{-1};
  std::atomic<int> syncs_until_failure{-1};
  std::atomic<bool> sticky{true};
  // The SQLite result code to fail writes with: SQLITE_FULL or SQLITE_IOERR_WRITE.
  std::atomic<int> write_error{0};
  std::atomic<int> failures{0};  // how many operations were failed

  void clear();
};

// Registers the VFS (once) and returns the plan it follows.
FaultPlan& fault_vfs();

}  // namespace civic::test
