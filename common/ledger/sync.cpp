#include "ledger/sync.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/ledger_writer.hpp"
#include "ledger/sync_source_store.hpp"
#include "store/sql/ledger_queries.hpp"

namespace sheratan::ledger {

Json SyncReport::to_json() const {
  return Json{{"from", from}, {"applied", applied}, {"last_seq", last_seq}, {"last_hash", last_hash}};
}

namespace {

struct Cursor {
  std::int64_t seq = 0;
  std::string hash{kGenesis};
};

/// The replica's last entry, read outside any write: the source is read before the
/// write transaction starts, so that the replica is not locked while a server answers.
Cursor replica_cursor(Store& replica) {
  Cursor cursor;
  Statement last = replica.use(sql::kLastLedgerEntry);
  if (last.step()) {
    cursor.seq = last.integer(0);
    cursor.hash = last.text(1);
  }
  return cursor;
}

void require_same_writer(Store& replica, const std::string& source) {
  if (auto writer = replica_source(replica); writer && *writer != source)
    fail(ExitCode::conflict,
         "store " + quote(replica.path()) + " is a replica of " + quote(*writer) + ", not " + quote(source));
}

}  // namespace

std::unique_ptr<SyncSource> open_sync_source(const std::string& from, const Store& replica, HttpSourceOptions http) {
  if (from.empty()) fail(ExitCode::usage, "--from names no writer");
  // Any scheme goes to the HTTP source, which names the ones it takes.
  if (from.find("://") != std::string::npos) return open_http_source(from, std::move(http));
  if (canonical_store_path(from) == canonical_store_path(replica.path()))
    fail(ExitCode::usage, "--from " + quote(from) + " is this store itself");
  return open_store_source(from);
}

SyncReport sync_ledger(Store& replica, SyncSource& source, EpochMillis now,
                       const std::function<void(std::int64_t)>& progress) {
  SyncReport report;
  report.from = source.name();
  require_same_writer(replica, source.name());  // before asking the source anything
  Cursor cursor = replica_cursor(replica);
  if (cursor.seq > 0) {
    // The replica's last entry must be the writer's entry at that seq.
    auto theirs = source.entry_at(cursor.seq);
    if (!theirs || theirs->hash != cursor.hash)
      fail(ExitCode::failed,
           "seq " + std::to_string(cursor.seq) + ": the replica has diverged from its writer (their entries differ)");
  }
  report.last_seq = cursor.seq;
  report.last_hash = cursor.hash;
  for (;;) {
    SyncPage page = source.entries_after(cursor.seq);
    std::optional<Error> stop;
    bool moved = false;
    const std::int64_t count = replica.write([&] {
      require_same_writer(replica, source.name());
      LedgerWriter writer(replica, now, LedgerWriter::Mode::sync);
      if (writer.last_seq() != cursor.seq) {
        // Another sync of this replica committed since the page was asked for: ask again
        // after its cursor (the chain check of the next entry covers what it applied).
        moved = true;
        return std::int64_t{0};
      }
      replica.use(sql::kSetLedgerMeta).bind(1, "replica_of").bind(2, source.name()).run();
      std::int64_t applied = 0;
      for (auto& entry : page.entries) {
        try {
          writer.append_verified(std::move(entry));
        } catch (const Error& error) {
          stop = error;  // what came before it is good and is committed
          break;
        }
        ++applied;
      }
      if (!stop) stop = std::move(page.unreadable);
      writer.flush();
      cursor = {writer.last_seq(), writer.last_hash()};
      return applied;
    });
    if (moved) {
      cursor = replica_cursor(replica);
      continue;
    }
    report.applied += count;
    report.last_seq = cursor.seq;
    report.last_hash = cursor.hash;
    if (progress) progress(report.applied);
    if (stop) throw *stop;
    if (static_cast<std::int64_t>(page.entries.size()) < source.page_size()) break;
  }
  return report;
}

SyncReport sync_from_store(Store& replica, const std::string& source_path, EpochMillis now,
                           const std::function<void(std::int64_t)>& progress) {
  auto source = open_sync_source(source_path, replica);
  return sync_ledger(replica, *source, now, progress);
}

}  // namespace sheratan::ledger
