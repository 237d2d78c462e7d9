#include "ledger/sync_source_store.hpp"

#include <filesystem>

#include "cli/message.hpp"
#include "ledger/journal_rows.hpp"
#include "store/sql/ledger_queries.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

namespace {

// Twice the HTTP page: a file is read without round trips, and a larger batch means
// fewer commits (each an fsync) on the replica.
constexpr std::int64_t kStorePage = 20'000;

class StoreSource final : public SyncSource {
 public:
  explicit StoreSource(const std::string& path) : path_(path), name_(canonical_store_path(path)) {
    sqlite3* db = nullptr;
    int code = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    db_.reset(db);
    if (code != SQLITE_OK)
      fail(ExitCode::failed, "cannot open source store " + quote(path) + ": " + sqlite3_errstr(code));
    sqlite3_busy_timeout(db, 10'000);
    Statement has_ledger = prepare(sql::kSourceHasLedger);
    if (!has_ledger.step() || has_ledger.integer(0) == 0)
      fail(ExitCode::failed, "source store " + quote(path) + " has no ledger");
    page_ = prepare(sql::kLedgerEntriesAfter).handle();
    at_seq_ = prepare(sql::kLedgerEntryBySeq).handle();
  }

  const std::string& name() const override { return name_; }
  std::int64_t page_size() const override { return kStorePage; }

  std::optional<JournalEntry> entry_at(std::int64_t seq) override {
    Statement row(at_seq_);  // reset when it goes
    row.bind(1, seq);
    if (!row.step()) return std::nullopt;
    SyncPage one = read_row(row);
    if (one.unreadable) throw *one.unreadable;
    return std::move(one.entries.front());
  }

  SyncPage entries_after(std::int64_t seq) override {
    // One statement reads one snapshot: a writer committing meanwhile cannot tear the page.
    SyncPage page;
    page.entries.reserve(static_cast<std::size_t>(kStorePage));
    Statement rows(page_);  // reset when it goes: no read transaction is left open
    rows.bind(1, seq).bind(2, kStorePage);
    while (rows.step()) {
      SyncPage one = read_row(rows);
      if (one.unreadable) {
        page.unreadable = std::move(one.unreadable);
        break;
      }
      page.entries.push_back(std::move(one.entries.front()));
    }
    return page;
  }

 private:
  /// One row as an entry, or why it is not one (a type this binary does not know).
  static SyncPage read_row(const Statement& row) {
    SyncPage one;
    try {
      one.entries.push_back(read_journal_entry(row));
    } catch (const Error& error) {
      one.unreadable = Error(error.code(), "seq " + std::to_string(row.integer(0)) + ": " + error.what());
    }
    return one;
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

  struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct Finalize {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  std::string path_, name_;
  std::unique_ptr<sqlite3, CloseDb> db_;
  std::vector<std::unique_ptr<sqlite3_stmt, Finalize>> statements_;  // declared after db_: finalized first
  sqlite3_stmt* page_ = nullptr;                                     // owned by statements_
  sqlite3_stmt* at_seq_ = nullptr;                                   // owned by statements_
};

}  // namespace

std::string canonical_store_path(const std::string& path) {
  std::error_code error;
  auto resolved = std::filesystem::weakly_canonical(path, error);
  return error ? path : resolved.string();
}

std::unique_ptr<SyncSource> open_store_source(const std::string& path) {
  return std::make_unique<StoreSource>(path);
}

}  // namespace sheratan::ledger
