// libFuzzer target: the ledger's input parsing, as `batch`, `settle`, POST /v1/transfers
// and a replica's HTTP feed read it. Each line of the input is tried as money, a margin
// and a duration, and, when it is JSON, as a batch operation ({"op":...}), as transfer
// and settle lines, and as a journal entry that is then applied to one ledger state
// shared by the input's lines. Anything may be refused, but only with Error(bad_input)
// (the state's rules may also say failed or conflict); no other exception may escape.
// What is accepted must hold up: money and entries print and parse back unchanged,
// amounts are positive, margins are below 1, a split adds up, and the state keeps
// double entry (balances sum to zero) and never lets an account spend what it lacks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli/duration.hpp"
#include "cli/error.hpp"
#include "cli/money.hpp"
#include "json/jsonl.hpp"
#include "ledger/entry.hpp"
#include "ledger/ledger_state.hpp"
#include "ledger/margin.hpp"
#include "ledger/operation.hpp"

namespace {

using namespace sheratan;
using namespace sheratan::ledger;

void require(bool condition) {
  if (!condition) std::abort();
}

/// Runs f; an Error must carry one of the allowed codes.
template <typename F>
bool accepted(F&& f, bool rules = false) {
  try {
    f();
    return true;
  } catch (const Error& error) {
    const ExitCode code = error.code();
    require(code == ExitCode::bad_input || (rules && (code == ExitCode::failed || code == ExitCode::conflict)));
    require(error.what()[0] != '\0');  // every refusal says why
    return false;
  }
}

void check_margin(const Margin& margin) {
  require(margin.num >= 0 && margin.den > 0 && margin.num < margin.den);
  (void)format_margin(margin);
  for (MoneyUnits total : {MoneyUnits{1}, MoneyUnits{105'5555}, INT64_MAX}) {
    const Split split = split_settlement(total, margin);
    require(split.payout >= 0 && split.revenue >= 0 && split.payout + split.revenue == total);
  }
}

void check_operation(const Operation& op) {
  if (op.amount) require(*op.amount > 0);
  switch (op.op) {
    case OpType::open:
      require(!op.id.empty());
      break;
    case OpType::credit:
    case OpType::debit:
    case OpType::transfer:
    case OpType::hold:
      require(!op.from.empty() && !op.to.empty() && op.amount);
      if (op.op == OpType::hold) require(op.expires_ms > 0);
      break;
    case OpType::post:
    case OpType::void_hold:
      require(!op.id.empty());
      break;
    case OpType::settle:
      if (op.settle.skipped) break;
      require(!op.settle.job_id.empty() && op.settle.amount > 0);
      check_margin(op.settle.margin);
      break;
  }
}

/// A line as text: money, margin, duration.
void check_scalars(const std::string& text) {
  MoneyUnits units = 0;
  if (accepted([&] { units = parse_money(text); })) require(parse_money(format_money(units)) == units);
  Margin margin;
  if (accepted([&] { margin = parse_margin(text); })) check_margin(margin);
  Millis duration = 0;
  if (accepted([&] { duration = parse_duration(text); })) require(duration >= 0);
}

void check_state(LedgerState& state) {
  WideInt sum = 0;
  for (const auto& [id, account] : state.accounts()) {
    sum += account.balance;
    require(account.held >= 0);
    if (!account.allow_negative) require(account.available() >= 0);
  }
  require(sum == 0);
}

/// A line as JSON: operations, and a journal entry applied to the state.
void check_json(const Json& line, LedgerState& state) {
  if (!line.is_object()) return;
  for (auto default_op : {std::optional<OpType>(), std::optional(OpType::transfer), std::optional(OpType::settle)}) {
    Operation op;
    if (accepted([&] { op = parse_operation(line, default_op, {}); })) check_operation(op);
  }
  JournalEntry entry;
  if (!accepted([&] { entry = parse_journal_entry(line); })) return;
  // What was read prints as canonical JSON that reads back as the same entry.
  const std::string printed = entry.printed_text();
  JournalEntry again = parse_journal_entry(parse_json_text(printed));
  require(again.printed_text() == printed && again.compute_hash() == entry.compute_hash());
  if (accepted([&] { state.apply(entry); }, true)) check_state(state);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  LedgerState state;
  for (std::size_t start = 0; start <= input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string text(input.substr(start, end - start));
    start = end + 1;
    check_scalars(text);
    Json line;
    if (accepted([&] { line = parse_json_text(text); })) check_json(line, state);
  }
  return 0;
}
