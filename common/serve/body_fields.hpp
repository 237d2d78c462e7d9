#pragma once
// Reading the fields of a request's JSON object: unknown fields and wrong types are
// Error(bad_input) naming the field, as the tools' batch input is.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "json/jsonl.hpp"

namespace sheratan::serve {

void reject_unknown_fields(const Json& object, std::initializer_list<const char*> known);
/// The string, or nullopt when absent or null.
std::optional<std::string> optional_string(const Json& object, const char* field);
std::string required_string(const Json& object, const char* field);
std::optional<std::int64_t> optional_integer(const Json& object, const char* field, std::int64_t low,
                                             std::int64_t high);
std::optional<bool> optional_bool(const Json& object, const char* field);

}  // namespace sheratan::serve
