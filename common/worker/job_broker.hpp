#pragma once
// What a worker asks of the queue: one interface whether the store is on this machine
// (StoreBroker) or behind sheratan-serve (RemoteBroker, --server). The worker's loop
// decides when to claim, what to run and when to report; the broker carries it out.
// A round (exchange) reports what has finished and claims what comes next in one
// commit, so that a stream of quick jobs costs one commit per batch either way.

#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "queue/queue.hpp"
#include "worker/outcome.hpp"

namespace sheratan {

/// A finished run, to be reported with the lease token it was claimed with.
struct WorkReport {
  Job job;
  RunOutcome outcome;
  std::int64_t ms = 0;  // how long it ran
};

/// An event to print once the change it reports has been committed: "done", "chain",
/// "retry", "failed", "dead", "stale" about a report's job, or "retry"/"dead" about a
/// claimed job whose cost could not be held.
struct WorkEvent {
  std::string name;
  const Job* job;  // into the round's reports or the broker's refused jobs
  Json extra;
};

struct Exchange {
  std::vector<WorkEvent> events;  // in the order to print them
  std::vector<Job> claimed;
  bool paused = false;                           // the system is PAUSED: nothing was claimed
  std::optional<std::string> claim_unavailable;  // why the claim could not be tried (the reports landed)
  std::vector<WorkReport> unreported;            // the store stayed busy for these: report them again
  /// After a claim that leased fewer than asked: whether more is claimable, and when
  /// to look again. Unset when the claim took all it asked for, or none was asked.
  /// A claimed job whose cost could not be held is failed in the round (its event
  /// says so) and counts as not claimed.
  std::optional<WaitCheck> check;
};

/// Something that calls on_change when the queue may have changed; gone when destroyed.
class ChangeWatch {
 public:
  virtual ~ChangeWatch() = default;
};

class JobBroker {
 public:
  virtual ~JobBroker() = default;

  /// Reports `reports` and, when claim.limit > 0, claims up to that many in the same
  /// commit. With no reports it first looks (a read) and commits only when something
  /// is claimable. Throws Error(unavailable) when nothing could be done (a busy store,
  /// an unreachable server): the caller keeps its reports and tries again.
  virtual Exchange exchange(std::vector<WorkReport>& reports, const ClaimRequest& claim) = 0;

  /// Extends each lease (updating lease_until) or releases it, all in one commit;
  /// returns the ids the queue refused (no longer this worker's), or nullopt when it
  /// could not be tried (a warning was printed). A released job spends no attempt.
  virtual std::optional<std::set<std::string>> extend(const std::vector<Job*>& jobs, Millis lease_ms) = 0;
  virtual std::optional<std::set<std::string>> release(const std::vector<Job*>& jobs) = 0;

  /// Calls on_change on loop whenever the queue may have changed.
  virtual std::unique_ptr<ChangeWatch> watch(uv_loop_t* loop, std::function<void()> on_change) = 0;

  /// Whether a round waits long enough (on the network) to be worth carrying out on a
  /// thread of its own (worker/round_thread.hpp). exchange() is then called on that
  /// thread, one round at a time, while extend() and release() may run on the loop.
  virtual bool rounds_off_loop() const { return false; }
};

}  // namespace sheratan
