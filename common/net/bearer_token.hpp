#pragma once
// The bearer token a client sends to sheratan-serve. It never comes from the command
// line, where other users can read it (ps, /proc, shell history): from a file that
// --token-file names, else from SHERATAN_TOKEN.

#include <optional>
#include <string>

namespace sheratan {

/// The first line of token_file, trimmed, when given; else SHERATAN_TOKEN, trimmed;
/// nullopt when neither is set (an empty SHERATAN_TOKEN is unset). Throws
/// Error(failed) when the file cannot be read and Error(bad_input) when its first
/// line is blank.
std::optional<std::string> read_bearer_token(const std::optional<std::string>& token_file);

}  // namespace sheratan
