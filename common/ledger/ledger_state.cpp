#include "ledger/ledger_state.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan::ledger {

const char* to_string(HoldStatus status) {
  switch (status) {
    case HoldStatus::pending:
      return "pending";
    case HoldStatus::posted:
      return "posted";
    case HoldStatus::voided:
      return "voided";
    case HoldStatus::expired:
      return "expired";
  }
  return "?";
}

HoldStatus parse_hold_status(std::string_view text) {
  for (auto status : {HoldStatus::pending, HoldStatus::posted, HoldStatus::voided, HoldStatus::expired})
    if (text == to_string(status)) return status;
  fail(ExitCode::failed, "hold status " + quote(text) + " is unknown");
}

void require_account_kind(std::string_view kind) {
  if (kind != "user" && kind != "worker" && kind != "operator" && kind != "system")
    fail(ExitCode::bad_input, "kind " + quote(kind) + " must be user, worker, operator or system");
}

LedgerState::LedgerState() {
  accounts_[std::string(kMint)] = AccountState{"system", true, 0, 0, 0, false, false};
  accounts_[std::string(kOperator)] = AccountState{"operator", false, 0, 0, 0, false, false};
}

LedgerState::LedgerState(AccountLoader accounts, HoldLoader holds)
    : load_account_(std::move(accounts)), load_hold_(std::move(holds)) {}

AccountState* LedgerState::account(const std::string& id) {
  auto found = accounts_.find(id);
  if (found != accounts_.end()) return &found->second;
  if (!load_account_) return nullptr;
  auto loaded = load_account_(id);
  if (!loaded) return nullptr;
  return &accounts_.emplace(id, std::move(*loaded)).first->second;
}

HoldState* LedgerState::hold(const std::string& id) {
  auto found = holds_.find(id);
  if (found != holds_.end()) return &found->second;
  if (!load_hold_) return nullptr;
  auto loaded = load_hold_(id);
  if (!loaded) return nullptr;
  return &holds_.emplace(id, std::move(*loaded)).first->second;
}

AccountState& LedgerState::existing_account(const std::optional<std::string>& id, const char* role) {
  if (!id) fail(ExitCode::bad_input, std::string("entry has no ") + role + " account");
  AccountState* found = account(*id);
  if (!found) fail(ExitCode::failed, "no account " + quote(*id));
  return *found;
}

void LedgerState::apply(const JournalEntry& entry) {
  switch (entry.type) {
    case EntryType::open:
      return apply_open(entry);
    case EntryType::transfer:
      return apply_move(entry, false);
    case EntryType::hold:
      return apply_move(entry, true);
    case EntryType::post:
      return apply_post(entry);
    case EntryType::void_hold:
    case EntryType::expire:
      return apply_release(entry);
  }
}

void LedgerState::apply_open(const JournalEntry& entry) {
  if (entry.id.empty()) fail(ExitCode::bad_input, "account id is empty");
  const std::string kind = entry.kind.value_or("");
  require_account_kind(kind);
  if (account(entry.id)) fail(ExitCode::conflict, "account " + quote(entry.id) + " exists");
  accounts_[entry.id] = AccountState{kind, kind == "system", 0, 0, entry.ts, true, true};
}

namespace {

MoneyUnits positive_amount(const JournalEntry& entry) {
  if (!entry.amount || *entry.amount <= 0)
    fail(ExitCode::bad_input, "amount " + quote(format_money(entry.amount.value_or(0))) + " must be above zero");
  return *entry.amount;
}

void require_funds(const AccountState& account, const std::string& id, MoneyUnits amount) {
  if (account.allow_negative) return;
  if (account.available() < amount)
    fail(ExitCode::conflict, "insufficient funds: " + quote(id) + " has " + format_money(account.available()) +
                                 " available, " + format_money(amount) + " needed");
}

MoneyUnits checked_add(MoneyUnits a, MoneyUnits b, const std::string& id) {
  MoneyUnits sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) fail(ExitCode::conflict, "the balance of " + quote(id) + " would overflow");
  return sum;
}

}  // namespace

void LedgerState::apply_move(const JournalEntry& entry, bool reserve) {
  const MoneyUnits amount = positive_amount(entry);
  if (entry.from == entry.to) fail(ExitCode::bad_input, "from and to are the same account " + quote(*entry.from));
  AccountState& from = existing_account(entry.from, "from");
  AccountState& to = existing_account(entry.to, "to");
  if (reserve) {
    if (hold(entry.id)) fail(ExitCode::conflict, "hold " + quote(entry.id) + " exists");
    if (!entry.expires_at) fail(ExitCode::bad_input, "hold " + quote(entry.id) + " has no expiry");
    require_funds(from, *entry.from, amount);
    from.held = checked_add(from.held, amount, *entry.from);
    from.dirty = true;
    holds_[entry.id] =
        HoldState{*entry.from, *entry.to, amount, *entry.expires_at, HoldStatus::pending, std::nullopt, true, true};
    return;
  }
  require_funds(from, *entry.from, amount);
  const MoneyUnits to_balance = checked_add(to.balance, amount, *entry.to);
  const MoneyUnits from_balance = checked_add(from.balance, -amount, *entry.from);
  from.balance = from_balance;
  to.balance = to_balance;
  from.dirty = to.dirty = true;
}

HoldState& LedgerState::pending_hold(const JournalEntry& entry) {
  HoldState* found = hold(entry.id);
  if (!found) fail(ExitCode::failed, "no hold " + quote(entry.id));
  if (found->status != HoldStatus::pending)
    fail(ExitCode::conflict, "hold " + quote(entry.id) + " is " + to_string(found->status) + ", not pending");
  if (entry.from != found->from || entry.to != found->to)
    fail(ExitCode::bad_input, "entry's accounts are not those of hold " + quote(entry.id));
  return *found;
}

void LedgerState::apply_post(const JournalEntry& entry) {
  HoldState& held = pending_hold(entry);
  const MoneyUnits amount = positive_amount(entry);
  if (amount > held.amount)
    fail(ExitCode::conflict, "amount " + format_money(amount) + " is more than hold " + quote(entry.id) + " holds (" +
                                 format_money(held.amount) + ")");
  AccountState& from = existing_account(entry.from, "from");
  AccountState& to = existing_account(entry.to, "to");
  const MoneyUnits to_balance = checked_add(to.balance, amount, *entry.to);
  from.held -= held.amount;
  from.balance -= amount;
  to.balance = to_balance;
  from.dirty = to.dirty = true;
  held.status = HoldStatus::posted;
  held.posted = amount;
  held.dirty = true;
}

void LedgerState::apply_release(const JournalEntry& entry) {
  HoldState& held = pending_hold(entry);
  if (entry.amount != held.amount)
    fail(ExitCode::bad_input, "entry releases " + format_money(entry.amount.value_or(0)) + " but hold " +
                                  quote(entry.id) + " holds " + format_money(held.amount));
  AccountState& from = existing_account(entry.from, "from");
  from.held -= held.amount;
  from.dirty = true;
  held.status = entry.type == EntryType::expire ? HoldStatus::expired : HoldStatus::voided;
  held.dirty = true;
}

}  // namespace sheratan::ledger
