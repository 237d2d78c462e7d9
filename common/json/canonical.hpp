#pragma once
// RFC 8785 (JSON Canonicalization Scheme) and SHA-256 over it. Two values that mean
// the same JSON produce the same bytes and so the same hash, whatever their key order
// or whitespace.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sheratan {

/// The canonical form: keys sorted by UTF-16 code units, no whitespace, numbers in
/// ECMAScript shortest form, strings with the minimal escapes.
std::string canonical_json(const nlohmann::json& value);

/// SHA-256 of bytes, lowercase hex.
std::string sha256_hex(std::string_view bytes);

/// sha256_hex(canonical_json(value)).
std::string canonical_hash(const nlohmann::json& value);

}  // namespace sheratan
