#pragma once
// Where a replica's entries come from: the writer's store file, or its journal feed
// over HTTP (sheratan-serve's GET /v1/journal). A source only reads; sync (see
// ledger/sync.hpp) checks every entry and applies it, the same way for every source.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/error.hpp"
#include "ledger/entry.hpp"

namespace sheratan::ledger {

/// Entries in the source's order. An entry that could not be read stops a page: the
/// entries before it are still good to check and apply, and unreadable says where and
/// why the page stopped (sync applies the good ones, then fails with it).
struct SyncPage {
  std::vector<JournalEntry> entries;
  std::optional<Error> unreadable;
};

class SyncSource {
 public:
  virtual ~SyncSource() = default;
  /// What the replica records as its writer and reports: a store path or a URL.
  virtual const std::string& name() const = 0;
  /// The source's entry at seq, nullopt when it has none.
  virtual std::optional<JournalEntry> entry_at(std::int64_t seq) = 0;
  /// Up to page_size() entries after seq, oldest first. A page shorter than that is
  /// the end of the journal for now. Throws Error when the source cannot be read at
  /// all (unreachable, refused): nothing of the page is applied then.
  virtual SyncPage entries_after(std::int64_t seq) = 0;
  virtual std::int64_t page_size() const = 0;
};

}  // namespace sheratan::ledger
