#pragma once
// Watching the store for commits of other connections, inside a libuv loop that the
// caller runs (the worker's, beside its child processes and timers; StoreWaiter's,
// for the tools that block). It watches the folder that holds the database (the -wal
// file is deleted and recreated, so the folder, not the file), ignores files whose
// name does not start with the database's, and calls on_change only when
// PRAGMA data_version says another connection committed.
//
// SQLite makes a commit visible in the -shm index after its last write to the -wal
// file, and writes to the mapped -shm raise no inotify event, so an event can arrive
// just before the commit it announces is visible. Sheratan's own writers touch the
// database file after each commit (Store::announce_commit); for other writers the
// watch looks again a few times over the next ~2 s at doubling intervals (settle
// checks). Idle, it arms nothing: no timer runs unless an event came in.
//
// The folder is watched with inotify directly, under a uv_poll, so that a queue
// overflow (events lost) counts as a change; libuv's uv_fs_event would drop it.
//
// Lifetime: the destructor closes the libuv handles; the owner must run its loop
// afterwards (as before uv_loop_close) so that the close callbacks free them.

#include <uv.h>

#include <cstdint>
#include <functional>

#include "store/store.hpp"

namespace sheratan {

class StoreWatch {
 public:
  /// Starts watching. Throws Error(failed) when the folder cannot be watched.
  /// With quiet_ms, the folder is not read again for that long after its events were
  /// read: a busy writer's stream of writes wakes the watch once a pause instead of
  /// once a write, and a commit is seen at most quiet_ms late (the server's feed, whose
  /// own commits would otherwise wake it at every write).
  StoreWatch(uv_loop_t* loop, Store& store, std::function<void()> on_change, std::uint64_t quiet_ms = 0);
  ~StoreWatch();
  StoreWatch(const StoreWatch&) = delete;
  StoreWatch& operator=(const StoreWatch&) = delete;

  /// Takes the current data_version as seen, so that changes the owner has just
  /// looked at (its own re-query) do not count again.
  void mark_seen();

  /// How many times on_change ran; the benchmarks and tests use it to show that an
  /// idle watcher stays idle.
  std::uint64_t changes_reported() const;

  struct Handles;  // libuv handles, defined in store_watch.cpp

 private:
  Handles* handles_;  // freed by the close callback, after the loop has run
};

}  // namespace sheratan
