#include "cli/text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace sheratan {
namespace {

// The length of the well-formed UTF-8 character at text[at], or 0 when the bytes
// there are not one (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
std::size_t char_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t length;
  unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(at + i) < 0x80 || byte(at + i) > 0xbf) return 0;
  return length;
}

// The code point of one well-formed character of 2 to 4 bytes.
unsigned code_point(std::string_view character) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(character[i]) & 0x3fu; };
  const auto lead = static_cast<unsigned char>(character[0]);
  if (character.size() == 2) return (lead & 0x1fu) << 6 | byte(1);
  if (character.size() == 3) return (lead & 0x0fu) << 12 | byte(1) << 6 | byte(2);
  return (lead & 0x07u) << 18 | byte(1) << 12 | byte(2) << 6 | byte(3);
}

// C1 controls (a terminal may act on U+009B) and the bidirectional overrides and
// isolates, which make a terminal show text in another order than it is.
bool invisible_control(std::string_view character) {
  const unsigned c = code_point(character);
  return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t length = char_length(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t at = 0; at < text.size(); ++count)
    at += std::max<std::size_t>(1, char_length(text, at));
  return count;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  std::size_t end = 0;
  while (end < text.size()) {
    const std::size_t length = std::max<std::size_t>(1, char_length(text, end));
    if (end + length > max_bytes) break;
    end += length;
  }
  return text.substr(0, end);
}

std::string_view utf8_first_chars(std::string_view text, std::size_t chars) {
  std::size_t end = 0;
  for (std::size_t taken = 0; end < text.size() && taken < chars; ++taken)
    end += std::max<std::size_t>(1, char_length(text, end));
  return text.substr(0, end);
}

std::string printable(std::string_view text, std::size_t max_bytes) {
  const std::string_view shown = utf8_prefix(text, max_bytes);
  std::string out;
  out.reserve(shown.size() + 16);
  for (std::size_t at = 0; at < shown.size();) {
    const auto c = static_cast<unsigned char>(shown[at]);
    const std::size_t length = char_length(shown, at);
    if (length > 1) {
      if (invisible_control(shown.substr(at, length))) {
        char escaped[12];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", code_point(shown.substr(at, length)));
        out += escaped;
      } else {
        out.append(shown.substr(at, length));
      }
      at += length;
      continue;
    }
    ++at;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (length == 0 || c < 0x20 || c == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (shown.size() < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace sheratan
