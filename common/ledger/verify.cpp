#include "ledger/verify.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/journal_rows.hpp"
#include "store/sql/ledger_queries.hpp"

namespace sheratan::ledger {

Json VerifyReport::to_json() const {
  if (ok) return Json{{"ok", true}, {"entries", entries}, {"last_seq", last_seq}, {"last_hash", last_hash}};
  return Json{{"ok", false}, {"seq", bad_seq ? Json(*bad_seq) : Json(nullptr)}, {"reason", reason}};
}

namespace {

/// Walks the journal up to `until`, checking the chain and applying every entry.
/// Returns the first failure as (seq, reason).
std::optional<std::pair<std::int64_t, std::string>> replay_chain(
    Store& store, std::int64_t until, LedgerState& state, VerifyReport& report,
    const std::function<void(std::int64_t)>& progress = {}) {
  Statement rows = store.use(sql::kLedgerEntriesUpTo);
  rows.bind(1, until);
  std::string last_hash(kGenesis);
  std::int64_t expected = 1;
  while (rows.step()) {
    JournalEntry entry = read_journal_entry(rows);
    if (entry.seq != expected)
      return std::pair{expected, "entry is missing (the journal jumps to seq " + std::to_string(entry.seq) + ")"};
    if (entry.prev_hash != last_hash)
      return std::pair{entry.seq, std::string("prev_hash does not match the hash of the entry before it")};
    if (entry.compute_hash() != entry.hash)
      return std::pair{entry.seq, std::string("hash does not match the entry's content (the entry was altered)")};
    try {
      state.apply(entry);
    } catch (const Error& error) {
      return std::pair{entry.seq, std::string("breaks a rule: ") + error.what()};
    }
    last_hash = entry.hash;
    ++expected;
    if (++report.entries % 4096 == 0 && progress) progress(report.entries);
  }
  if (progress) progress(report.entries);
  report.last_seq = expected - 1;
  report.last_hash = last_hash;
  return std::nullopt;
}

std::optional<std::string> compare_accounts(Store& store, LedgerState& replayed) {
  MoneyUnits sum = 0;
  std::size_t stored = 0;
  Statement rows = store.use(sql::kLedgerAccounts);
  while (rows.step()) {
    ++stored;
    const std::string id = rows.text(0);
    AccountState* account = replayed.account(id);
    if (!account) return "account " + quote(id) + " is in the store but was never opened in the journal";
    if (account->kind != rows.text_view(1))
      return "account " + quote(id) + " has kind " + quote(rows.text_view(1)) + ", the journal says " +
             quote(account->kind);
    if (account->balance != rows.integer(3))
      return "account " + quote(id) + " has balance " + format_money(rows.integer(3)) + ", the journal replays to " +
             format_money(account->balance);
    if (account->held != rows.integer(4))
      return "account " + quote(id) + " holds " + format_money(rows.integer(4)) + ", the journal replays to " +
             format_money(account->held);
    if (!account->allow_negative && account->available() < 0)
      return "account " + quote(id) + " is below zero (" + format_money(account->available()) + ")";
    if (__builtin_add_overflow(sum, account->balance, &sum)) return std::string("the sum of balances overflows");
  }
  if (stored != replayed.accounts().size())
    return "the journal opens " + std::to_string(replayed.accounts().size()) + " accounts, the store has " +
           std::to_string(stored);
  if (sum != 0) return "the balances sum to " + format_money(sum) + ", not zero";
  return std::nullopt;
}

std::optional<std::string> compare_holds(Store& store, LedgerState& replayed) {
  std::size_t stored = 0;
  Statement rows = store.use(sql::kLedgerHolds);
  while (rows.step()) {
    ++stored;
    const std::string id = rows.text(0);
    auto found = replayed.holds().find(id);
    if (found == replayed.holds().end()) return "hold " + quote(id) + " is in the store but not in the journal";
    const HoldState& hold = found->second;
    if (hold.amount != rows.integer(3) || to_string(hold.status) != rows.text_view(5) ||
        hold.posted != rows.optional_integer(6) || hold.from != rows.text_view(1) || hold.to != rows.text_view(2))
      return "hold " + quote(id) + " differs from the journal's replay";
  }
  if (stored != replayed.holds().size()) return std::string("the store and the journal have different holds");
  return std::nullopt;
}

}  // namespace

VerifyReport verify_ledger(Store& store, const std::function<void(std::int64_t)>& progress) {
  return store.read([&] {
    VerifyReport report;
    LedgerState state;
    if (auto failure = replay_chain(store, INT64_MAX, state, report, progress)) {
      report.ok = false;
      report.bad_seq = failure->first;
      report.reason = failure->second;
      return report;
    }
    auto mismatch = compare_accounts(store, state);
    if (!mismatch) mismatch = compare_holds(store, state);
    if (mismatch) {
      report.ok = false;
      report.reason = *mismatch;
    }
    return report;
  });
}

LedgerState replay_until(Store& store, std::int64_t seq) {
  return store.read([&] {
    LedgerState state;
    VerifyReport report;
    if (auto failure = replay_chain(store, seq, state, report))
      fail(ExitCode::failed, "seq " + std::to_string(failure->first) + ": " + failure->second);
    if (report.last_seq != seq)
      fail(ExitCode::failed,
           "no journal entry " + std::to_string(seq) + " (the last is " + std::to_string(report.last_seq) + ")");
    return state;
  });
}

}  // namespace sheratan::ledger
