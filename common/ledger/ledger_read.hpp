#pragma once
// Reading the ledger: balances, accounts, an account's history, the journal. Readers
// on a writer first release holds past their expiry, so that what they print is
// current; a replica shows what its writer's journal says.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ledger/entry.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

struct AccountRow {
  std::string id, kind;
  MoneyUnits balance = 0, held = 0;
  EpochMillis created_at = 0;
  Json to_json(bool with_details) const;
};

struct HoldRow {
  std::string id, from, to;
  MoneyUnits amount = 0;
  EpochMillis expires_at = 0, created_at = 0;
  std::string status;  // pending, posted, voided, expired
  std::optional<MoneyUnits> posted;
  std::optional<std::string> job;
  Json to_json() const;
};

struct HoldFilter {
  std::optional<std::string> account;  // either side of the hold
  std::optional<std::string> status;
};

/// Releases expired holds in one write transaction when there are any (not on a replica).
void release_expired_holds(Store& store, EpochMillis now);

/// The named accounts (all when none are named); throws Error(failed) for an unknown one.
std::vector<AccountRow> read_accounts(Store& store, const std::vector<std::string>& ids);

/// Holds, oldest first. A pending hold past its expiry (on a replica, before its
/// writer journals the expiry) is shown as expired, which is what it is.
std::vector<HoldRow> read_holds(Store& store, const HoldFilter& filter, EpochMillis now);

/// Journal entries after seq, oldest first, at most limit (0: all), in pages.
void for_each_entry_after(Store& store, std::int64_t after, std::int64_t limit,
                          const std::function<void(const JournalEntry&)>& visit);

/// The entries that touch an account, oldest first; throws Error(failed) when unknown.
void for_each_entry_of(Store& store, const std::string& account, std::int64_t limit,
                       const std::function<void(const JournalEntry&)>& visit);

}  // namespace sheratan::ledger
