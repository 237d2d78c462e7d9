#include "ledger/journal_rows.hpp"

#include <algorithm>

#include "store/sql/ledger_queries.hpp"
#include "store/sql/queue_queries.hpp"

namespace sheratan::ledger {

JournalEntry read_journal_entry(const Statement& row) {
  JournalEntry entry;
  entry.seq = row.integer(0);
  entry.type = parse_entry_type(row.text_view(1));
  entry.id = row.text(2);
  entry.from = row.optional_text(3);
  entry.to = row.optional_text(4);
  entry.amount = row.optional_integer(5);
  entry.reason = row.optional_text(6);
  entry.job = row.optional_text(7);
  entry.kind = row.optional_text(8);
  entry.expires_at = row.optional_integer(9);
  entry.ts = row.integer(10);
  entry.prev_hash = row.text(11);
  entry.hash = row.text(12);
  return entry;
}

void insert_journal_entries(Store& store, const std::vector<JournalEntry>& entries) {
  constexpr std::size_t kRowsPerStatement = 500;
  for (std::size_t start = 0; start < entries.size(); start += kRowsPerStatement) {
    const std::size_t rows = std::min(kRowsPerStatement, entries.size() - start);
    std::string sql_text = sql::multi_row_insert(sql::kInsertLedgerEntryPrefix, sql::kInsertLedgerEntryColumns, rows);
    // Full chunks reuse one cached statement; the store keeps the text alive. The
    // entries outlive the run, so their text is bound without copies.
    Statement insert = store.use(sql_text);
    int at = 0;
    for (std::size_t i = start; i < start + rows; ++i, at += sql::kInsertLedgerEntryColumns) {
      const JournalEntry& entry = entries[i];
      insert.bind(at + 1, entry.seq)
          .bind_static(at + 2, std::string_view(to_string(entry.type)))
          .bind_static(at + 3, entry.id)
          .bind_static(at + 4, entry.from)
          .bind_static(at + 5, entry.to)
          .bind(at + 6, entry.amount)
          .bind_static(at + 7, entry.reason)
          .bind_static(at + 8, entry.job)
          .bind_static(at + 9, entry.kind)
          .bind(at + 10, entry.expires_at)
          .bind(at + 11, entry.ts)
          .bind_static(at + 12, entry.prev_hash)
          .bind_static(at + 13, entry.hash);
    }
    insert.run();
    insert.reset();  // drops the bindings before the entries can change
  }
}

void save_state(Store& store, LedgerState& state) {
  for (auto& [id, account] : state.accounts()) {
    if (account.is_new) {
      store.use(sql::kInsertLedgerAccount)
          .bind(1, id)
          .bind(2, account.kind)
          .bind(3, account.allow_negative ? 1 : 0)
          .bind(4, account.balance)
          .bind(5, account.held)
          .bind(6, account.created_at)
          .run();
    } else if (account.dirty) {
      store.use(sql::kUpdateLedgerAccount).bind(1, id).bind(2, account.balance).bind(3, account.held).run();
    }
    account.is_new = account.dirty = false;
  }
  for (auto& [id, hold] : state.holds()) {
    if (hold.is_new) {
      store.use(sql::kInsertLedgerHold)
          .bind(1, id)
          .bind(2, hold.from)
          .bind(3, hold.to)
          .bind(4, hold.amount)
          .bind(5, hold.expires_at)
          .bind(6, to_string(hold.status))
          .bind(7, hold.posted)
          .run();
    } else if (hold.dirty) {
      store.use(sql::kUpdateLedgerHold).bind(1, id).bind(2, to_string(hold.status)).bind(3, hold.posted).run();
    }
    hold.is_new = hold.dirty = false;
  }
}

LedgerState::AccountLoader account_loader(Store& store) {
  return [&store](const std::string& id) -> std::optional<AccountState> {
    Statement row = store.use(sql::kLedgerAccount);
    row.bind(1, id);
    if (!row.step()) return std::nullopt;
    return AccountState{row.text(0), row.integer(1) != 0, row.integer(2), row.integer(3), row.integer(4), false, false};
  };
}

LedgerState::HoldLoader hold_loader(Store& store) {
  return [&store](const std::string& id) -> std::optional<HoldState> {
    Statement row = store.use(sql::kLedgerHold);
    row.bind(1, id);
    if (!row.step()) return std::nullopt;
    return HoldState{row.text(0),
                     row.text(1),
                     row.integer(2),
                     row.integer(3),
                     parse_hold_status(row.text_view(4)),
                     row.optional_integer(5),
                     false,
                     false};
  };
}

}  // namespace sheratan::ledger
