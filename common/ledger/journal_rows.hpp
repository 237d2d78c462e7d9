#pragma once
// Journal entries to and from the store's rows (sql::kLedgerEntryColumns).

#include <vector>

#include "ledger/entry.hpp"
#include "ledger/ledger_state.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

JournalEntry read_journal_entry(const Statement& row);

/// Inserts the entries with a few multi-row statements.
void insert_journal_entries(Store& store, const std::vector<JournalEntry>& entries);

/// Writes back what the session changed: new and changed accounts and holds.
void save_state(Store& store, LedgerState& state);

/// Loaders that read accounts and holds from the store, for LedgerState.
LedgerState::AccountLoader account_loader(Store& store);
LedgerState::HoldLoader hold_loader(Store& store);

}  // namespace sheratan::ledger
