#include "store/wal_vfs.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <vector>

namespace sheratan {

namespace {

constexpr const char* kVfsName = "sheratan-unix";
constexpr int kWalHeaderBytes = 32;
// A -wal file up to this size is kept when a checkpoint empties it; a larger one (a
// big batch, a long reader) is truncated, as SQLite asks. SQLite's wal_autocheckpoint
// keeps a WAL near 1,000 pages: 4 MiB at the store's page size.
constexpr sqlite3_int64 kKeptWalBytes = sqlite3_int64{4} << 20;

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs store_vfs{};

// ---- -wal files --------------------------------------------------------------
//
// A -wal file is the unix VFS's own file behind this header, in the same allocation
// (szOsFile counts both); every method passes through to it but xTruncate, and writes
// that follow each other are gathered into one (see PendingWrites).

// SQLite writes a WAL frame as two writes, its 24-byte header and then its page, so a
// commit of 20 pages made 40 pwrite() calls, a tenth of a claim+ack loop's time on a
// virtual machine. Writes that continue the one before are kept here and written as
// one when something needs them in the file:
//  - before any other call on the file (a read, a sync, its size, a truncation, a
//    write elsewhere, its close), so that the file itself behaves as if written at once;
//  - after the page of a commit frame (its header carries the database size), because
//    SQLite then publishes the commit in the -shm index, where other connections find
//    the frames and read them from the file. Under synchronous=FULL the commit's sync
//    would write them anyway; under NORMAL there is no sync, and nothing else tells.
//    A commit frame's header that starts no run is written at once (see wal_write).
// Frames of a transaction not yet committed may wait longer, as they would in SQLite's
// page cache: only this connection reads them (through this file, which writes first).
// An error in the deferred write is reported by the call that caused it.
struct PendingWrites {
  // The unix VFS writes at most 0x1ffff bytes a call (seekAndWriteFd masks the size),
  // and takes a shorter write for a full disk: 31 frames of 4 KiB pages.
  static constexpr std::size_t kMostBytes = 0x1ffff;
  std::vector<unsigned char> bytes;
  sqlite3_int64 offset = 0;  // where bytes[0] goes
  bool commit_page_next = false;
};

constexpr int kFrameHeaderBytes = 24;

struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  PendingWrites* pending;
};

sqlite3_io_methods wal_methods{};

sqlite3_file* real_of(sqlite3_file* file) {
  return reinterpret_cast<WalFile*>(file)->real;
}

const sqlite3_io_methods& real_methods(sqlite3_file* file) {
  return *real_of(file)->pMethods;
}

/// Writes what is pending; the buffer is emptied even when that fails, as SQLite then
/// rolls the transaction back and rewrites what it needs.
int write_pending(sqlite3_file* file) {
  PendingWrites& pending = *reinterpret_cast<WalFile*>(file)->pending;
  pending.commit_page_next = false;
  if (pending.bytes.empty()) return SQLITE_OK;
  const int code = real_methods(file).xWrite(real_of(file), pending.bytes.data(),
                                             static_cast<int>(pending.bytes.size()), pending.offset);
  pending.bytes.clear();
  return code;
}

// A frame header whose "database size after commit" field (bytes 4-7) is set.
bool is_commit_frame_header(const void* buffer, int amount, sqlite3_int64 offset) {
  if (amount != kFrameHeaderBytes || offset < kWalHeaderBytes) return false;
  const auto* bytes = static_cast<const unsigned char*>(buffer);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

// A TRUNCATE checkpoint has copied every frame into the database, synced it, and
// marked the WAL empty in the shared index; it then truncates the -wal file to 0 bytes,
// still holding the write lock and every reader slot. Here the file keeps its length
// and only its header is overwritten: a process that opens the store afresh finds no
// valid header and so no frames to read back, as with an empty file. What the length
// buys: the next commits overwrite blocks the file already has, and fdatasync() then
// writes their data alone, not the file's size (~0.15 ms less per one-shot commit on
// ext4). Frames left past the new ones are SQLite's usual state after a WAL restart:
// the next header's fresh salts make them invalid, and SQLite syncs that header before
// it writes a frame behind it. Unsynced, the zeroed header is as safe as the
// truncation it stands for: lost in a crash, it leaves frames that are all in the
// database already.
int wal_truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int code = write_pending(file); code != SQLITE_OK) return code;
  sqlite3_file* real = real_of(file);
  if (size == 0) {
    sqlite3_int64 length = 0;
    if (real->pMethods->xFileSize(real, &length) == SQLITE_OK && length >= kWalHeaderBytes && length <= kKeptWalBytes) {
      static const unsigned char zeros[kWalHeaderBytes] = {};
      return real->pMethods->xWrite(real, zeros, kWalHeaderBytes, 0);
    }
  }
  return real->pMethods->xTruncate(real, size);
}

int wal_close(sqlite3_file* file) {
  const int written = write_pending(file);
  delete reinterpret_cast<WalFile*>(file)->pending;
  const int closed = real_methods(file).xClose(real_of(file));
  return written != SQLITE_OK ? written : closed;
}
int wal_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  if (int code = write_pending(file); code != SQLITE_OK) return code;
  return real_methods(file).xRead(real_of(file), buffer, amount, offset);
}
int wal_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  PendingWrites& pending = *reinterpret_cast<WalFile*>(file)->pending;
  const auto size = static_cast<std::size_t>(amount);
  if (!pending.bytes.empty() && (offset != pending.offset + static_cast<sqlite3_int64>(pending.bytes.size()) ||
                                 pending.bytes.size() + size > PendingWrites::kMostBytes)) {
    if (int code = write_pending(file); code != SQLITE_OK) return code;
  }
  const bool commit_header = is_commit_frame_header(buffer, amount, offset);
  // A commit header that starts no run is either a commit of one frame or one SQLite
  // rewrites after reading it back (a new checksum, written after the commit's page):
  // no page may follow to write it, so it goes now.
  if (size > PendingWrites::kMostBytes || (commit_header && pending.bytes.empty())) {
    pending.commit_page_next = commit_header;
    return real_methods(file).xWrite(real_of(file), buffer, amount, offset);
  }
  if (pending.bytes.empty()) pending.offset = offset;
  const auto* bytes = static_cast<const unsigned char*>(buffer);
  pending.bytes.insert(pending.bytes.end(), bytes, bytes + size);
  if (pending.commit_page_next) return write_pending(file);
  pending.commit_page_next = commit_header;
  return SQLITE_OK;
}
int wal_sync(sqlite3_file* file, int flags) {
  if (int code = write_pending(file); code != SQLITE_OK) return code;
  return real_methods(file).xSync(real_of(file), flags);
}
int wal_file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (int code = write_pending(file); code != SQLITE_OK) return code;
  return real_methods(file).xFileSize(real_of(file), size);
}
int wal_lock(sqlite3_file* file, int level) {
  return real_methods(file).xLock(real_of(file), level);
}
int wal_unlock(sqlite3_file* file, int level) {
  return real_methods(file).xUnlock(real_of(file), level);
}
int wal_check_reserved_lock(sqlite3_file* file, int* out) {
  return real_methods(file).xCheckReservedLock(real_of(file), out);
}
int wal_file_control(sqlite3_file* file, int op, void* arg) {
  if (int code = write_pending(file); code != SQLITE_OK) return code;
  return real_methods(file).xFileControl(real_of(file), op, arg);
}
int wal_sector_size(sqlite3_file* file) {
  return real_methods(file).xSectorSize(real_of(file));
}
int wal_device_characteristics(sqlite3_file* file) {
  return real_methods(file).xDeviceCharacteristics(real_of(file));
}
int wal_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return real_methods(file).xShmMap(real_of(file), region, size, extend, out);
}
int wal_shm_lock(sqlite3_file* file, int offset, int count, int flags) {
  return real_methods(file).xShmLock(real_of(file), offset, count, flags);
}
void wal_shm_barrier(sqlite3_file* file) {
  real_methods(file).xShmBarrier(real_of(file));
}
int wal_shm_unmap(sqlite3_file* file, int remove) {
  return real_methods(file).xShmUnmap(real_of(file), remove);
}
int wal_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  if (int code = write_pending(file); code != SQLITE_OK) return code;
  return real_methods(file).xFetch(real_of(file), offset, amount, out);
}
int wal_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return real_methods(file).xUnfetch(real_of(file), offset, page);
}

/// The methods of a -wal file: the unix VFS's (whose version they take), through WalFile.
const sqlite3_io_methods* wal_methods_for(const sqlite3_io_methods* real) {
  static const bool filled = [real] {
    wal_methods.iVersion = real->iVersion < 3 ? real->iVersion : 3;
    wal_methods.xClose = wal_close;
    wal_methods.xRead = wal_read;
    wal_methods.xWrite = wal_write;
    wal_methods.xTruncate = wal_truncate;
    wal_methods.xSync = wal_sync;
    wal_methods.xFileSize = wal_file_size;
    wal_methods.xLock = wal_lock;
    wal_methods.xUnlock = wal_unlock;
    wal_methods.xCheckReservedLock = wal_check_reserved_lock;
    wal_methods.xFileControl = wal_file_control;
    wal_methods.xSectorSize = wal_sector_size;
    wal_methods.xDeviceCharacteristics = wal_device_characteristics;
    wal_methods.xShmMap = wal_shm_map;
    wal_methods.xShmLock = wal_shm_lock;
    wal_methods.xShmBarrier = wal_shm_barrier;
    wal_methods.xShmUnmap = wal_shm_unmap;
    wal_methods.xFetch = wal_fetch;
    wal_methods.xUnfetch = wal_unfetch;
    return true;
  }();
  (void)filled;
  return &wal_methods;
}

int open_wal(sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_CREATE) && name) {
    struct stat wal {};
    if (::stat(name, &wal) == 0 && wal.st_size > 0) {
      int code = base_vfs->xOpen(base_vfs, name, file, flags & ~SQLITE_OPEN_CREATE, out_flags);
      if (code == SQLITE_OK) return code;
      // Deleted since the stat (a sqlite3 shell closing): open it as SQLite would.
    }
  }
  return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
}

int open_file(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if (!(flags & SQLITE_OPEN_WAL)) return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
  auto* wal = reinterpret_cast<WalFile*>(file);
  wal->real = reinterpret_cast<sqlite3_file*>(wal + 1);
  wal->real->pMethods = nullptr;
  int code = open_wal(name, wal->real, flags, out_flags);
  // SQLite closes a file whose pMethods is set even when its open failed.
  wal->base.pMethods = wal->real->pMethods ? wal_methods_for(wal->real->pMethods) : nullptr;
  wal->pending = wal->base.pMethods ? new (std::nothrow) PendingWrites : nullptr;
  if (wal->base.pMethods && !wal->pending) {
    wal->real->pMethods->xClose(wal->real);
    wal->base.pMethods = nullptr;
    return SQLITE_NOMEM;
  }
  return code;
}

// ---- -shm files ---------------------------------------------------------------
//
// The first process to open a store's -shm file (the WAL index), holding its "dead man
// switch" lock so that nobody else has it, resets it with ftruncate(fd, 3); SQLite
// then writes a byte into each 4 KiB page to extend it again before mapping it, and
// rebuilds the index from the -wal file. That truncation frees the file's blocks and
// the extension allocates them again: ~80 µs of every one-shot command here. Zeroing
// the file's content in place leaves it exactly as the truncation and extension would
// (every byte zero up to the length SQLite maps), at the cost of one pwrite().

using Ftruncate = int (*)(int, off_t);
Ftruncate real_ftruncate = nullptr;
constexpr off_t kZeroedShmBytes = 1 << 20;  // larger (a huge WAL's index): truncated

bool is_shm_file(int fd) {
  char link[32];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ssize_t length = ::readlink(link, target, sizeof target);
  return length > 4 && static_cast<std::size_t>(length) < sizeof target &&
         std::memcmp(target + length - 4, "-shm", 4) == 0;
}

bool zero_in_place(int fd) {
  struct stat shm {};
  if (::fstat(fd, &shm) != 0 || shm.st_size > kZeroedShmBytes) return false;
  static const char zeros[32768] = {};
  for (off_t at = 0; at < shm.st_size;) {
    const auto chunk = static_cast<std::size_t>(std::min<off_t>(shm.st_size - at, sizeof zeros));
    const ssize_t written = ::pwrite(fd, zeros, chunk, at);
    if (written <= 0) return false;
    at += written;
  }
  return true;
}

// The unix VFS's ftruncate (every VFS built on it, in this process): the -shm reset
// (SQLite truncates nothing else to 3 bytes) zeroes in place; anything else truncates.
int ftruncate_or_zero(int fd, off_t size) {
  if (size == 3 && is_shm_file(fd) && zero_in_place(fd)) return 0;
  return real_ftruncate(fd, size);
}

}  // namespace

const char* store_vfs_name() {
  static_assert(sizeof(WalFile) % 8 == 0, "the unix VFS's file after it stays aligned");
  static const bool registered = [] {
    base_vfs = sqlite3_vfs_find(nullptr);
    store_vfs = *base_vfs;  // every method is the unix VFS's own...
    store_vfs.pNext = nullptr;
    store_vfs.zName = kVfsName;
    store_vfs.szOsFile = static_cast<int>(sizeof(WalFile)) + base_vfs->szOsFile;
    store_vfs.xOpen = open_file;  // ...but this one
    if (base_vfs->iVersion >= 3 && base_vfs->xGetSystemCall && base_vfs->xSetSystemCall) {
      real_ftruncate = reinterpret_cast<Ftruncate>(base_vfs->xGetSystemCall(base_vfs, "ftruncate"));
      if (real_ftruncate)
        base_vfs->xSetSystemCall(base_vfs, "ftruncate", reinterpret_cast<sqlite3_syscall_ptr>(ftruncate_or_zero));
    }
    return sqlite3_vfs_register(&store_vfs, 0) == SQLITE_OK;
  }();
  return registered ? kVfsName : nullptr;  // nullptr: SQLite's default VFS
}

}  // namespace sheratan
