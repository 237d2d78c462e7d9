#pragma once
// UTF-8 text as the tools show and check it: whether bytes are valid UTF-8, how wide
// they are, where they may be cut, and how to quote them safely in a message.

#include <cstddef>
#include <string>
#include <string_view>

namespace sheratan {

/// Whether the bytes are well-formed UTF-8 (no overlong forms, surrogates or values
/// past U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// Characters (code points) in text; an invalid byte counts as one.
std::size_t utf8_length(std::string_view text);

/// The longest prefix of text of at most max_bytes that does not end inside a
/// character.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

/// The first `chars` characters of text (an invalid byte counts as one).
std::string_view utf8_first_chars(std::string_view text, std::size_t chars);

/// text for a message or a terminal: control characters and bytes that are not UTF-8
/// escaped (\n, \t, \r, \xNN), and cut after max_bytes of input with "..." and the
/// length, so that one huge or binary value cannot flood or garble the output.
std::string printable(std::string_view text, std::size_t max_bytes = 256);

}  // namespace sheratan
