#pragma once
// reconcile: the settlement report from the journal. A charge is a transfer of a job
// to system:operator, a payout one of a job from it (settle writes both; the original
// ledger, once imported, may have charges that were never paid out).

#include "json/jsonl.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

/// {"charged","paid_out","revenue","jobs","average_margin","workers":{id: earnings},
///  "unpaid_jobs":[job ids charged without a payout]}
Json reconcile_settlements(Store& store);

}  // namespace sheratan::ledger
