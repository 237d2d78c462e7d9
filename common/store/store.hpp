#pragma once
// The store: one SQLite database in WAL mode shared by every tool. This unit owns the
// connection, its pragmas, the forward-only migrations, write transactions
// (BEGIN IMMEDIATE with busy handling) and the prepared-statement cache.
// Promise: a write that returns has been committed durably (synchronous=FULL unless
// SHERATAN_SYNC=normal); a write that throws has changed nothing.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace sheratan {

/// A prepared statement from the cache, in use. Binding is 1-based as in SQLite. It is
/// reset when this handle goes out of scope, which ends any read it had open.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* handle) : handle_(handle) {}
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  /// Binds text without copying it: the caller keeps it unchanged until the statement
  /// has run (string literals, or strings that outlive this Statement).
  Statement& bind_static(int index, std::string_view value);
  template <typename T>
  Statement& bind_static(int index, const std::optional<T>& value) {
    return value ? bind_static(index, *value) : bind_null(index);
  }
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  /// Steps once: true when a row is available, false when done.
  bool step();
  /// Steps to completion, for statements that return no rows.
  void run();

  std::int64_t integer(int column) const;
  std::string text(int column) const;
  std::string_view text_view(int column) const;
  bool is_null(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;

  sqlite3_stmt* handle() const { return handle_; }
  void reset();

 private:
  sqlite3_stmt* handle_;
};

struct StoreOptions {
  std::string path;
  bool create = true;  // create the file (and its folder) when missing
  std::int64_t busy_timeout_ms = 10'000;
  bool durable = true;  // synchronous=FULL; false gives NORMAL
};

class Store {
 public:
  /// Opens (and when allowed creates) the store, sets the pragmas and migrates it.
  /// Throws Error: failed when it is missing, unavailable when it stays locked,
  /// failed when its schema is newer than this binary.
  static std::unique_ptr<Store> open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// A cached prepared statement, reset and ready to bind. sql must outlive the store
  /// (the SQL constants in queries.hpp do).
  /// A cached prepared statement, reset and ready to bind. The cache owns it; the
  /// Statement returned is a view that stays valid while the store is open.
  Statement use(std::string_view sql);
  void exec(const char* sql);

  /// Runs body in a BEGIN IMMEDIATE transaction and commits; rolls back and rethrows
  /// when body throws. Nested calls join the outer transaction.
  template <typename Body>
  auto write(Body&& body) -> decltype(body()) {
    Transaction transaction(*this, true);
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      transaction.commit();
    } else {
      auto result = body();
      transaction.commit();
      return result;
    }
  }

  /// Runs body in a read transaction, so that it sees one consistent snapshot.
  template <typename Body>
  auto read(Body&& body) -> decltype(body()) {
    Transaction transaction(*this, false);
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      transaction.commit();
    } else {
      auto result = body();
      transaction.commit();
      return result;
    }
  }

  /// PRAGMA data_version: changes when another connection commits.
  std::int64_t data_version();
  std::int64_t changes() const;
  /// The rowid of the last row this connection inserted.
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  /// Throws the Error that fits SQLite's result code, naming what was being done.
  /// `error` is SQLite's message when it was taken before a later call replaced it
  /// (default: the connection's current message).
  [[noreturn]] void raise(int code, std::string_view doing, const char* error = nullptr) const;

 private:
  class Transaction {
   public:
    Transaction(Store& store, bool immediate);
    ~Transaction();
    void commit();

   private:
    Store& store_;
    bool owner_ = false;
    bool done_ = false;
  };

  // SQLite's default for wal_autocheckpoint, which the hook below replaces.
  static constexpr int kAutoCheckpointFrames = 1000;
  // Frames a closing connection leaves in the WAL before it checkpoints and empties
  // it: a fresh start reads back each frame (~6k instructions and a pread), while the
  // checkpoint costs the database's fdatasync at close and one more at the next commit,
  // for the new WAL header (the -wal file keeps its blocks: see wal_vfs.hpp). At 32
  // frames (six one-shot transfers) a typical start reads some 16, not 64 as at 128.
  static constexpr int kCloseCheckpointFrames = 32;

  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  /// sqlite3_wal_hook: remembers the WAL's length after a commit and checkpoints it
  /// past kAutoCheckpointFrames, as SQLite's own hook would.
  static int note_wal_commit(void* self, sqlite3* db, const char* name, int frames);
  void announce_commit();
  void refuse_foreign_database();
  void migrate();
  void begin(bool immediate);
  /// Runs BEGIN or COMMIT as a prepared statement kept like any other, where
  /// sqlite3_exec compiled each anew (with TextHash below, 0.5% of a claim+ack loop's
  /// instructions); returns SQLite's code, and its message in `error` on failure.
  int control(std::string_view sql, std::string* error);

  sqlite3* db_;
  std::string path_;
  int depth_ = 0;
  std::int64_t changes_at_begin_ = 0;
  int announce_fd_ = -1;  // the database file, opened to touch its timestamps
  int wal_frames_ = 0;    // frames in the WAL after this connection's last commit
  // Statements are found by their text, some of them kilobytes long (a batch's UPDATE
  // of 64 rows), and hashing whole texts was 0.7% of a claim+ack loop's instructions.
  // The hash takes the length and the text's first and last 64 bytes; texts that share
  // them are told apart by the comparison that follows any hash match.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      constexpr std::size_t kEnds = 64;
      if (text.size() <= 2 * kEnds) return std::hash<std::string_view>{}(text);
      const std::size_t head = std::hash<std::string_view>{}(text.substr(0, kEnds));
      const std::size_t tail = std::hash<std::string_view>{}(text.substr(text.size() - kEnds));
      return head ^ (tail * 31) ^ (text.size() * 0x9e3779b97f4a7c15ULL);
    }
  };
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>, TextHash, std::equal_to<>>
      statements_;
};

}  // namespace sheratan
