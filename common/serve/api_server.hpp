#pragma once
// sheratan-serve's server: binds, serves the routes on a pool of threads (each with a
// store connection of its own) and stops cleanly. The tool parses flags into
// ServeOptions and drives this; httplib stays behind it.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "cli/duration.hpp"
#include "cli/timestamp.hpp"
#include "gates/policy.hpp"
#include "queue/job.hpp"
#include "serve/listen_address.hpp"
#include "store/store.hpp"
#include "worker/options.hpp"

namespace sheratan::serve {

struct ServeOptions {
  ListenAddress listen{"127.0.0.1", 8001};
  std::optional<std::string> tokens_path;
  std::size_t threads = 64;
  std::size_t max_body = 16 * 1024 * 1024;
  Millis timeout_ms = 10'000;
  Millis max_wait_ms = 60'000;
  Millis heartbeat_window_ms = 60'000;
  double rate = 0, burst = 0;
  std::optional<std::int64_t> max_depth;
  JobDefaults defaults;
  GatePolicy gates = GatePolicy::defaults();
  ChainLimits chain;  // for remote workers' follow-ups (POST /v1/work)
  StoreOptions store;
  bool log_requests = false;
};

class ApiServer {
 public:
  /// Checks the options (Error(usage): non-loopback without tokens), loads the tokens
  /// (Error(bad_input) naming the line), opens the store and its change feed.
  ApiServer(ServeOptions options, const Clock& clock);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// Binds the address; returns the port (the one picked when the port is 0).
  /// Throws Error(failed) when it cannot.
  int bind();
  /// Serves until stop(); returns false when the server failed.
  bool serve();
  /// Stops listening, wakes held requests, waits for those in flight. Any thread.
  void stop();
  /// Reads the tokens file again (SIGHUP); throws Error and keeps the old tokens.
  void reload_tokens();

  struct Parts;

 private:
  std::unique_ptr<Parts> parts_;
};

}  // namespace sheratan::serve
