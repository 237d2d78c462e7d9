#pragma once
// import: the original Python ledger (ledger.json, the balances; ledger_events.jsonl,
// its hash-chained events) into this ledger, in one transaction. Events become
// transfers with ids "import:EVENT_ID", amounts converted exactly, in file order, with
// a new chain. What cannot be applied is skipped and reported; importing again
// changes nothing.

#include <functional>
#include <string>

#include "cli/money.hpp"
#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

/// Original money: a string "90.0000", an integer, or a float such as
/// 10.555599999999998 that is a whole number of 0.0001 but for float noise.
/// Throws Error(bad_input) otherwise.
MoneyUnits convert_original_amount(const Json& value);

/// progress(events) is called every few thousand events and once at the end.
/// Calls report() with one record per event skipped or duplicated
/// ({"line","event_id","skipped"}), and returns the summary
/// ({"imported","duplicates","skipped","accounts","mismatches":[{"account","original","ledger"}]}).
Json import_original(Store& store, const std::string& ledger_json, const std::string& events_jsonl, EpochMillis now,
                     const std::function<void(const Json&)>& report,
                     const std::function<void(std::int64_t)>& progress = {});

}  // namespace sheratan::ledger
