#include "ledger/sync.hpp"

#include <filesystem>
#include <memory>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/journal_rows.hpp"
#include "ledger/ledger_writer.hpp"
#include "store/sql/ledger_queries.hpp"

namespace sheratan::ledger {

Json SyncReport::to_json() const {
  return Json{{"from", from}, {"applied", applied}, {"last_seq", last_seq}, {"last_hash", last_hash}};
}

namespace {

constexpr std::int64_t kSyncBatch = 20'000;

/// The writer's store, read-only: a replica never changes its source.
class SourceStore {
 public:
  explicit SourceStore(const std::string& path) : path_(path) {
    if (path.find("://") != std::string::npos)
      fail(ExitCode::usage, "--from " + quote(path) + ": only store files can be synced from for now");
    sqlite3* db = nullptr;
    int code = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    db_.reset(db);
    if (code != SQLITE_OK)
      fail(ExitCode::failed, "cannot open source store " + quote(path) + ": " + sqlite3_errstr(code));
    sqlite3_busy_timeout(db, 10'000);
    Statement has_ledger = prepare(sql::kSourceHasLedger);
    if (!has_ledger.step() || has_ledger.integer(0) == 0)
      fail(ExitCode::failed, "source store " + quote(path) + " has no ledger");
  }

  /// A statement that is finalized with its owner.
  Statement prepare(std::string_view text) {
    sqlite3_stmt* handle = nullptr;
    int code = sqlite3_prepare_v2(db_.get(), text.data(), static_cast<int>(text.size()), &handle, nullptr);
    if (code != SQLITE_OK)
      fail(ExitCode::failed, "cannot read source store " + quote(path_) + ": " + sqlite3_errmsg(db_.get()));
    statements_.emplace_back(handle);
    return Statement(handle);
  }

  void begin() { sqlite3_exec(db_.get(), "BEGIN", nullptr, nullptr, nullptr); }
  void end() { sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr); }

 private:
  struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  std::string path_;
  std::unique_ptr<sqlite3, CloseDb> db_;
  std::vector<std::unique_ptr<sqlite3_stmt, Finalize>> statements_;
};

std::string canonical_path(const std::string& path) {
  std::error_code error;
  auto resolved = std::filesystem::weakly_canonical(path, error);
  return error ? path : resolved.string();
}

}  // namespace

SyncReport sync_from_store(Store& replica, const std::string& source_path, EpochMillis now,
                           const std::function<void(std::int64_t)>& progress) {
  const std::string source_name = canonical_path(source_path);
  if (source_name == canonical_path(replica.path()))
    fail(ExitCode::usage, "--from " + quote(source_path) + " is this store itself");
  SourceStore source(source_path);
  SyncReport report;
  report.from = source_name;
  Statement page = source.prepare(sql::kLedgerEntriesAfter);
  Statement at_seq = source.prepare(sql::kLedgerEntryBySeq);
  for (bool first = true;; first = false) {
    std::optional<Error> divergence;
    const std::int64_t count = replica.write([&] {
      if (auto writer = replica_source(replica); writer && *writer != source_name)
        fail(ExitCode::conflict,
             "store " + quote(replica.path()) + " is a replica of " + quote(*writer) + ", not " + quote(source_name));
      LedgerWriter writer(replica, now, LedgerWriter::Mode::sync);
      replica.use(sql::kSetLedgerMeta).bind(1, "replica_of").bind(2, source_name).run();
      source.begin();
      if (first && writer.last_seq() > 0) {
        // The replica's last entry must be the writer's entry at that seq.
        at_seq.reset();
        at_seq.bind(1, writer.last_seq());
        if (!at_seq.step() || read_journal_entry(at_seq).hash != writer.last_hash())
          fail(ExitCode::failed, "seq " + std::to_string(writer.last_seq()) +
                                     ": the replica has diverged from its writer (their entries differ)");
        at_seq.reset();
      }
      page.reset();
      page.bind(1, writer.last_seq()).bind(2, kSyncBatch);
      std::int64_t applied = 0;
      while (page.step()) {
        try {
          writer.append_verified(read_journal_entry(page));
        } catch (const Error& error) {
          divergence = error;  // what came before it is good and is committed
          break;
        }
        ++applied;
      }
      page.reset();
      source.end();
      writer.flush();
      report.last_seq = writer.last_seq();
      report.last_hash = writer.last_hash();
      return applied;
    });
    report.applied += count;
    if (progress) progress(report.applied);
    if (divergence) throw *divergence;
    if (count < kSyncBatch) break;
  }
  return report;
}

}  // namespace sheratan::ledger
