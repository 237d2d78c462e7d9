#pragma once
// The worker's broker behind sheratan-serve (sheratan-worker --server URL): each round
// is one POST /v1/work, which the server carries out with the StoreBroker a local
// worker uses (reports and the next claim in one commit, chains, retries); leases are
// extended and released with POST /v1/leases/extend|release, all at once; the server's
// stream of changes (GET /v1/changes) wakes the worker as the store watch wakes a local one.
// Rounds are made on the worker's round threads (rounds_off_loop), so that the worker
// runs its jobs while the server works, two at a time at most; lease renewals and
// releases come from the loop meanwhile. Each has a kept-alive connection of its own. A server out of reach is
// Error(unavailable): the worker keeps its results and reports them again.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli/timestamp.hpp"
#include "net/http_session.hpp"
#include "worker/job_broker.hpp"

namespace sheratan {

struct RemoteBrokerOptions {
  std::string url;                   // the server's root, as given to --server
  std::optional<std::string> token;  // bearer token with scope work
  Millis timeout_ms = 30'000;        // for each request
};

class RemoteBroker final : public JobBroker {
 public:
  /// Throws Error(usage) for a URL that cannot name a server.
  RemoteBroker(const RemoteBrokerOptions& options, const Clock& clock);

  Exchange exchange(std::vector<WorkReport>& reports, const ClaimRequest& claim) override;
  std::optional<std::set<std::string>> extend(const std::vector<Job*>& jobs, Millis lease_ms) override;
  std::optional<std::set<std::string>> release(const std::vector<Job*>& jobs) override;
  std::unique_ptr<ChangeWatch> watch(uv_loop_t* loop, std::function<void()> on_change) override;
  bool rounds_off_loop() const override { return true; }

 private:
  /// POSTs body; the answer of a 2xx status. Other answers throw: Error(unavailable)
  /// when asking again may help (429, 5xx), else Error(failed) with the server's message.
  Json post(HttpSession& session, const std::string& path, const Json& body);
  /// POST /v1/leases/{action} for the jobs' leases, many to a request; the ids the
  /// server refused (no longer this worker's), or nullopt after a warning.
  std::optional<std::set<std::string>> on_leases(const std::vector<Job*>& jobs, const char* action, const Json& fields);

  /// A connection for one round: an idle one, or a new one.
  std::unique_ptr<HttpSession> take_session();
  void give_back(std::unique_ptr<HttpSession> session);

  std::optional<std::string> token_;
  std::string root_;
  HttpSessionOptions session_options_;
  std::mutex idle_mutex_;
  std::vector<std::unique_ptr<HttpSession>> idle_;  // for exchange(), on the round threads
  HttpSession leases_;                              // extend() and release(), on the loop
  const Clock& clock_;
};

}  // namespace sheratan
