#pragma once
// The VFS every store is opened with: SQLite's own unix VFS, with three changes to its
// -wal files and one to how its -shm file is reset.
//
// SQLite opens the -wal file with SQLITE_OPEN_CREATE, and a file opened that way has
// its folder fsynced at its first sync, in case the file was just created: in every
// process, at its first commit. For a one-shot tool that is the second fsync of its
// only commit, and the slower one (~0.8 ms of a 3.5 ms transfer). A -wal file that
// already holds bytes was created, written and synced (folder included) by an earlier
// writer, in a commit made under the write lock, so it is opened here without CREATE
// and keeps its folder unsynced. An empty or missing one (new store, or one a reader
// or the sqlite3 shell recreated) is opened as SQLite would, folder sync included.
//
// A TRUNCATE checkpoint (a closing connection's, see ~Store) empties the -wal file by
// invalidating its header rather than by cutting it to 0 bytes, up to 4 MiB: commits
// then overwrite blocks the file has, and their fdatasync() need not write its size.
// wal_vfs.cpp says why that is as safe as the truncation.
//
// SQLite writes each WAL frame as two writes (its header, then its page); here the
// writes that follow each other are gathered and written as one, before anything else
// touches the file and at the latest when a commit's last frame is written, so that
// other connections find every committed frame in the file. wal_vfs.cpp says more.
//
// The first process to open a store resets its -shm file (the WAL index) by truncating
// it to 3 bytes, and SQLite extends it again at once; here it is zeroed in place, which
// leaves the same bytes without freeing and reallocating its blocks. That goes through
// the unix VFS's system-call table, so it holds for every SQLite connection in the
// process, on this VFS or on SQLite's own.

namespace sheratan {

/// Registers the VFS (once; not as the default) and returns its name for sqlite3_open_v2.
const char* store_vfs_name();

}  // namespace sheratan
