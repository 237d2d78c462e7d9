#pragma once
// The operator's margin on a settlement, as an exact fraction, and the split of a
// job's total between worker and operator in integer arithmetic: the worker gets
// total × (1 − margin) rounded down to 0.0001, the operator keeps the rest.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cli/money.hpp"
#include "json/jsonl.hpp"

namespace sheratan::ledger {

/// 128-bit integers for exact products of money and fractions (GCC and Clang).
__extension__ typedef __int128 WideInt;

/// num/den with 0 <= num < den.
struct Margin {
  std::int64_t num = 1;
  std::int64_t den = 10;
};

inline constexpr Margin kDefaultMargin{1, 10};

/// "0.10", "0.125", "0": a decimal from 0 up to, not including, 1, at most 9 fraction
/// digits. Throws Error(bad_input) naming what.
Margin parse_margin(std::string_view text, const char* what = "margin");
/// A JSON string or number as above (a number by its shortest decimal text).
Margin parse_margin_json(const Json& value, const char* what = "margin");

/// A success rate (0..1, at most 6 fraction digits) and a latency in milliseconds (at
/// most 3 fraction digits), as exact fractions.
struct Performance {
  std::optional<std::string> success;  // decimal text
  std::optional<std::string> latency_ms;
};

/// The original's formula: clamp(0.10 + 0.20·(1 − success) + 0.10·min(latency/1500, 1),
/// 0.10, 0.40), exactly. A missing success counts as 1, a missing latency as 0.
Margin margin_from_performance(const Performance& performance);

/// "0.10", "0.105", "0.100066": at least two digits, at most six (rounded down).
std::string format_margin(Margin margin);

struct Split {
  MoneyUnits payout = 0;   // to the worker
  MoneyUnits revenue = 0;  // kept by the operator
};

Split split_settlement(MoneyUnits total, Margin margin);

}  // namespace sheratan::ledger
