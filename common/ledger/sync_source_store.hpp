#pragma once
// A replica's source that is the writer's store file, opened read-only: a replica
// never changes its source.

#include <memory>
#include <string>

#include "ledger/sync_source.hpp"

namespace sheratan::ledger {

/// Opens the store at path; throws Error(failed) when it cannot be opened or holds no
/// ledger. The source's name is the path made canonical, so that one writer reached
/// by two spellings is still one writer.
std::unique_ptr<SyncSource> open_store_source(const std::string& path);

/// path made absolute and canonical where it exists (the spelling replicas record).
std::string canonical_store_path(const std::string& path);

}  // namespace sheratan::ledger
