#pragma once
// Messages on stderr in the one format: "sheratan-queue: error: cannot open 'x': reason".
// Lowercase, the subject quoted, no trailing period.

#include <string>
#include <string_view>

namespace sheratan {

/// Sets the program name used as the prefix of every message (once, in main).
void set_program_name(std::string_view name);
const std::string& program_name();

/// Sets how chatty info() is: -1 quiet, 0 normal, 1 verbose.
void set_verbosity(int level);
/// True after -q: informational output (progress included) is off.
bool quiet();

void print_error(std::string_view message);
void print_warning(std::string_view message);
/// Printed unless -q; informational chatter that is not data.
void print_info(std::string_view message);
/// Printed only with -v.
void print_debug(std::string_view message);

/// Quotes a subject for a message: 'x'.
std::string quote(std::string_view subject);

/// strerror(code) in the message style: "permission denied", not "Permission denied".
std::string system_error_text(int code);

/// A library's message in the message style, to follow a colon: its first letter
/// lowercased ("Couldn't connect" → "couldn't connect").
std::string message_fragment(std::string text);

}  // namespace sheratan
