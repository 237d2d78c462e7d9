#include "ledger/ledger_read.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/journal_rows.hpp"
#include "ledger/ledger_writer.hpp"
#include "store/sql/ledger_queries.hpp"

namespace sheratan::ledger {

Json AccountRow::to_json(bool with_details) const {
  Json out{{"account", id},
           {"balance", format_money(balance)},
           {"held", format_money(held)},
           {"available", format_money(balance - held)}};
  if (with_details) {
    out["kind"] = kind;
    out["created"] = format_rfc3339(created_at);
  }
  return out;
}

void release_expired_holds(Store& store, EpochMillis now) {
  bool due = store.read([&] {
    Statement any = store.use(sql::kAnyDueLedgerHold);
    any.bind(1, now);
    return any.step() && any.integer(0) != 0;
  });
  if (!due || replica_source(store)) return;
  store.write([&] {
    LedgerWriter writer(store, now);
    writer.flush();
  });
}

std::vector<AccountRow> read_accounts(Store& store, const std::vector<std::string>& ids) {
  return store.read([&] {
    std::vector<AccountRow> rows;
    if (ids.empty()) {
      Statement all = store.use(sql::kLedgerAccounts);
      while (all.step())
        rows.push_back({all.text(0), all.text(1), all.integer(3), all.integer(4), all.integer(5)});
      return rows;
    }
    for (const auto& id : ids) {
      Statement one = store.use(sql::kLedgerAccount);
      one.bind(1, id);
      if (!one.step()) fail(ExitCode::failed, "no account " + quote(id));
      rows.push_back({id, one.text(0), one.integer(2), one.integer(3), one.integer(4)});
    }
    return rows;
  });
}

Json HoldRow::to_json() const {
  Json out{{"id", id},
           {"from", from},
           {"to", to},
           {"amount", format_money(amount)},
           {"status", status},
           {"expires", format_rfc3339(expires_at)},
           {"created", format_rfc3339(created_at)}};
  out["posted"] = posted ? Json(format_money(*posted)) : Json(nullptr);
  out["job"] = job ? Json(*job) : Json(nullptr);
  return out;
}

std::vector<HoldRow> read_holds(Store& store, const HoldFilter& filter, EpochMillis now) {
  return store.read([&] {
    std::vector<HoldRow> holds;
    Statement rows = store.use(sql::kLedgerHoldsListed);
    rows.bind(1, filter.account);
    while (rows.step()) {
      HoldRow hold{rows.text(0),         rows.text(1),    rows.text(2), rows.integer(3),
                   rows.integer(4),      rows.integer(8), rows.text(5), rows.optional_integer(6),
                   rows.optional_text(7)};
      if (hold.status == "pending" && hold.expires_at <= now) hold.status = "expired";
      if (filter.status && hold.status != *filter.status) continue;
      holds.push_back(std::move(hold));
    }
    return holds;
  });
}

void for_each_entry_after(Store& store, std::int64_t after, std::int64_t limit,
                          const std::function<void(const JournalEntry&)>& visit) {
  constexpr std::int64_t kPage = 10'000;
  std::int64_t left = limit > 0 ? limit : INT64_MAX;
  while (left > 0) {
    std::vector<JournalEntry> page = store.read([&] {
      std::vector<JournalEntry> entries;
      Statement rows = store.use(sql::kLedgerEntriesAfter);
      rows.bind(1, after).bind(2, std::min(kPage, left));
      while (rows.step())
        entries.push_back(read_journal_entry(rows));
      return entries;
    });
    for (const auto& entry : page)
      visit(entry);
    if (page.empty()) return;
    after = page.back().seq;
    left -= static_cast<std::int64_t>(page.size());
    if (static_cast<std::int64_t>(page.size()) < kPage) return;
  }
}

void for_each_entry_of(Store& store, const std::string& account, std::int64_t limit,
                       const std::function<void(const JournalEntry&)>& visit) {
  read_accounts(store, {account});
  std::vector<JournalEntry> entries = store.read([&] {
    std::vector<JournalEntry> found;
    Statement rows = store.use(sql::kLedgerHistory);
    rows.bind(1, account).bind(2, limit > 0 ? limit : INT64_MAX);
    while (rows.step())
      found.push_back(read_journal_entry(rows));
    return found;
  });
  for (const auto& entry : entries)
    visit(entry);
}

}  // namespace sheratan::ledger
