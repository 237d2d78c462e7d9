#pragma once
// Durations as operators write them: "250ms", "30s", "5m", "2h", "1d", or a plain
// number of seconds ("1.5"). Stored and computed as integer milliseconds.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace sheratan {

using Millis = std::int64_t;

/// Parses "250ms", "30s", "5m", "2h", "1d" or a bare number of seconds; also a sum
/// such as "1m30s". Throws Error(bad_input) naming the text on anything else,
/// on negative values and on values past 100 years.
Millis parse_duration(std::string_view text);

/// parse_duration for the value of a flag; the error names the flag:
/// "--wait: invalid duration 'abc': ...".
Millis parse_duration_flag(std::string_view text, std::string_view flag);

/// A JSON duration: a string as above or a non-negative number of seconds.
Millis parse_duration_json(const nlohmann::json& value);

/// parse_duration_json for a field of a JSON line or body; the error names the field:
/// "field 'lease' invalid duration ...".
Millis parse_duration_field(const nlohmann::json& value, std::string_view field);

/// The shortest exact rendering: 1500 → "1500ms", 90000 → "90s", 300000 → "5m".
std::string format_duration(Millis ms);

}  // namespace sheratan
