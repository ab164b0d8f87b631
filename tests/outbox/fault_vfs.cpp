#include "fault_vfs.h"

#include <sqlite3.h>

#include <cstring>
#include <mutex>

namespace civic::test {

namespace {

FaultPlan g_plan;
sqlite3_vfs g_vfs;
sqlite3_vfs* g_real = nullptr;

struct FaultFile {
  sqlite3_file base;  // must be first: SQLite treats this as the sqlite3_file
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }

bool should_fail(std::atomic<int>& counter) {
  int n = counter.load();
  while (n >= 0) {
    if (n == 0) {
      if (!g_plan.sticky.load()) counter.store(-1);
      g_plan.failures.fetch_add(1);
      return true;
    }
    if (counter.compare_exchange_weak(n, n - 1)) return false;
  }
  return false;
}

int x_close(sqlite3_file* f) {
  sqlite3_file* real = real_of(f);
  int rc = real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
  sqlite3_free(real);
  return rc;
}
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) { return real_of(f)->pMethods->xRead(real_of(f), buf, n, off); }
int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (should_fail(g_plan.writes_until_failure)) {
    int code = g_plan.write_error.load();
    return code != 0 ? code : SQLITE_FULL;
  }
  return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return real_of(f)->pMethods->xTruncate(real_of(f), size); }
int x_sync(sqlite3_file* f, int flags) {
  if (should_fail(g_plan.syncs_until_failure)) return SQLITE_IOERR_FSYNC;
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); }
int x_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out); }
int x_file_control(sqlite3_file* f, int op, void* arg) { return real_of(f)->pMethods->xFileControl(real_of(f), op, arg); }
int x_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int x_device_characteristics(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** p) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, p);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) { return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags); }
void x_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return real_of(f)->pMethods->xShmUnmap(real_of(f), del); }
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int amt, void** p) { return real_of(f)->pMethods->xFetch(real_of(f), off, amt, p); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) { return real_of(f)->pMethods->xUnfetch(real_of(f), off, p); }

const sqlite3_io_methods kMethods = {
    3,           x_close,     x_read,       x_write,       x_truncate,  x_sync,
    x_file_size, x_lock,      x_unlock,     x_check_reserved, x_file_control, x_sector_size,
    x_device_characteristics, x_shm_map,    x_shm_lock,    x_shm_barrier, x_shm_unmap, x_fetch,
    x_unfetch};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = reinterpret_cast<FaultFile*>(file);
  f->base.pMethods = nullptr;
  f->real = static_cast<sqlite3_file*>(sqlite3_malloc(g_real->szOsFile));
  if (!f->real) return SQLITE_NOMEM;
  std::memset(f->real, 0, static_cast<std::size_t>(g_real->szOsFile));
  int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    sqlite3_free(f->real);
    return rc;
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

}  // namespace

void FaultPlan::clear() {
  writes_until_failure = -1;
  syncs_until_failure = -1;
  sticky = true;
  write_error = 0;
}

FaultPlan& fault_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    g_vfs = *g_real;
    g_vfs.zName = kFaultVfsName;
    g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile));
    g_vfs.xOpen = x_open;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return g_plan;
}

}  // namespace civic::test
