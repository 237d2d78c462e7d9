#include "cli/duration.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {
namespace {

constexpr Millis kMaxDuration = 100LL * 365 * 24 * 3600 * 1000;

[[noreturn]] void bad_duration(std::string_view text, const char* why) {
  fail(ExitCode::bad_input, "invalid duration " + quote(text) + ": " + why);
}

Millis unit_millis(std::string_view unit, std::string_view text) {
  if (unit == "ms") return 1;
  if (unit == "s" || unit.empty()) return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  bad_duration(text, "unknown unit (use ms, s, m, h or d)");
}

}  // namespace

Millis parse_duration(std::string_view text) {
  if (text.empty()) bad_duration(text, "empty");
  if (text.front() == '-') bad_duration(text, "negative");
  double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.'))
      ++digits;
    if (digits == 0) bad_duration(text, "expected a number");
    double number = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + digits, number);
    if (ec != std::errc() || end != rest.data() + digits) bad_duration(text, "expected a number");
    rest.remove_prefix(digits);
    std::size_t letters = 0;
    while (letters < rest.size() && std::isalpha(static_cast<unsigned char>(rest[letters])))
      ++letters;
    total += number * static_cast<double>(unit_millis(rest.substr(0, letters), text));
    rest.remove_prefix(letters);
  }
  if (total > static_cast<double>(kMaxDuration)) bad_duration(text, "longer than 100 years");
  return static_cast<Millis>(std::llround(total));
}

Millis parse_duration_flag(std::string_view text, std::string_view flag) {
  try {
    return parse_duration(text);
  } catch (const Error& error) {
    fail(error.code(), std::string(flag) + ": " + error.what());
  }
}

Millis parse_duration_json(const nlohmann::json& value) {
  if (value.is_string()) return parse_duration(value.get_ref<const std::string&>());
  if (value.is_number()) {
    double seconds = value.get<double>();
    if (!(seconds >= 0)) fail(ExitCode::bad_input, "invalid duration " + value.dump() + ": negative");
    if (seconds * 1000 > static_cast<double>(kMaxDuration))
      fail(ExitCode::bad_input, "invalid duration " + value.dump() + ": longer than 100 years");
    return static_cast<Millis>(std::llround(seconds * 1000));
  }
  fail(ExitCode::bad_input, "invalid duration " + value.dump() + ": expected a string such as \"30s\" or seconds");
}

Millis parse_duration_field(const nlohmann::json& value, std::string_view field) {
  try {
    return parse_duration_json(value);
  } catch (const Error& error) {
    fail(error.code(), "field " + quote(field) + " " + error.what());
  }
}

std::string format_duration(Millis ms) {
  struct Unit {
    Millis size;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  if (ms == 0) return "0s";
  for (const auto& unit : kUnits)
    if (ms % unit.size == 0) return std::to_string(ms / unit.size) + unit.suffix;
  return std::to_string(ms) + "ms";
}

}  // namespace sheratan
