// Unit tests for common/store/store: opening, file modes, pragmas, migrations,
// transactions and busy handling.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "cli/error.hpp"
#include "store/sql/schema.hpp"
#include "store/store.hpp"
#include "support/test_support.hpp"

using sheratan::Error;
using sheratan::ExitCode;
using sheratan::Store;
using sheratan::StoreOptions;

using sheratan::testing::error_of;
using sheratan::testing::TempDir;

namespace {

// A raw SQLite connection, independent of Store, for poking at the file.
class RawConnection {
 public:
  explicit RawConnection(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  }
  ~RawConnection() { sqlite3_close_v2(db_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_ = nullptr;
};

StoreOptions options_for(const std::string& path) {
  StoreOptions options;
  options.path = path;
  return options;
}

std::string text_pragma(Store& store, const char* sql) {
  auto statement = store.use(sql);
  REQUIRE(statement.step());
  std::string value = statement.text(0);
  statement.reset();
  return value;
}

std::int64_t integer_query(Store& store, const char* sql) {
  auto statement = store.use(sql);
  REQUIRE(statement.step());
  std::int64_t value = statement.integer(0);
  statement.reset();
  return value;
}

std::int64_t count_rows(Store& store) {
  return integer_query(store, "SELECT count(*) FROM t");
}

unsigned permissions_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return static_cast<unsigned>(info.st_mode) & 07777u;
}

struct BodyFailed : std::runtime_error {
  BodyFailed() : std::runtime_error("body failed") {}
};

}  // namespace

TEST_CASE("Store::open creates the file 0600 and a missing folder 0700", "[store]") {
  TempDir dir;
  const std::string folder = dir.file("data");
  const std::string path = folder + "/sheratan.db";
  REQUIRE_FALSE(std::filesystem::exists(folder));
  auto store = Store::open(options_for(path));
  REQUIRE(store != nullptr);
  CHECK(store->path() == path);
  CHECK(std::filesystem::is_regular_file(path));
  CHECK(permissions_of(path) == 0600u);
  CHECK(permissions_of(folder) == 0700u);
}

TEST_CASE("Store::open sets WAL mode, foreign keys and synchronous", "[store]") {
  TempDir dir;
  SECTION("durable") {
    auto store = Store::open(options_for(dir.file("s.db")));
    CHECK(text_pragma(*store, "PRAGMA journal_mode") == "wal");
    CHECK(integer_query(*store, "PRAGMA foreign_keys") == 1);
    CHECK(integer_query(*store, "PRAGMA synchronous") == 2);  // FULL
  }
  SECTION("not durable") {
    StoreOptions options = options_for(dir.file("s.db"));
    options.durable = false;
    auto store = Store::open(options);
    CHECK(integer_query(*store, "PRAGMA synchronous") == 1);  // NORMAL
  }
}

TEST_CASE("Store::open migrates to the latest schema and reopens", "[store]") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  const auto latest = static_cast<std::int64_t>(sheratan::schema_migrations().size());
  REQUIRE(latest >= 1);
  {
    auto store = Store::open(options_for(path));
    CHECK(integer_query(*store, "PRAGMA user_version") == latest);
    CHECK(integer_query(*store, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'jobs'") == 1);
    store->exec("CREATE TABLE t (x INTEGER)");
    store->exec("INSERT INTO t VALUES (42)");
  }
  auto reopened = Store::open(options_for(path));
  CHECK(integer_query(*reopened, "PRAGMA user_version") == latest);
  CHECK(integer_query(*reopened, "SELECT x FROM t") == 42);
  CHECK(text_pragma(*reopened, "PRAGMA journal_mode") == "wal");
}

TEST_CASE("migrations 2 and 5 keep the rows of a version-1 store and still check statuses", "[store]") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  {
    // A store as a release with migration 1 alone left it, holding one job.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, sheratan::schema_migrations().at(0), nullptr, nullptr, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "PRAGMA user_version=1; INSERT INTO jobs (seq, id, kind, queue, params, labels, priority, "
                         "status, run_at, created_at, updated_at, max_attempts, timeout_ms, backoff_ms, "
                         "backoff_max_ms, depends_on) VALUES (7, 'j-7', 'k', 'default', '{\"n\":1}', '{}', 10, "
                         "'ready', 1, 1, 1, 5, 1000, 500, 1000, '[]')",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  auto store = Store::open(options_for(path));
  CHECK(integer_query(*store, "PRAGMA user_version") ==
        static_cast<std::int64_t>(sheratan::schema_migrations().size()));
  CHECK(integer_query(*store, "SELECT seq FROM jobs WHERE id = 'j-7' AND params = '{\"n\":1}'") == 7);
  CHECK(integer_query(*store, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'") == 9);
  // Migration 5: a job from before the gates came in from the command line, unjudged.
  CHECK(integer_query(*store, "SELECT count(*) FROM jobs WHERE seq = 7 AND source = 'cli' AND gate_report IS NULL") ==
        1);
  Error error = error_of([&] { store->exec("UPDATE jobs SET status = 'bogus' WHERE seq = 7"); });
  CHECK_THAT(error.what(), Catch::Matchers::Contains("CHECK constraint failed"));
  store->exec("UPDATE jobs SET status = 'quarantined' WHERE seq = 7");
  Error source = error_of([&] { store->exec("UPDATE jobs SET source = 'output' WHERE seq = 7"); });
  CHECK_THAT(source.what(), Catch::Matchers::Contains("CHECK constraint failed"));
}

TEST_CASE("the hot tables check their enumerations with ORs, not IN lists, and still refuse others", "[store]") {
  TempDir dir;
  auto store = Store::open(options_for(dir.file("s.db")));
  // An IN list in a CHECK fills a temporary b-tree for every row written (migrations 2, 6).
  for (const char* table : {"jobs", "ledger_journal", "ledger_holds"}) {
    INFO(table);
    const std::string sql = text_pragma(
        *store, ("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '" + std::string(table) + "'").c_str());
    CHECK(sql.find(" IN (") == std::string::npos);
  }
  store->exec("INSERT INTO ledger_journal (type, id, ts, prev_hash, hash) VALUES ('open', 'a', 1, 'GENESIS', 'h')");
  Error error = error_of([&] { store->exec("UPDATE ledger_journal SET type = 'edit'"); });
  CHECK_THAT(error.what(), Catch::Matchers::Contains("CHECK constraint failed"));
  store->exec("INSERT INTO ledger_holds VALUES ('h', 'a', 'b', 1, 1, 'pending', NULL)");
  Error hold = error_of([&] { store->exec("UPDATE ledger_holds SET status = 'lost'"); });
  CHECK_THAT(hold.what(), Catch::Matchers::Contains("CHECK constraint failed"));
}

TEST_CASE("Store::open refuses a store with a newer schema", "[store]") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  const auto latest = static_cast<std::int64_t>(sheratan::schema_migrations().size());
  { auto store = Store::open(options_for(path)); }
  {
    RawConnection raw(path);
    REQUIRE(raw.exec(("PRAGMA user_version=" + std::to_string(latest + 1)).c_str()) == SQLITE_OK);
  }
  Error error = error_of([&] { Store::open(options_for(path)); });
  CHECK(error.code() == ExitCode::failed);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("newer") && Catch::Matchers::Contains("'" + path + "'"));
}

TEST_CASE("a migration that fails is named by its number, not quoted whole", "[store]") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  { auto store = Store::open(options_for(path)); }
  {
    // A store whose version says 2 but that holds migration 3's tables already.
    RawConnection raw(path);
    REQUIRE(raw.exec("PRAGMA user_version=2") == SQLITE_OK);
  }
  Error error = error_of([&] { Store::open(options_for(path)); });
  CHECK_THAT(error.what(),
             Catch::Matchers::Contains("migration 3 of the schema") && Catch::Matchers::Contains("already exists"));
  CHECK_THAT(error.what(), !Catch::Matchers::Contains("CREATE TABLE"));
  RawConnection raw(path);
  CHECK(raw.exec("SELECT 1 FROM state_events") == SQLITE_OK);
}

namespace {

std::uintmax_t file_size_of(const std::string& path) {
  return std::filesystem::exists(path) ? std::filesystem::file_size(path) : 0;
}

std::string first_bytes(const std::string& path, std::size_t count) {
  std::string bytes(count, '\0');
  FILE* file = std::fopen(path.c_str(), "rb");
  REQUIRE(file != nullptr);
  bytes.resize(std::fread(bytes.data(), 1, count, file));
  std::fclose(file);
  return bytes;
}

}  // namespace

TEST_CASE("a closing connection empties a long WAL but keeps the -wal file's blocks", "[store]") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  const std::string wal = path + "-wal";
  {
    auto store = Store::open(options_for(path));
    store->exec("CREATE TABLE t (x INTEGER)");
    for (int i = 0; i < 40; ++i)  // a frame or more each: past the close checkpoint's 32
      store->write([&] { store->exec("INSERT INTO t VALUES (1)"); });
  }
  // Checkpointed: the header is no longer valid, the length is kept for the next commits.
  const auto kept = file_size_of(wal);
  CHECK(kept > 40u * 4096u);
  CHECK(first_bytes(wal, 32) == std::string(32, '\0'));
  {
    auto store = Store::open(options_for(path));
    CHECK(count_rows(*store) == 40);
    store->write([&] { store->exec("INSERT INTO t VALUES (2)"); });
  }
  CHECK(file_size_of(wal) == kept);  // overwritten from its start, not appended to
  CHECK(first_bytes(wal, 32) != std::string(32, '\0'));
  {
    // SQLite's own VFS reads the new frames and not the stale ones behind them.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*), sum(x) FROM t", -1, &statement, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    CHECK(sqlite3_column_int64(statement, 0) == 41);
    CHECK(sqlite3_column_int64(statement, 1) == 42);
    sqlite3_finalize(statement);
    sqlite3_close(db);
  }
}

// The VFS gathers a commit's frames into few writes (wal_vfs.cpp); another connection
// must find each committed frame in the -wal file the moment the commit returns, with
// the writer still open, and also when the commit does not sync (synchronous=NORMAL).
TEST_CASE("a commit's frames are in the -wal file when it returns, synced or not", "[store]") {
  for (const bool durable : {true, false}) {
    TempDir dir;
    const std::string path = dir.file("s.db");
    StoreOptions options = options_for(path);
    options.durable = durable;
    auto writer = Store::open(options);
    writer->exec("CREATE TABLE t (n INTEGER, pad BLOB)");
    sqlite3* reader = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* sum = nullptr;
    REQUIRE(sqlite3_prepare_v2(reader, "SELECT count(*), sum(n), sum(length(pad)) FROM t", -1, &sum, nullptr) ==
            SQLITE_OK);
    std::int64_t rows = 0, total = 0;
    for (int commit = 1; commit <= 3; ++commit) {
      // 100 rows of 1,000 bytes: some 30 pages, more than one write's worth of frames.
      writer->write([&] {
        for (int i = 0; i < 100; ++i) {
          writer->use("INSERT INTO t VALUES (?1, zeroblob(1000))").bind(1, std::int64_t{commit * 1000 + i}).run();
          ++rows;
          total += commit * 1000 + i;
        }
      });
      CAPTURE(durable, commit);
      REQUIRE(sqlite3_step(sum) == SQLITE_ROW);
      CHECK(sqlite3_column_int64(sum, 0) == rows);
      CHECK(sqlite3_column_int64(sum, 1) == total);
      CHECK(sqlite3_column_int64(sum, 2) == rows * 1000);
      sqlite3_reset(sum);
    }
    sqlite3_finalize(sum);
    sqlite3_close(reader);
  }
}

// A writer that dies the moment its commit returns (no close, no later write) must leave
// a WAL that the next opener recovers the commit from: SQLite checks each frame's
// checksum there. The transaction is big enough to spill pages to the WAL before it
// commits and then change them again, which makes SQLite rewrite the checksums of its
// frames, the commit frame's last, after the commit's page is written.
TEST_CASE("a commit survives its writer's sudden exit, synced or not", "[store]") {
  for (const bool durable : {true, false}) {
    TempDir dir;
    const std::string path = dir.file("s.db");
    {
      auto store = Store::open(options_for(path));
      store->exec("CREATE TABLE t (n INTEGER PRIMARY KEY, pad BLOB)");
    }
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      StoreOptions options = options_for(path);
      options.durable = durable;
      auto store = Store::open(options);
      // A small cache, so that it spills; fewer frames than a checkpoint after the commit
      // would take (which reads the WAL back, and so writes whatever waits).
      store->exec("PRAGMA cache_size=50");
      store->write([&] {
        store->exec(
            "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 600) "
            "INSERT INTO t SELECT n, zeroblob(4000) FROM k");
        store->exec("UPDATE t SET pad = zeroblob(3999) WHERE n <= 20");
      });
      _exit(0);  // as if killed: no destructor, no close, nothing written after the commit
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CAPTURE(durable);
    auto store = Store::open(options_for(path));
    CHECK(integer_query(*store, "SELECT count(*) FROM t") == 600);
    CHECK(integer_query(*store, "SELECT sum(length(pad)) FROM t") == 600 * 4000 - 20);
  }
}

TEST_CASE("a closing connection truncates a WAL past 4 MiB", "[store]") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  {
    auto store = Store::open(options_for(path));
    store->exec("CREATE TABLE t (x BLOB)");
    store->write([&] { store->exec("INSERT INTO t SELECT zeroblob(5000000)"); });
    for (int i = 0; i < 40; ++i)  // past the close checkpoint's 32 frames again
      store->write([&] { store->exec("INSERT INTO t VALUES (x'00')"); });
    CHECK(file_size_of(path + "-wal") > (4u << 20));
  }
  CHECK(file_size_of(path + "-wal") == 0);
  auto store = Store::open(options_for(path));
  CHECK(integer_query(*store, "SELECT max(length(x)) FROM t") == 5000000);
}

TEST_CASE("the first connection to open a store resets a stale -shm index", "[store]") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  auto read_file = [](const std::string& file) {
    std::string bytes(static_cast<std::size_t>(std::filesystem::file_size(file)), '\0');
    FILE* in = std::fopen(file.c_str(), "rb");
    REQUIRE(in != nullptr);
    REQUIRE(std::fread(bytes.data(), 1, bytes.size(), in) == bytes.size());
    std::fclose(in);
    return bytes;
  };
  {
    auto store = Store::open(options_for(path));
    store->exec("CREATE TABLE t (x INTEGER)");
    store->exec("INSERT INTO t VALUES (1)");
  }
  // A valid index of an older WAL: trusted, it would hide the newer frame.
  const std::string stale = read_file(path + "-shm");
  {
    auto store = Store::open(options_for(path));
    store->exec("INSERT INTO t VALUES (2)");
  }
  REQUIRE(read_file(path + "-shm") != stale);
  {
    FILE* out = std::fopen((path + "-shm").c_str(), "r+b");
    REQUIRE(out != nullptr);
    REQUIRE(std::fwrite(stale.data(), 1, stale.size(), out) == stale.size());
    std::fclose(out);
  }
  auto store = Store::open(options_for(path));
  CHECK(count_rows(*store) == 2);
  CHECK(text_pragma(*store, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("Store::open with create=false refuses a missing path", "[store]") {
  TempDir dir;
  StoreOptions options = options_for(dir.file("absent.db"));
  options.create = false;
  Error error = error_of([&] { Store::open(options); });
  CHECK(error.code() == ExitCode::failed);
  CHECK_THAT(error.what(),
             Catch::Matchers::Contains("'" + options.path + "'") && Catch::Matchers::Contains("does not exist"));
  CHECK_FALSE(std::filesystem::exists(options.path));

  SECTION("but opens an existing one") {
    { auto created = Store::open(options_for(options.path)); }
    auto store = Store::open(options);
    CHECK(store != nullptr);
  }
}

TEST_CASE("Store::open refuses a file that is not a database", "[store]") {
  TempDir dir;
  const std::string path = dir.file("junk.db");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    REQUIRE(file != nullptr);
    std::fputs("this is not an SQLite database, just some text that is long enough to matter\n", file);
    std::fclose(file);
  }
  Error error = error_of([&] { Store::open(options_for(path)); });
  CHECK(error.code() == ExitCode::failed);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("'" + path + "'"));
}

TEST_CASE("Store::write commits, and rolls back when the body throws", "[store]") {
  TempDir dir;
  auto store = Store::open(options_for(dir.file("s.db")));
  store->exec("CREATE TABLE t (x INTEGER)");

  SECTION("a returning body commits and passes its value through") {
    int result = store->write([&] {
      store->use("INSERT INTO t VALUES (?1)").bind(1, 1).run();
      return 7;
    });
    CHECK(result == 7);
    CHECK(count_rows(*store) == 1);
    // Visible from another connection: it was committed.
    auto other = Store::open(options_for(store->path()));
    CHECK(count_rows(*other) == 1);
  }
  SECTION("a throwing body leaves nothing behind") {
    CHECK_THROWS_AS(store->write([&] {
      store->use("INSERT INTO t VALUES (?1)").bind(1, 1).run();
      throw BodyFailed();
    }),
                    BodyFailed);
    CHECK(count_rows(*store) == 0);
    CHECK(sqlite3_get_autocommit(store->handle()) != 0);  // no transaction left open
    // The store is usable afterwards.
    store->write([&] { store->use("INSERT INTO t VALUES (?1)").bind(1, 2).run(); });
    CHECK(count_rows(*store) == 1);
  }
  SECTION("a failing statement rolls back the earlier ones") {
    store->exec("CREATE TABLE u (x INTEGER PRIMARY KEY)");
    Error error = error_of([&] {
      store->write([&] {
        store->use("INSERT INTO t VALUES (?1)").bind(1, 1).run();
        store->use("INSERT INTO u VALUES (?1)").bind(1, 1).run();
        store->use("INSERT INTO u VALUES (?1)").bind(1, 1).run();  // duplicate key
      });
    });
    CHECK(error.code() == ExitCode::conflict);
    CHECK(count_rows(*store) == 0);
    CHECK(integer_query(*store, "SELECT count(*) FROM u") == 0);
  }
}

TEST_CASE("Store::write nested calls join the outer transaction", "[store]") {
  TempDir dir;
  auto store = Store::open(options_for(dir.file("s.db")));
  store->exec("CREATE TABLE t (x INTEGER)");
  auto other = Store::open(options_for(store->path()));

  SECTION("the inner write commits only with the outer") {
    store->write([&] {
      store->use("INSERT INTO t VALUES (1)").run();
      store->write([&] { store->use("INSERT INTO t VALUES (2)").run(); });
      CHECK(sqlite3_get_autocommit(store->handle()) == 0);  // still inside the outer
      CHECK(count_rows(*other) == 0);                       // nothing committed yet
    });
    CHECK(count_rows(*store) == 2);
    CHECK(count_rows(*other) == 2);
  }
  SECTION("a throw in the inner write rolls back the outer") {
    CHECK_THROWS_AS(store->write([&] {
      store->use("INSERT INTO t VALUES (1)").run();
      store->write([&] {
        store->use("INSERT INTO t VALUES (2)").run();
        throw BodyFailed();
      });
    }),
                    BodyFailed);
    CHECK(count_rows(*store) == 0);
    CHECK(sqlite3_get_autocommit(store->handle()) != 0);
  }
  SECTION("a throw in the outer after the inner returned rolls back both") {
    CHECK_THROWS_AS(store->write([&] {
      store->write([&] { store->use("INSERT INTO t VALUES (2)").run(); });
      throw BodyFailed();
    }),
                    BodyFailed);
    CHECK(count_rows(*store) == 0);
  }
}

TEST_CASE("Store::read sees one snapshot", "[store]") {
  TempDir dir;
  auto store = Store::open(options_for(dir.file("s.db")));
  store->exec("CREATE TABLE t (x INTEGER)");
  auto other = Store::open(options_for(store->path()));
  std::int64_t before = -1, after = -1;
  store->read([&] {
    before = count_rows(*store);
    other->write([&] { other->use("INSERT INTO t VALUES (1)").run(); });
    after = count_rows(*store);
  });
  CHECK(before == 0);
  CHECK(after == 0);  // WAL snapshot isolation inside the read
  CHECK(count_rows(*store) == 1);
}

TEST_CASE("Store::data_version changes after a commit by another connection", "[store]") {
  TempDir dir;
  auto first = Store::open(options_for(dir.file("s.db")));
  first->exec("CREATE TABLE t (x INTEGER)");
  auto second = Store::open(options_for(first->path()));

  const auto initial = first->data_version();
  CHECK(first->data_version() == initial);  // nothing happened

  second->write([&] { second->use("INSERT INTO t VALUES (1)").run(); });
  const auto after_other = first->data_version();
  CHECK(after_other != initial);

  // The connection's own commits do not change its data_version (SQLite's rule).
  first->write([&] { first->use("INSERT INTO t VALUES (2)").run(); });
  CHECK(first->data_version() == after_other);

  // A rolled-back write by the other connection changes nothing either.
  CHECK_THROWS_AS(second->write([&] {
    second->use("INSERT INTO t VALUES (3)").run();
    throw BodyFailed();
  }),
                  BodyFailed);
  CHECK(first->data_version() == after_other);
}

TEST_CASE("Store::write is unavailable while another connection holds the write lock", "[store]") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  StoreOptions options = options_for(path);
  options.busy_timeout_ms = 50;
  auto store = Store::open(options);
  store->exec("CREATE TABLE t (x INTEGER)");

  RawConnection holder(path);
  REQUIRE(holder.exec("BEGIN IMMEDIATE") == SQLITE_OK);
  REQUIRE(holder.exec("INSERT INTO t VALUES (99)") == SQLITE_OK);

  const auto started = std::chrono::steady_clock::now();
  Error error = error_of([&] { store->write([&] { store->use("INSERT INTO t VALUES (1)").run(); }); });
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  CHECK(error.code() == ExitCode::unavailable);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("busy") && Catch::Matchers::Contains("'" + path + "'"));
  // It gave up after about busy_timeout_ms, not the 10 s default (a generous bound).
  CHECK(waited < 5'000);
  CHECK(sqlite3_get_autocommit(store->handle()) != 0);

  // Reads still work in WAL mode, and see only committed data.
  CHECK(count_rows(*store) == 0);

  // Once the lock is gone, writing works again.
  REQUIRE(holder.exec("ROLLBACK") == SQLITE_OK);
  store->write([&] { store->use("INSERT INTO t VALUES (1)").run(); });
  CHECK(count_rows(*store) == 1);
}

TEST_CASE("Store::use caches statements and resets them", "[store]") {
  TempDir dir;
  auto store = Store::open(options_for(dir.file("s.db")));
  store->exec("CREATE TABLE t (x INTEGER, y TEXT)");
  const char* insert = "INSERT INTO t VALUES (?1, ?2)";
  auto first = store->use(insert);
  auto second = store->use(insert);
  CHECK(first.handle() == second.handle());
  store->use(insert).bind(1, 1).bind(2, "one").run();
  // Bindings are cleared by the next use(): an unbound parameter is NULL.
  store->use(insert).bind(1, 2).run();
  store->use(insert).bind(1, std::optional<std::int64_t>()).bind(2, std::optional<std::string>("three")).run();

  auto select = store->use("SELECT x, y FROM t ORDER BY rowid");
  REQUIRE(select.step());
  CHECK(select.integer(0) == 1);
  CHECK(select.text(1) == "one");
  CHECK(select.optional_text(1) == std::optional<std::string>("one"));
  REQUIRE(select.step());
  CHECK(select.integer(0) == 2);
  CHECK(select.is_null(1));
  CHECK_FALSE(select.optional_text(1).has_value());
  REQUIRE(select.step());
  CHECK_FALSE(select.optional_integer(0).has_value());
  CHECK(select.text(1) == "three");
  CHECK_FALSE(select.step());
  CHECK(store->changes() == 1);
}

TEST_CASE("Store reports SQL errors as Error", "[store]") {
  TempDir dir;
  auto store = Store::open(options_for(dir.file("s.db")));
  CHECK(error_of([&] { store->exec("NOT SQL AT ALL"); }).code() == ExitCode::failed);
  CHECK(error_of([&] { store->use("SELECT * FROM no_such_table"); }).code() == ExitCode::failed);
}
