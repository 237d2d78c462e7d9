#pragma once
// verify: recomputes the chain and replays the journal from nothing, then compares
// the replay with the stored balances, holds and accounts. replay: the state as of a
// seq.

#include <functional>
#include <optional>
#include <string>

#include "ledger/ledger_state.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

struct VerifyReport {
  bool ok = true;
  std::int64_t entries = 0;
  std::int64_t last_seq = 0;
  std::string last_hash;
  std::optional<std::int64_t> bad_seq;  // the first bad entry, when one is to blame
  std::string reason;
  Json to_json() const;
};

/// progress(entries) is called every few thousand entries and once at the end of the chain.
VerifyReport verify_ledger(Store& store, const std::function<void(std::int64_t)>& progress = {});

/// The state after entry seq (which must exist, or be 0). Throws Error(failed) when
/// the journal up to there breaks a rule.
LedgerState replay_until(Store& store, std::int64_t seq);

}  // namespace sheratan::ledger
