#include "cli/money.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

MoneyUnits parse_money(std::string_view text) {
  auto bad = [&](const char* why) -> MoneyUnits { fail(ExitCode::bad_input, "amount " + quote(text) + " " + why); };
  std::string_view rest = text;
  bool negative = false;
  // A minus sign is read (callers refuse what must be positive, naming the field); a
  // plus sign is not money as the tools print it, so it is refused like any other sign.
  if (!rest.empty() && rest.front() == '-') {
    negative = true;
    rest.remove_prefix(1);
  }
  if (rest.empty()) return bad("is not a number");
  MoneyUnits whole = 0;
  std::size_t i = 0;
  for (; i < rest.size() && rest[i] != '.'; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return bad("is not a number");
    if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, rest[i] - '0', &whole))
      return bad("is too large");
  }
  if (i == 0) return bad("is not a number");
  MoneyUnits fraction = 0;
  if (i < rest.size()) {
    std::string_view digits = rest.substr(i + 1);
    if (digits.empty()) return bad("is not a number");
    if (digits.size() > 4) return bad("has more than 4 fraction digits");
    MoneyUnits scale = 1000;
    for (char c : digits) {
      if (c < '0' || c > '9') return bad("is not a number");
      fraction += (c - '0') * scale;
      scale /= 10;
    }
  }
  MoneyUnits units = 0;
  if (__builtin_mul_overflow(whole, kMoneyScale, &units) || __builtin_add_overflow(units, fraction, &units))
    return bad("is too large");
  return negative ? -units : units;
}

MoneyUnits parse_money_json(const nlohmann::json& value) {
  if (value.is_string()) return parse_money(value.get_ref<const std::string&>());
  if (value.is_number_integer()) return parse_money(value.dump());
  fail(ExitCode::bad_input, "amount " + value.dump() + " must be a decimal string such as \"1.2500\" or an integer");
}

std::string format_money(MoneyUnits units) {
  const bool negative = units < 0;
  // Work in unsigned so that the most negative value does not overflow.
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  std::string fraction = std::to_string(magnitude % kMoneyScale);
  fraction.insert(0, 4 - fraction.size(), '0');
  return (negative ? "-" : "") + std::to_string(magnitude / kMoneyScale) + "." + fraction;
}

}  // namespace sheratan
