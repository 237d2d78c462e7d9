#pragma once
// One write transaction of the ledger. Operations are checked and applied to the
// in-memory state one at a time (a refused operation changes nothing, so --each can
// go on past it); flush() writes the new journal entries, accounts and holds in a few
// statements. Construct and flush inside Store::write.
// Promises: entries get gap-free seqs and are chained by hash; an id is applied once
// (the same content again is a duplicate, other content a conflict naming the field);
// a replica refuses every write; holds past their expiry are released first.

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/timestamp.hpp"
#include "ledger/ledger_state.hpp"
#include "ledger/operation.hpp"
#include "store/store.hpp"

namespace sheratan::ledger {

/// What an operation did: a journal entry (new or the existing duplicate), or a
/// record of its own (open, settle).
struct Outcome {
  std::optional<JournalEntry> entry;
  Json record;
  bool duplicate = false;
  std::string printed;  // the new entry's printed text, kept from when it was hashed

  Json to_json() const;
  /// One line of JSON, built without a JSON library round trip for entries.
  std::string json_text() const;
  /// The same, appended to out without a copy of the entry's text.
  void append_json_text(std::string& out) const;
};

/// Ids of the holds of a job's cost begin with this (see ledger/job_cost.hpp).
std::string cost_hold_prefix(const std::string& job_id);

/// The writer named in a replica's settings, or nullopt for a writer.
std::optional<std::string> replica_source(Store& store);

class LedgerWriter {
 public:
  enum class Mode { write, sync };
  LedgerWriter(Store& store, EpochMillis now, Mode mode = Mode::write);

  Outcome apply(const Operation& op);
  /// For import: ids with the reserved prefix "import:" are allowed.
  Outcome apply_reserved(const Operation& op);
  /// For sync: an entry from the writer. Checks that it follows (seq, prev_hash),
  /// that its hash is right, and every rule; throws Error(failed) otherwise.
  void append_verified(JournalEntry entry);
  /// Writes what was applied since the last flush.
  void flush();

  /// What charged a job's payer: its settlement's charge transfer, or a hold of its
  /// cost that was posted at ack (sheratan-worker --hold-cost); nullopt when neither.
  std::optional<JournalEntry> job_charge(const std::string& job_id);

  std::int64_t last_seq() const { return last_seq_; }
  const std::string& last_hash() const { return last_hash_; }
  LedgerState& state() { return state_; }
  EpochMillis now() const { return now_; }

 private:
  Outcome apply_checked(const Operation& op, bool reserved_ids);
  Outcome apply_open(const Operation& op);
  Outcome apply_move(const Operation& op, EntryType type, bool reserved_ids);
  Outcome apply_post_or_void(const Operation& op);
  Outcome apply_settle(const SettleRequest& request);
  /// A settlement whose charge exists: the same request again, or the payout of a
  /// job whose cost hold was posted. Throws Error(conflict) naming what differs.
  Outcome settle_charged(const SettleRequest& request, const JournalEntry& charge, Outcome outcome);
  void pay_out(const SettleRequest& request, MoneyUnits payout);
  std::optional<JournalEntry> posted_cost_hold(const std::string& job_id);
  void expire_due_holds();
  /// Seq, prev_hash and hash set, the entry applied to the state and queued; its
  /// printed text goes to printed when given.
  const JournalEntry& append(JournalEntry entry, std::string* printed = nullptr);
  /// An outcome of a new entry.
  Outcome appended(JournalEntry entry);
  std::optional<JournalEntry> find_entry(const std::string& id, std::optional<EntryType> type);

  Store& store_;
  EpochMillis now_;
  LedgerState state_;
  std::int64_t last_seq_ = 0;
  std::string last_hash_;
  std::vector<JournalEntry> pending_;
  std::unordered_map<std::string, std::size_t> pending_ids_;         // "type id" → index in pending_
  std::unordered_map<std::string, std::size_t> pending_cost_posts_;  // job id → its posted cost hold
  std::optional<bool> any_cost_holds_;  // whether the store held any job's cost before this session
};

}  // namespace sheratan::ledger
