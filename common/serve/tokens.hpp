#pragma once
// Bearer tokens for sheratan-serve, read from a file of one token a line:
//   NAME SCOPE[,SCOPE...] TOKEN
// Blank lines and lines starting with '#' are skipped. Only the SHA-256 of each token
// is kept; find() compares the digest of the token presented with every entry in
// constant time, so that neither the match nor its position leaks through timing.
// Promises: a set that parsed holds at least one token, each token once.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sheratan::serve {

enum class Scope : unsigned { submit = 1, work = 2, read = 4, admin = 8, replicate = 16 };

std::string_view to_string(Scope scope);
/// nullopt for a word that names no scope.
std::optional<Scope> parse_scope(std::string_view word);

/// A set of scopes as bits; admin holds every scope. A route names the scopes any of
/// which admits a caller (the event stream: read or work).
struct Scopes {
  unsigned bits = 0;
  constexpr Scopes() = default;
  constexpr explicit Scopes(unsigned set) : bits(set) {}
  constexpr Scopes(Scope scope) : bits(static_cast<unsigned>(scope)) {}  // NOLINT: one scope is a set
  constexpr Scopes operator|(Scopes other) const { return Scopes(bits | other.bits); }
  /// True when the caller holds admin or any of wanted.
  bool allows(Scopes wanted) const;
  /// "'read' or 'work'", for a message.
  std::string describe() const;
  static Scopes all() { return Scopes(31); }
};

struct TokenEntry {
  std::string name;
  Scopes scopes;
  std::array<unsigned char, 32> digest{};
  std::size_t line = 0;
};

class TokenSet {
 public:
  /// Parses the text of a tokens file; source names it in messages. Throws
  /// Error(bad_input) "SOURCE line N: ..." for a malformed line, an unknown scope, a
  /// token too short, too long or given twice, or a file with no token at all.
  static TokenSet parse(std::string_view text, const std::string& source);
  /// Reads and parses the file; Error(failed) when it cannot be read.
  static TokenSet load(const std::string& path);

  /// The entry of this token, or nullptr. Looks at every entry whatever it finds.
  const TokenEntry* find(std::string_view token) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<TokenEntry> entries_;
};

/// The token of an "Authorization: Bearer TOKEN" header value, or nullopt.
std::optional<std::string_view> bearer_token(std::string_view authorization);

}  // namespace sheratan::serve
