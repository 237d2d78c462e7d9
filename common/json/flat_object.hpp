#pragma once
// A fast path for the JSON that the store reads back most: a flat object of integers
// and plain strings, as the queue stores most jobs' params and labels. Reading such a
// text with nlohmann::json::parse costs some 3,000 instructions (its lexer, a locale
// look-up, the SAX callbacks); this costs a few hundred and gives the same value.

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sheratan {

/// The object that nlohmann::json::parse(text) gives, when text is a compact object (no
/// whitespace) whose keys and values are strings of printable ASCII without escapes,
/// integers of at most 18 digits, true, false or null; nullopt for any other text,
/// which the caller then parses with nlohmann::json::parse.
std::optional<nlohmann::json> parse_flat_object(std::string_view text);

}  // namespace sheratan
