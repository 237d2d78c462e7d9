#include "store/store.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "store/sql/schema.hpp"
#include "store/wal_vfs.hpp"

namespace sheratan {
namespace {
// A damaged store's message, with the way out.
[[noreturn]] void fail_damaged(std::string_view path, std::string_view what) {
  fail(ExitCode::failed, "store " + quote(path) + " is damaged: " + std::string(what) + " (sqlite3 " + quote(path) +
                             " '.recover' may save what is left)");
}
}  // namespace

// ---- Statement -------------------------------------------------------------

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(handle_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text(handle_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view value) {
  sqlite3_bind_text(handle_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(handle_, index);
  return *this;
}

bool Statement::step() {
  int code = sqlite3_step(handle_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(handle_);
  std::string message = sqlite3_errmsg(db);
  const char* file = sqlite3_db_filename(db, "main");
  const std::string_view path = file ? file : "";
  sqlite3_reset(handle_);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    fail(ExitCode::unavailable, "store " + quote(path) + " is busy: " + message);
  if ((code & 0xff) == SQLITE_CONSTRAINT) fail(ExitCode::conflict, "constraint failed: " + message);
  if ((code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB) fail_damaged(path, message);
  fail(ExitCode::failed, "store " + quote(path) + ": " + message);
}

void Statement::run() {
  while (step()) {
  }
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(handle_, column);
}

std::string_view Statement::text_view(int column) const {
  auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(handle_, column));
  if (!bytes) return {};
  return {bytes, static_cast<std::size_t>(sqlite3_column_bytes(handle_, column))};
}

std::string Statement::text(int column) const {
  return std::string(text_view(column));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(handle_, column) == SQLITE_NULL;
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

Statement::Statement(Statement&& other) noexcept : handle_(other.handle_) {
  other.handle_ = nullptr;
}

Statement::~Statement() {
  // A statement left mid-step would keep a read transaction open after COMMIT, and a
  // later BEGIN IMMEDIATE on this connection would then fail at once with SQLITE_BUSY.
  if (handle_) sqlite3_reset(handle_);
}

void Statement::reset() {
  sqlite3_reset(handle_);
  sqlite3_clear_bindings(handle_);
}

// ---- Store -----------------------------------------------------------------

namespace {

void create_private_file(const std::string& path) {
  std::filesystem::path file(path);
  auto folder = file.parent_path();
  if (!folder.empty() && !std::filesystem::exists(folder)) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) fail(ExitCode::failed, "cannot create folder " + quote(folder.string()) + ": " + error.message());
    ::chmod(folder.c_str(), 0700);
  }
  int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) fail(ExitCode::failed, "cannot create store " + quote(path) + ": " + system_error_text(errno));
  ::close(fd);
}

// SQLite keeps global allocation statistics unless told otherwise, taking a global
// mutex around every malloc and free; nothing reads them, and a claim or a push does
// hundreds of thousands of allocations. Must precede SQLite's initialisation; when
// something initialised SQLite first the call fails harmlessly and changes nothing.
void configure_sqlite_once() {
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
}

// glibc hands the top of the heap back to the kernel once 128 KiB of it are free, and
// serves blocks of 128 KiB and more with mmap. A process with a store open allocates
// and frees about the same memory in every transaction (a claim of 100 jobs holds some
// 60 KiB of them), so each transaction gave pages back and faulted them in again; on a
// virtual machine each hand-back also flushes the TLB of every core. Measured on a
// claim+ack loop: 15 page faults per transaction, about half of the system time. Freed
// memory is now kept up to 16 MiB (far more than a transaction's churn, and little for
// each of a server's arenas to hold on to), and mmap is left to blocks of 32 MiB and more.
void keep_freed_heap_once() {
  static const bool kept = mallopt(M_TRIM_THRESHOLD, 16 << 20) == 1 && mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  (void)kept;
}

}  // namespace

std::unique_ptr<Store> Store::open(const StoreOptions& options) {
  configure_sqlite_once();
  keep_freed_heap_once();
  const std::string& path = options.path;
  if (::access(path.c_str(), F_OK) != 0) {
    if (!options.create)
      fail(ExitCode::failed, "store " + quote(path) + " does not exist (give --db or set SHERATAN_DB)");
    create_private_file(path);
  } else if (std::filesystem::is_directory(path)) {
    fail(ExitCode::failed, "store " + quote(path) + " is a folder, not a file (give the store's file with --db)");
  } else if (::access(path.c_str(), W_OK) != 0) {
    fail(ExitCode::failed, "cannot open store " + quote(path) + ": " + system_error_text(errno));
  }
  sqlite3* db = nullptr;
  int code = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, store_vfs_name());
  if (code != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    sqlite3_close(db);
    fail(ExitCode::failed, "cannot open store " + quote(path) + ": " + message);
  }
  std::unique_ptr<Store> store(new Store(db, path));
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout_ms));
  sqlite3_extended_result_codes(db, 1);
  // The last connection to close would otherwise checkpoint the whole WAL into the
  // database and delete it: two more fsyncs, and the next commit recreating the -wal
  // file costs two more (its header and the folder). A one-shot tool then paid five
  // fsyncs for one commit. The WAL is part of the store and stays beside it; see
  // note_wal_commit() and ~Store() for how it is kept short.
  sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_wal_hook(db, &Store::note_wal_commit, store.get());
  store->refuse_foreign_database();
  // journal_mode=WAL is persistent in the file, but asking is cheap and covers a
  // store that someone created with the sqlite3 shell.
  store->exec("PRAGMA journal_mode=WAL");
  store->exec(options.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  store->exec("PRAGMA foreign_keys=ON");
  store->exec("PRAGMA temp_store=MEMORY");
  // 8 MiB of page cache: a batch of 10,000 jobs fits without spilling to the WAL
  // mid-transaction, and a reader streaming a million rows stays far below 32 MB.
  store->exec("PRAGMA cache_size=-8192");
  store->announce_fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  store->migrate();
  return store;
}

int Store::note_wal_commit(void* self, sqlite3* db, const char* name, int frames) {
  auto* store = static_cast<Store*>(self);
  store->wal_frames_ = frames;
  if (frames >= kAutoCheckpointFrames) {
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    store->wal_frames_ = 0;
  }
  return SQLITE_OK;
}

Store::~Store() {
  if (announce_fd_ >= 0) ::close(announce_fd_);
  statements_.clear();
  // The first process to open a store that nobody has open rebuilds the WAL's index
  // by reading every frame (and, not knowing what was checkpointed, never restarts
  // the WAL from its start), so a one-shot tool that leaves a long WAL behind slows
  // the next start. Past a short length the WAL is checkpointed and emptied here (the
  // VFS keeps the -wal file's blocks and voids its header: see wal_vfs.hpp); without
  // waiting: when a reader holds it, this is a plain checkpoint.
  if (wal_frames_ >= kCloseCheckpointFrames) {
    sqlite3_busy_timeout(db_, 0);
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
  sqlite3_close_v2(db_);
}

void Store::raise(int code, std::string_view doing, const char* error) const {
  const std::string what = error ? error : sqlite3_errmsg(db_);
  std::string message = std::string(doing) + " on " + quote(path_) + ": " + what;
  int primary = code & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    fail(ExitCode::unavailable, "store " + quote(path_) + " is busy (another process holds it) during " +
                                    std::string(doing) + ": " + what + " (" + std::to_string(code) + ")");
  if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM)
    fail(ExitCode::failed, "cannot write store " + quote(path_) + ": " + what);
  if (primary == SQLITE_CORRUPT) fail_damaged(path_, what);
  if (primary == SQLITE_NOTADB)
    fail(ExitCode::failed, "store " + quote(path_) + " is not a Sheratan store or is damaged: " + what);
  fail(ExitCode::failed, message);
}

void Store::exec(const char* sql) {
  char* error = nullptr;
  int code = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  sqlite3_free(error);
  if (code != SQLITE_OK) raise(code, sql);
}

Statement Store::use(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    sqlite3_stmt* handle = nullptr;
    int code =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &handle, nullptr);
    if (code != SQLITE_OK) raise(code, "prepare");
    found =
        statements_
            .emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>(handle, sqlite3_finalize))
            .first;
  }
  // Two live Statements on one handle would step over each other's rows.
  if (sqlite3_stmt_busy(found->second.get()))
    fail(ExitCode::failed, "internal error: statement used twice at once: " + std::string(sql));
  Statement statement(found->second.get());
  statement.reset();
  return statement;
}

std::int64_t Store::data_version() {
  Statement statement = use("PRAGMA data_version");
  statement.step();
  std::int64_t version = statement.integer(0);
  statement.reset();
  return version;
}

std::int64_t Store::changes() const {
  return sqlite3_changes64(db_);
}

int Store::control(std::string_view sql, std::string* error) {
  Statement statement = use(sql);
  const int code = sqlite3_step(statement.handle());
  if (code == SQLITE_DONE || code == SQLITE_ROW) return SQLITE_OK;
  if (error) *error = sqlite3_errmsg(db_);
  return code;
}

void Store::begin(bool immediate) {
  std::string error;
  int code = control(immediate ? "BEGIN IMMEDIATE" : "BEGIN", &error);
  if (code != SQLITE_OK) raise(code, "begin transaction", error.c_str());
}

Store::Transaction::Transaction(Store& store, bool immediate) : store_(store) {
  if (store_.depth_ == 0) {
    store_.begin(immediate);
    store_.changes_at_begin_ = sqlite3_total_changes64(store_.db_);
    owner_ = true;
  }
  ++store_.depth_;
}

void Store::Transaction::commit() {
  done_ = true;
  --store_.depth_;
  if (!owner_) return;
  std::string error;
  int code = store_.control("COMMIT", &error);
  if (code != SQLITE_OK) {
    // A COMMIT that failed on a lock leaves the transaction open, one that failed on
    // I/O has rolled it back: end it either way, and report the commit's error.
    if (!sqlite3_get_autocommit(store_.db_)) sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    store_.raise(code, "commit", error.c_str());
  }
  if (sqlite3_total_changes64(store_.db_) != store_.changes_at_begin_) store_.announce_commit();
}

void Store::announce_commit() {
  // Waiters watch the folder with inotify, but SQLite's last step of a commit (the
  // -shm index) raises no event. Touching the database file's timestamps after the
  // commit is visible gives them one at the right moment (IN_ATTRIB), for one cheap
  // syscall; commits by other programs are caught by the waiters' settle checks.
  if (announce_fd_ >= 0) ::futimens(announce_fd_, nullptr);
}

Store::Transaction::~Transaction() {
  if (done_) return;
  --store_.depth_;
  // sqlite3_exec, not control(): a rollback is rare, and preparing may throw, which a
  // destructor must not.
  if (owner_) sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Store::refuse_foreign_database() {
  // Schema version 0 with tables: another program's database, given by mistake (a
  // wrong --db). Migrating would add the store's tables to it and switch it to WAL.
  // Read with the raw API so that a file that is no database at all gets raise()'s words.
  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v2(
      db_, "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master)", -1,
      &statement, nullptr);
  if (code == SQLITE_OK) code = sqlite3_step(statement);
  if (code != SQLITE_ROW) {
    const std::string error = sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    raise(code, "reading the schema", error.c_str());
  }
  const bool foreign = sqlite3_column_int64(statement, 0) == 0 && sqlite3_column_int64(statement, 1) > 0;
  sqlite3_finalize(statement);
  if (foreign)
    fail(ExitCode::failed,
         "cannot open store " + quote(path_) + ": it is an SQLite database of another program, not a Sheratan store");
}

void Store::migrate() {
  const auto& steps = schema_migrations();
  auto current = [&] {
    Statement statement = use("PRAGMA user_version");
    statement.step();
    auto version = statement.integer(0);
    statement.reset();
    return version;
  };
  const auto latest = static_cast<std::int64_t>(steps.size());
  auto version = current();
  if (version > latest)
    fail(ExitCode::failed, "store " + quote(path_) + " has schema version " + std::to_string(version) +
                               ", newer than this binary's " + std::to_string(latest) + ": upgrade Sheratan");
  if (version == latest) return;
  write([&] {
    // Another process may have migrated between our check and our lock.
    for (auto v = current(); v < latest; ++v) {
      // Named by its number: the message would otherwise quote the migration's whole SQL.
      char* error = nullptr;
      int code = sqlite3_exec(db_, steps[static_cast<std::size_t>(v)], nullptr, nullptr, &error);
      sqlite3_free(error);
      if (code != SQLITE_OK) raise(code, "migration " + std::to_string(v + 1) + " of the schema");
      exec(("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
    }
  });
}

}  // namespace sheratan
