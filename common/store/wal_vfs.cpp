#include "store/wal_vfs.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

namespace sheratan {

namespace {

constexpr const char* kVfsName = "sheratan-unix";

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs store_vfs{};

int open_file(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_WAL) && (flags & SQLITE_OPEN_CREATE) && name) {
    struct stat wal {};
    if (::stat(name, &wal) == 0 && wal.st_size > 0) {
      int code = base_vfs->xOpen(base_vfs, name, file, flags & ~SQLITE_OPEN_CREATE, out_flags);
      if (code == SQLITE_OK) return code;
      // Deleted since the stat (a sqlite3 shell closing): open it as SQLite would.
    }
  }
  return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
}

}  // namespace

const char* store_vfs_name() {
  static const bool registered = [] {
    base_vfs = sqlite3_vfs_find(nullptr);
    store_vfs = *base_vfs;  // every method and size is the unix VFS's own...
    store_vfs.pNext = nullptr;
    store_vfs.zName = kVfsName;
    store_vfs.xOpen = open_file;  // ...but this one
    return sqlite3_vfs_register(&store_vfs, 0) == SQLITE_OK;
  }();
  return registered ? kVfsName : nullptr;  // nullptr: SQLite's default VFS
}

}  // namespace sheratan
