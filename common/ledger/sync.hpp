#pragma once
// sync: a replica catches up from its writer: the writer's store file (opened
// read-only) or its journal feed over HTTP (see ledger/sync_source.hpp). Entries after
// the replica's last seq are read a page at a time, each checked (seq follows,
// prev_hash, recomputed hash, every rule) before it is applied; a page commits with
// the replica's cursor. At a divergence, or an entry that cannot be read, nothing past
// the last good entry is applied and the Error names the seq.

#include <functional>
#include <memory>
#include <string>

#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"
#include "ledger/sync_source.hpp"
#include "ledger/sync_source_http.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

struct SyncReport {
  std::string from;
  std::int64_t applied = 0;
  std::int64_t last_seq = 0;
  std::string last_hash;
  Json to_json() const;
};

/// The source that from names: a URL (http:// or https://, reached with the options),
/// else a store file. Throws Error(usage) when from is the replica itself.
std::unique_ptr<SyncSource> open_sync_source(const std::string& from, const Store& replica,
                                             HttpSourceOptions http = {});

/// progress(applied) is called after each committed page.
SyncReport sync_ledger(Store& replica, SyncSource& source, EpochMillis now,
                       const std::function<void(std::int64_t)>& progress = {});

/// sync_ledger from the store file at source_path.
SyncReport sync_from_store(Store& replica, const std::string& source_path, EpochMillis now,
                           const std::function<void(std::int64_t)>& progress = {});

}  // namespace sheratan::ledger
