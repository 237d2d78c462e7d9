#include "serve/access_gate.hpp"

#include "cli/message.hpp"
#include "serve/http_error.hpp"

namespace sheratan::serve {

AccessGate::AccessGate(std::optional<std::string> tokens_path, double rate, double burst)
    : tokens_path_(std::move(tokens_path)), limiter_(rate, burst) {
  if (tokens_path_) tokens_ = std::make_shared<const TokenSet>(TokenSet::load(*tokens_path_));
}

void AccessGate::reload() {
  if (!tokens_path_) return;
  auto fresh = std::make_shared<const TokenSet>(TokenSet::load(*tokens_path_));
  std::lock_guard lock(mutex_);
  tokens_ = std::move(fresh);
}

std::shared_ptr<const TokenSet> AccessGate::tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

Caller AccessGate::admit(std::string_view authorization, std::optional<Scopes> scope, std::int64_t now_ms) {
  Caller caller{"local", Scopes::all()};
  if (!scope) return caller;
  if (auto set = tokens()) {
    auto token = bearer_token(authorization);
    if (!token)
      throw HttpError(401, "unauthorized",
                      authorization.empty() ? "missing bearer token (Authorization: Bearer TOKEN)"
                                            : "the Authorization header is not 'Bearer TOKEN'");
    const TokenEntry* entry = set->find(*token);
    if (!entry) throw HttpError(401, "unauthorized", "unknown token");
    caller = {entry->name, entry->scopes};
    if (!caller.scopes.allows(*scope))
      throw HttpError(403, "forbidden", "token " + quote(caller.name) + " lacks scope " + scope->describe());
  }
  if (std::int64_t wait_ms = limiter_.take(caller.name, now_ms); wait_ms > 0)
    throw HttpError(429, "rate_limited", "caller " + quote(caller.name) + " is past its rate; retry later",
                    (wait_ms + 999) / 1000);
  return caller;
}

}  // namespace sheratan::serve
