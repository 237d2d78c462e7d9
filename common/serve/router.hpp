#pragma once
// Routing inside sheratan-serve (this header is for common/serve/ only: it brings in
// httplib). A route names the scope it needs; Router wraps its handler once with the
// access gate, the calling thread's store connection, and the translation of every
// error into an {"error","message"} answer with its status.

#include <httplib.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli/timestamp.hpp"
#include "gates/gates.hpp"
#include "json/jsonl.hpp"
#include "queue/job.hpp"
#include "serve/access_gate.hpp"
#include "serve/change_feed.hpp"
#include "serve/latency_histogram.hpp"
#include "serve/thread_stores.hpp"
#include "worker/options.hpp"

namespace sheratan::serve {

/// What the routes read, fixed at start.
struct RouteSettings {
  JobDefaults defaults;
  std::shared_ptr<const Gates> gates;
  std::optional<std::int64_t> max_depth;
  Millis max_wait_ms = 60'000;
  Millis heartbeat_window_ms = 60'000;      // how far a heartbeat's ts may be from now
  ChainLimits chain;                        // for remote workers' follow-ups (POST /v1/work)
  std::size_t max_body = 16 * 1024 * 1024;  // --max-body, as Router reads a POST's body
};

/// What /metrics tells of the server itself: answers by status, claims held waiting.
class ServerCounters {
 public:
  std::atomic<std::int64_t> claims_waiting{0};
  std::atomic<std::int64_t> event_streams{0};
  /// How long each job claimed here had been due (since run_at, or its push) when leased.
  LatencyHistogram claim_latency;

  void count(int status);
  /// (status, count) for every status answered at least once.
  std::vector<std::pair<int, std::uint64_t>> snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, 600> counts_{};
};

/// What every route shares.
struct ServeShared {
  RouteSettings settings;
  const Clock& clock;
  ChangeFeed& feed;
  ThreadStores& stores;
  ServerCounters& counters;
  /// Remote workers' rounds (POST /v1/work) commit one at a time: a round waits here
  /// while another commits, not in SQLite's busy handler, which sleeps whole ms.
  mutable std::mutex work_rounds{};
};

/// One request being answered.
struct Call {
  const httplib::Request& request;
  httplib::Response& response;
  Store& store;
  const Caller& caller;
  const ServeShared& shared;
  const std::string& request_body;  // as Router read it (httplib's request.body stays empty)

  std::string match(std::size_t index) const { return request.matches[index].str(); }
  void reply(int status, std::string body, const char* content_type = "application/json");
  void reply_json(int status, const Json& value);
  /// Records as JSON lines (application/x-ndjson).
  void reply_lines(const std::vector<std::string>& records);
};

using Route = std::function<void(Call&)>;

class Router {
 public:
  Router(httplib::Server& server, AccessGate& gate, ServeShared& shared)
      : server_(server), gate_(gate), shared_(shared) {}
  void get(const std::string& pattern, std::optional<Scopes> scope, Route route);
  void post(const std::string& pattern, std::optional<Scopes> scope, Route route);
  /// A handler that needs no store connection (healthz).
  void get_bare(const std::string& pattern, std::function<void(httplib::Response&)> handler);

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, const std::string& body)>;
  Handler wrap(std::optional<Scopes> scope, Route route);

  httplib::Server& server_;
  AccessGate& gate_;
  ServeShared& shared_;
};

/// Sends an error answer (with Retry-After when it has one).
void send_error(httplib::Response& response, const class HttpError& error);

/// The routes, by concern.
void add_health_routes(Router& router);
void add_job_routes(Router& router);
void add_lease_routes(Router& router);
void add_state_routes(Router& router);
void add_ledger_routes(Router& router);
void add_host_routes(Router& router);
void add_event_routes(Router& router);
void add_heartbeat_routes(Router& router);

}  // namespace sheratan::serve
