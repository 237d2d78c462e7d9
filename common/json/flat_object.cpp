#include "json/flat_object.hpp"

#include <cstdint>
#include <string>

namespace sheratan {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// A string of printable ASCII without escapes that starts at text[at]; moves at past
// its closing quote.
bool plain_string(std::string_view text, std::size_t& at, std::string_view& out) {
  if (at >= text.size() || text[at] != '"') return false;
  const std::size_t begin = ++at;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (c == '"') {
      out = text.substr(begin, at - begin);
      ++at;
      return true;
    }
    if (c == '\\' || c < 0x20 || c > 0x7e) return false;  // escapes, control bytes and UTF-8 go the long way
  }
  return false;
}

// An integer of at most 18 digits (it cannot overflow), typed as nlohmann types it:
// unsigned when not negative. Moves at past it.
bool small_integer(std::string_view text, std::size_t& at, nlohmann::json& out) {
  const bool negative = text[at] == '-';
  const std::size_t begin = at + (negative ? 1 : 0);
  std::size_t end = begin;
  std::uint64_t value = 0;
  for (; end < text.size() && is_digit(text[end]) && end - begin < 19; ++end)
    value = value * 10 + static_cast<std::uint64_t>(text[end] - '0');
  const std::size_t digits = end - begin;
  if (digits == 0 || digits > 18 || (digits > 1 && text[begin] == '0')) return false;
  if (end < text.size() && (text[end] == '.' || text[end] == 'e' || text[end] == 'E')) return false;
  out = negative ? nlohmann::json(-static_cast<std::int64_t>(value)) : nlohmann::json(value);
  at = end;
  return true;
}

bool literal(std::string_view text, std::size_t& at, std::string_view word) {
  if (text.substr(at, word.size()) != word) return false;
  at += word.size();
  return true;
}

bool flat_value(std::string_view text, std::size_t& at, nlohmann::json& out) {
  if (at >= text.size()) return false;
  const char c = text[at];
  if (c == '"') {
    std::string_view value;
    if (!plain_string(text, at, value)) return false;
    out = std::string(value);
    return true;
  }
  if (c == '-' || is_digit(c)) return small_integer(text, at, out);
  if (literal(text, at, "true")) {
    out = true;
  } else if (literal(text, at, "false")) {
    out = false;
  } else if (literal(text, at, "null")) {
    out = nullptr;
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::optional<nlohmann::json> parse_flat_object(std::string_view text) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return std::nullopt;
  nlohmann::json object = nlohmann::json::object();
  if (text.size() == 2) return object;
  for (std::size_t at = 1;;) {
    std::string_view key;
    nlohmann::json value;
    if (!plain_string(text, at, key) || at >= text.size() || text[at] != ':') return std::nullopt;
    if (!flat_value(text, ++at, value) || at >= text.size()) return std::nullopt;
    object[std::string(key)] = std::move(value);  // a repeated key: the last wins, as in nlohmann
    if (text[at] == '}') {
      if (at + 1 != text.size()) return std::nullopt;
      return object;
    }
    if (text[at++] != ',') return std::nullopt;
  }
}

}  // namespace sheratan
