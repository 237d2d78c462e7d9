#include "serve/tokens.hpp"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan::serve {

namespace {

constexpr std::size_t kMinTokenLength = 16;
constexpr std::size_t kMaxTokenLength = 256;

std::array<unsigned char, 32> sha256_of(std::string_view text) {
  std::array<unsigned char, 32> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return digest;
}

std::vector<std::string_view> blank_separated(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < line.size()) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t'))
      ++at;
    std::size_t end = at;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t')
      ++end;
    if (end > at) words.push_back(line.substr(at, end - at));
    at = end;
  }
  return words;
}

Scopes parse_scope_list(std::string_view list) {
  Scopes scopes;
  for (;;) {
    std::size_t comma = list.find(',');
    std::string_view word = list.substr(0, comma);
    auto scope = parse_scope(word);
    if (!scope) fail(ExitCode::bad_input, "unknown scope " + quote(word) + " (submit, work, read, admin, replicate)");
    scopes.bits |= static_cast<unsigned>(*scope);
    if (comma == std::string_view::npos) return scopes;
    list.remove_prefix(comma + 1);
  }
}

void check_token(std::string_view token) {
  if (token.size() < kMinTokenLength || token.size() > kMaxTokenLength)
    fail(ExitCode::bad_input, "a token must have " + std::to_string(kMinTokenLength) + " to " +
                                  std::to_string(kMaxTokenLength) + " characters");
  for (char c : token)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      fail(ExitCode::bad_input, "a token must be printable ASCII without blanks");
}

TokenEntry parse_line(std::string_view line, std::size_t number) {
  auto words = blank_separated(line);
  if (words.size() != 3)
    fail(ExitCode::bad_input, "expected NAME SCOPES TOKEN, found " + std::to_string(words.size()) + " field" +
                                  (words.size() == 1 ? "" : "s"));
  TokenEntry entry;
  entry.name = std::string(words[0]);
  entry.scopes = parse_scope_list(words[1]);
  check_token(words[2]);
  entry.digest = sha256_of(words[2]);
  entry.line = number;
  return entry;
}

}  // namespace

std::string_view to_string(Scope scope) {
  switch (scope) {
    case Scope::submit:
      return "submit";
    case Scope::work:
      return "work";
    case Scope::read:
      return "read";
    case Scope::admin:
      return "admin";
    case Scope::replicate:
      return "replicate";
  }
  return "unknown";
}

std::optional<Scope> parse_scope(std::string_view word) {
  for (Scope scope : {Scope::submit, Scope::work, Scope::read, Scope::admin, Scope::replicate})
    if (to_string(scope) == word) return scope;
  return std::nullopt;
}

bool Scopes::allows(Scopes wanted) const {
  return (bits & static_cast<unsigned>(Scope::admin)) != 0 || (bits & wanted.bits) != 0;
}

std::string Scopes::describe() const {
  std::string text;
  for (Scope scope : {Scope::submit, Scope::work, Scope::read, Scope::admin, Scope::replicate}) {
    if ((bits & static_cast<unsigned>(scope)) == 0) continue;
    text += (text.empty() ? "'" : " or '") + std::string(to_string(scope)) + "'";
  }
  return text;
}

TokenSet TokenSet::parse(std::string_view text, const std::string& source) {
  TokenSet set;
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto words = blank_separated(line);
    if (words.empty() || words[0].front() == '#') continue;
    try {
      TokenEntry entry = parse_line(line, number);
      for (const auto& other : set.entries_)
        if (other.digest == entry.digest)
          fail(ExitCode::bad_input, "the token of line " + std::to_string(other.line) + " is given again");
      set.entries_.push_back(std::move(entry));
    } catch (const Error& error) {
      fail(error.code(), quote(source) + " line " + std::to_string(number) + ": " + error.what());
    }
  }
  if (set.entries_.empty()) fail(ExitCode::bad_input, "tokens file " + quote(source) + " holds no token");
  return set;
}

TokenSet TokenSet::load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail(ExitCode::failed, "cannot read tokens file " + quote(path) + ": " + system_error_text(errno));
  std::ostringstream text;
  text << file.rdbuf();
  return parse(text.str(), path);
}

const TokenEntry* TokenSet::find(std::string_view token) const {
  const auto digest = sha256_of(token);
  const TokenEntry* found = nullptr;
  for (const auto& entry : entries_) {
    // No early exit: every entry is compared, in constant time each.
    bool same = sodium_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0;
    if (same) found = &entry;
  }
  return found;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kPrefix = "Bearer ";
  if (authorization.size() <= kPrefix.size()) return std::nullopt;
  for (std::size_t i = 0; i < kPrefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kPrefix[i])))
      return std::nullopt;
  std::string_view token = authorization.substr(kPrefix.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace sheratan::serve
