#pragma once
// Carries out a broker's rounds off the worker's loop, for a broker whose round waits
// on the network (RemoteBroker). While the server works on a round, the loop goes on
// starting the jobs claimed ahead and collecting their results, and a second round may
// be under way: the server works on one while the worker reads the answer to the
// other, so that the two machines overlap instead of taking turns.
// A broker whose round is a local commit (StoreBroker) runs it on the loop, at once:
// run_round serves both.

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "worker/action_run.hpp"
#include "worker/job_broker.hpp"

namespace sheratan {

/// What became of one round.
struct RoundOutcome {
  std::uint64_t seq = 0;                   // rounds are numbered as they start
  std::vector<WorkReport> batch;           // what was reported: the round's events point into it
  std::int64_t claim_limit = 0;            // what it asked to claim; 0: it only reported
  std::optional<Exchange> round;           // unset when the round could not be done
  std::optional<std::string> unavailable;  // why, when asking again later may help
  std::exception_ptr error;                // any other failure, to be thrown on the loop
};

/// Reports batch and claims as claim asks; an Error(unavailable) is kept in the
/// outcome, any other failure too (as error).
RoundOutcome run_round(JobBroker& broker, std::uint64_t seq, std::vector<WorkReport> batch, const ClaimRequest& claim);

class RoundThread {
 public:
  /// on_done runs on the mailbox's loop after each round.
  RoundThread(JobBroker& broker, ActionMailbox& mailbox, std::function<void(RoundOutcome)> on_done);
  /// Waits for the rounds in flight; their outcomes are dropped.
  ~RoundThread();
  RoundThread(const RoundThread&) = delete;
  RoundThread& operator=(const RoundThread&) = delete;

  static constexpr std::size_t kMostInFlight = 2;

  /// Starts a round on a thread of its own. Only while !full(); loop thread only.
  void start(std::uint64_t seq, std::vector<WorkReport> batch, ClaimRequest claim);
  /// Rounds whose outcome has not been handed to on_done yet.
  std::size_t in_flight() const { return flights_.size(); }
  bool full() const { return flights_.size() >= kMostInFlight; }

  struct Flight;

 private:
  JobBroker& broker_;
  ActionMailbox& mailbox_;
  std::function<void(RoundOutcome)> on_done_;
  std::vector<std::shared_ptr<Flight>> flights_;
};

}  // namespace sheratan
