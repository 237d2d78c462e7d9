#pragma once
// Money as int64 units of 0.0001, written as decimal strings with exactly four
// fraction digits ("90.0000"). Input takes a string or an integer; more than four
// fraction digits is an error, never a silent rounding.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace sheratan {

using MoneyUnits = std::int64_t;
inline constexpr MoneyUnits kMoneyScale = 10'000;

/// "12", "12.5", "-0.0001" → units. Throws Error(bad_input) on anything else,
/// including overflow and a fifth fraction digit.
MoneyUnits parse_money(std::string_view text);

/// A JSON string as above or a JSON integer (whole units of money).
MoneyUnits parse_money_json(const nlohmann::json& value);

/// units → "12.5000".
std::string format_money(MoneyUnits units);

}  // namespace sheratan
