#pragma once
// The ledger's state as the journal defines it: accounts with balance and held amount,
// and holds. apply() is the one place where an entry changes the state, for the writer,
// for verify and replay, and for a replica: it checks every rule first and throws
// Error with the state unchanged when the entry breaks one.
// Accounts and holds are loaded on first use (from the store, or nothing for a replay).

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "ledger/entry.hpp"

namespace sheratan::ledger {

struct AccountState {
  std::string kind;
  bool allow_negative = false;
  MoneyUnits balance = 0;
  MoneyUnits held = 0;
  EpochMillis created_at = 0;
  bool is_new = false;  // opened in this session
  bool dirty = false;   // changed in this session

  MoneyUnits available() const { return balance - held; }
};

enum class HoldStatus { pending, posted, voided, expired };
const char* to_string(HoldStatus status);
HoldStatus parse_hold_status(std::string_view text);

struct HoldState {
  std::string from, to;
  MoneyUnits amount = 0;
  EpochMillis expires_at = 0;
  HoldStatus status = HoldStatus::pending;
  std::optional<MoneyUnits> posted;
  bool is_new = false;
  bool dirty = false;
};

/// "user", "worker", "operator", "system"; throws Error(bad_input) otherwise.
void require_account_kind(std::string_view kind);

class LedgerState {
 public:
  using AccountLoader = std::function<std::optional<AccountState>(const std::string&)>;
  using HoldLoader = std::function<std::optional<HoldState>(const std::string&)>;

  /// With no loaders, the state starts as a new store does: the two system accounts.
  LedgerState();
  LedgerState(AccountLoader accounts, HoldLoader holds);

  /// The account or hold, or nullptr when there is none.
  AccountState* account(const std::string& id);
  HoldState* hold(const std::string& id);

  /// Checks the entry against every rule, then applies it. Throws Error (failed:
  /// unknown account or hold; conflict: insufficient funds, a hold no longer pending,
  /// an account that exists; bad_input: a bad amount) and changes nothing.
  void apply(const JournalEntry& entry);

  std::unordered_map<std::string, AccountState>& accounts() { return accounts_; }
  std::unordered_map<std::string, HoldState>& holds() { return holds_; }

 private:
  AccountState& existing_account(const std::optional<std::string>& id, const char* role);
  HoldState& pending_hold(const JournalEntry& entry);
  void apply_open(const JournalEntry& entry);
  void apply_move(const JournalEntry& entry, bool reserve);
  void apply_post(const JournalEntry& entry);
  void apply_release(const JournalEntry& entry);

  AccountLoader load_account_;
  HoldLoader load_hold_;
  std::unordered_map<std::string, AccountState> accounts_;
  std::unordered_map<std::string, HoldState> holds_;
};

}  // namespace sheratan::ledger
