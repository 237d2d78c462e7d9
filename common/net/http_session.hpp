#pragma once
// Requests to one sheratan-serve, one after another, from a tool that waits for each
// answer (a replica's sync, a remote worker's rounds). One curl handle serves them
// all, so the connection is kept alive from one request to the next. libcurl is
// loaded on first use (net/curl_library.hpp), so a tool that never speaks HTTP never
// pays for it.

#include <memory>
#include <optional>
#include <string>

#include "cli/duration.hpp"

namespace sheratan {

struct HttpSessionOptions {
  std::optional<std::string> token;    // sent as "Authorization: Bearer TOKEN"
  Millis timeout_ms = 60'000;          // for each request, connecting included
  Millis connect_timeout_ms = 10'000;  // at most timeout_ms
  std::string user_agent;              // "sheratan-ledger/0.1.0"
  std::string accept = "application/json";
  // Ask for gzip: worth it for pages of a journal over a slow link, not for a worker's
  // rounds: sheratan-serve's gzip took several times longer than the round itself
  // (timed by hand with curl on loopback, 128 and 260 claimed jobs).
  bool compressed = false;
  std::size_t max_body_bytes = std::size_t{64} << 20;  // a larger answer is refused
};

struct HttpAnswer {
  long status = 0;
  std::string body;
};

/// "http://host:8001/" → "http://host:8001". Throws Error(usage), naming flag, for what
/// cannot be a server's root: another scheme, a query or fragment, no host, or a user
/// and password (a token goes in a file, not in a URL that is recorded and shown).
std::string server_root(const std::string& url, const std::string& flag);

/// The "message" of sheratan-serve's {"error","message"} answer, when the body is one.
std::string server_message(const std::string& body);

/// An answer worth asking again later: the server is overloaded or in trouble.
inline bool retry_may_help(long status) {
  return status == 429 || status >= 500;
}

class HttpSession {
 public:
  /// root as server_root returns it; flag names where it came from, for messages.
  HttpSession(std::string root, std::string flag, HttpSessionOptions options);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  /// The answer, whatever its status. Throws Error(unavailable) when the server could
  /// not be reached in a way that may pass (refused, reset, timed out), Error(failed)
  /// when it will not (TLS, an answer over max_body_bytes), Error(usage) for a URL
  /// curl cannot use.
  HttpAnswer get(const std::string& path);
  /// POSTs body as application/json.
  HttpAnswer post(const std::string& path, const std::string& body);

  const std::string& root() const { return root_; }

  struct Handles;

 private:
  HttpAnswer perform(const std::string& path);

  std::string root_;
  std::string flag_;
  HttpSessionOptions options_;
  std::unique_ptr<Handles> handles_;
};

}  // namespace sheratan
