#pragma once
// Who may call: the bearer token of a request, checked against the tokens file (or,
// with none, everyone on loopback), then the caller's rate. The token set can be
// replaced while requests run (SIGHUP): a request uses the set it started with.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "serve/token_bucket.hpp"
#include "serve/tokens.hpp"

namespace sheratan::serve {

struct Caller {
  std::string name;
  Scopes scopes;
};

class AccessGate {
 public:
  /// tokens_path empty: open (every caller is "local" with every scope).
  AccessGate(std::optional<std::string> tokens_path, double rate, double burst);

  /// Reads the tokens file again; on failure keeps the tokens in force and throws.
  void reload();
  bool open() const { return !tokens_path_; }

  /// The caller of a request with this Authorization header (empty when absent),
  /// needing scope (none: any caller, even without a token). Throws HttpError: 401
  /// without a token or with an unknown one, 403 without the scope, 429 past the
  /// caller's rate (with Retry-After). now_ms is a monotonic time.
  Caller admit(std::string_view authorization, std::optional<Scopes> scope, std::int64_t now_ms);

 private:
  std::shared_ptr<const TokenSet> tokens() const;

  std::optional<std::string> tokens_path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const TokenSet> tokens_;
  RateLimiter limiter_;
};

}  // namespace sheratan::serve
