#include "net/bearer_token.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string_view>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

namespace {

std::string trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(kSpace) - first + 1));
}

/// A token goes into an HTTP header as it is: a space or a control character would
/// end the header or start another one.
std::string checked(std::string token, const std::string& where) {
  for (char c : token)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      fail(ExitCode::bad_input, "the token in " + where + " has a space or control character");
  return token;
}

}  // namespace

std::optional<std::string> read_bearer_token(const std::optional<std::string>& token_file) {
  if (token_file) {
    std::ifstream in(*token_file);
    if (!in) fail(ExitCode::failed, "cannot read token file " + quote(*token_file) + ": " + std::strerror(errno));
    std::string line;
    std::getline(in, line);
    std::string token = trimmed(line);
    if (token.empty())
      fail(ExitCode::bad_input, "token file " + quote(*token_file) + " has no token on its first line");
    return checked(std::move(token), "token file " + quote(*token_file));
  }
  if (const char* env = std::getenv("SHERATAN_TOKEN")) {
    std::string token = trimmed(env);
    if (!token.empty()) return checked(std::move(token), "SHERATAN_TOKEN");
  }
  return std::nullopt;
}

}  // namespace sheratan
