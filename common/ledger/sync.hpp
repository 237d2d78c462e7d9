#pragma once
// sync: a replica catches up from its writer's store file (opened read-only). Entries
// after the replica's last seq are read in batches, each checked (seq follows,
// prev_hash, recomputed hash, every rule) before it is applied; a batch commits with
// the replica's cursor. At a divergence nothing past the last good entry is applied
// and Error(failed) names the seq.

#include <functional>
#include <string>

#include "cli/money.hpp"
#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

struct SyncReport {
  std::string from;
  std::int64_t applied = 0;
  std::int64_t last_seq = 0;
  std::string last_hash;
  Json to_json() const;
};

/// progress(applied) is called after each committed batch.
SyncReport sync_from_store(Store& replica, const std::string& source_path, EpochMillis now,
                           const std::function<void(std::int64_t)>& progress = {});

}  // namespace sheratan::ledger
