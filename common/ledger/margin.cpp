#include "ledger/margin.hpp"

#include <algorithm>
#include <numeric>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan::ledger {

namespace {

struct Fraction {
  std::int64_t num = 0;
  std::int64_t den = 1;
};

/// A non-negative decimal with at most max_digits fraction digits, exactly.
Fraction parse_decimal(std::string_view text, int max_digits, const char* what) {
  auto bad = [&](const std::string& why) -> Fraction { fail(ExitCode::bad_input, what + (" " + quote(text)) + why); };
  Fraction value;
  std::size_t i = 0;
  bool any_digit = false;
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (text[i] < '0' || text[i] > '9') return bad(" is not a decimal number");
    if (value.num > 1'000'000'000) return bad(" is too large");
    value.num = value.num * 10 + (text[i] - '0');
    any_digit = true;
  }
  if (i < text.size()) {
    std::string_view digits = text.substr(i + 1);
    if (digits.empty()) return bad(" is not a decimal number");
    if (digits.size() > static_cast<std::size_t>(max_digits))
      return bad(" has more than " + std::to_string(max_digits) + " fraction digits");
    for (char c : digits) {
      if (c < '0' || c > '9') return bad(" is not a decimal number");
      if (value.num > 100'000'000'000'000'000) return bad(" is too large");
      value.num = value.num * 10 + (c - '0');
      value.den *= 10;
    }
  }
  if (!any_digit) return bad(" is not a decimal number");
  return value;
}

Margin reduced(std::int64_t num, std::int64_t den) {
  std::int64_t divisor = std::gcd(num, den);
  if (divisor == 0) divisor = 1;
  return {num / divisor, den / divisor};
}

std::string json_number_text(const Json& value, const char* what) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  fail(ExitCode::bad_input, std::string(what) + " must be a decimal number or a string such as \"0.10\"");
}

}  // namespace

Margin parse_margin(std::string_view text, const char* what) {
  Fraction value = parse_decimal(text, 9, what);
  if (value.num >= value.den)
    fail(ExitCode::bad_input, std::string(what) + " " + quote(text) + " must be at least 0 and below 1");
  return reduced(value.num, value.den);
}

Margin parse_margin_json(const Json& value, const char* what) {
  return parse_margin(json_number_text(value, what), what);
}

Margin margin_from_performance(const Performance& performance) {
  Fraction success{1, 1}, latency{0, 1};
  if (performance.success) {
    success = parse_decimal(*performance.success, 6, "success");
    if (success.num > success.den)
      fail(ExitCode::bad_input, "success " + quote(*performance.success) + " must be between 0 and 1");
  }
  if (performance.latency_ms) latency = parse_decimal(*performance.latency_ms, 3, "latency");
  // Over the common denominator D = 10 · success.den · 1500 · latency.den:
  // margin·D = s·1500·l + 2·(s − success)·1500·l + min(latency, 1500·l)·s
  // where s = success.den and l = latency.den; all of it fits in 64 bits.
  const std::int64_t s = success.den, l = latency.den;
  const std::int64_t unit = s * 1500 * l;  // 0.10 of D
  const std::int64_t capped_latency = std::min(latency.num, 1500 * l);
  std::int64_t num = unit + 2 * (s - success.num) * 1500 * l + capped_latency * s;
  num = std::clamp(num, unit, 4 * unit);
  return reduced(num, 10 * unit);
}

std::string format_margin(Margin margin) {
  auto millionths = static_cast<std::int64_t>(static_cast<WideInt>(margin.num) * 1'000'000 / margin.den);
  std::string digits = std::to_string(millionths);
  digits.insert(0, 6 - digits.size(), '0');
  while (digits.size() > 2 && digits.back() == '0')
    digits.pop_back();
  return "0." + digits;
}

Split split_settlement(MoneyUnits total, Margin margin) {
  // floor(total · (den − num) / den); total and the margin are non-negative.
  WideInt kept = static_cast<WideInt>(total) * (margin.den - margin.num) / margin.den;
  Split split;
  split.payout = static_cast<MoneyUnits>(kept);
  split.revenue = total - split.payout;
  return split;
}

}  // namespace sheratan::ledger
