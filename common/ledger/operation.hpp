#pragma once
// A requested change of the ledger, parsed from flags or from a JSON line with the
// commands' words ({"op":"transfer","from":"a","to":"b","amount":"1.0000","id":"t1"}).
// Parsing checks the shape of the input (fields, types, amounts); the rules that need
// the ledger's state (accounts, funds, holds) are checked when it is applied.

#include <cstdint>
#include <optional>
#include <string>

#include "cli/money.hpp"
#include "json/jsonl.hpp"
#include "ledger/margin.hpp"

namespace sheratan::ledger {

enum class OpType { open, credit, debit, transfer, hold, post, void_hold, settle };

const char* to_string(OpType op);

struct SettleRequest {
  std::string job_id, payer, worker;
  MoneyUnits amount = 0;
  Margin margin = kDefaultMargin;
  std::optional<std::string> skipped;  // a queue line with nothing to settle: why
};

struct Operation {
  OpType op = OpType::transfer;
  std::string id;  // transfer or hold id (empty: generated); the account of an open
  std::string from, to;
  std::optional<MoneyUnits> amount;  // optional only for post
  std::optional<std::string> reason, job;
  std::string kind = "user";            // open
  std::int64_t expires_ms = 3'600'000;  // hold
  SettleRequest settle;
};

/// What settle uses when a line gives no margin of its own: --margin, else the formula
/// over --success/--latency, else 0.10.
struct SettleDefaults {
  std::optional<Margin> margin;
  Performance performance;
};

/// Parses one batch line ({"op": ...}). default_op applies when the line has no "op"
/// (transfer and settle read lines without one). Throws Error(bad_input) naming the
/// field; the caller adds the line number.
Operation parse_operation(const Json& line, std::optional<OpType> default_op, const SettleDefaults& defaults);

/// A settle line: explicit {job_id, payer, worker, amount, margin|success|latency_ms}
/// or a job as `sheratan-queue ls --json` prints it.
SettleRequest parse_settle_line(const Json& line, const SettleDefaults& defaults);

/// An account, transfer, hold or job id: a non-empty string of valid UTF-8 without
/// control characters, at most 256 bytes. Throws Error(bad_input) naming the field.
void require_identifier(const std::string& value, const char* field);

/// A positive amount of money; throws Error(bad_input) naming the field.
MoneyUnits parse_positive_amount(const Json& value, const char* field = "amount");
MoneyUnits parse_positive_amount(const std::string& text, const char* field = "amount");

}  // namespace sheratan::ledger
