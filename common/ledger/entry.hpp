#pragma once
// A journal entry: one change of the ledger (an account opened, a transfer, a hold and
// how it ended). Entries are chained: hash is the SHA-256 of the entry's RFC 8785
// canonical form with prev_hash and without hash; null fields are left out. The first
// entry's prev_hash is "GENESIS".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cli/money.hpp"
#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"

namespace sheratan::ledger {

inline constexpr std::string_view kGenesis = "GENESIS";
inline constexpr std::string_view kMint = "system:mint";
inline constexpr std::string_view kOperator = "system:operator";

enum class EntryType { open, transfer, hold, post, void_hold, expire };

const char* to_string(EntryType type);
/// Throws Error(bad_input) on a name that is not an entry type.
EntryType parse_entry_type(std::string_view name);

struct JournalEntry {
  std::int64_t seq = 0;
  EntryType type = EntryType::transfer;
  std::string id;  // transfer or hold id; the account of an open
  std::optional<std::string> from, to, reason, job, kind;
  std::optional<MoneyUnits> amount;
  std::optional<EpochMillis> expires_at;
  EpochMillis ts = 0;
  std::string prev_hash;
  std::string hash;

  /// The canonical JSON the hash covers (everything but hash), built directly.
  std::string canonical_text() const;
  std::string compute_hash() const;
  /// Sets hash to compute_hash() and returns printed_text(), building the text once.
  std::string seal();
  /// The entry as printed: the canonical fields plus hash, as one line of JSON.
  std::string printed_text() const;
  Json to_json() const;
};

/// An entry as printed_text() writes it (a line of `journal`, or of GET /v1/journal),
/// for a replica that reads its writer over HTTP. Checks the shape only: every field
/// known and of its type, seq positive, the money and times exact; whether the hash
/// and the chain are right is the caller's check. Unknown fields are refused, since
/// the hash could not cover them. Throws Error(bad_input) naming the field.
JournalEntry parse_journal_entry(const Json& value);

/// Appends text as a JSON string in RFC 8785 form (minimal escapes, UTF-8 kept).
void append_json_string(std::string& out, std::string_view text);

}  // namespace sheratan::ledger
