#pragma once
// The worker: claims jobs up to its free slots, runs them concurrently (a program
// with --exec, else the built-in actions), reports results in batches (one
// transaction for many acks), keeps leases alive, enforces each job's timeout, and
// stops cleanly on SIGINT/SIGTERM.
// Everything happens on one libuv loop: child processes, action threads' hand-backs,
// the store watch, signals, and a handful of timers, each armed only for a moment
// that matters (the next run_at or lease expiry, a job's deadline, a lease renewal).
// An idle worker has no timer armed and wakes only when the store changes.
// Reports and claims share a round: one durable commit acks what finished and leases
// what comes next. The queue is reached through a broker: the store itself, or
// sheratan-serve for a worker on another machine (--server); the loop is the same. Fast jobs are claimed ahead of free
// slots (prefetch): at most about kPrefetchWindowMs of expected work, judged by how long recent runs took, so that a
// stream of quick jobs costs one commit per batch while slow jobs are left for other workers. While the system is
// PAUSED (sheratan-state) it claims nothing: jobs it holds run and are reported, and it sleeps until the store changes.
// Promises: a result is reported with the lease token it was claimed with, so a
// worker whose lease ran out can never complete a job handed to someone else; a job
// released on shutdown does not spend an attempt.

#include <uv.h>

#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "identity/heartbeat_sender.hpp"
#include "worker/action_run.hpp"
#include "worker/event_log.hpp"
#include "worker/job_broker.hpp"
#include "worker/job_run.hpp"
#include "worker/options.hpp"
#include "worker/round_thread.hpp"

namespace sheratan {

class Worker {
 public:
  /// Throws Error(usage) for options that cannot work (an unknown kind without --exec,
  /// a root that is not a folder).
  Worker(JobBroker& broker, const Clock& clock, WorkerOptions options, EventLog& events);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Runs until the mode says it is done or a signal ends it. Returns the exit status:
  /// 0, or 130/143 after SIGINT/SIGTERM.
  int run();

 private:
  static constexpr std::uint64_t kRetryMs = 1000;  // after the store stayed busy, or the server out of reach

  struct Running {
    Job job;
    std::unique_ptr<JobRun> run;
    std::int64_t started = 0;   // monotonic ms
    std::int64_t deadline = 0;  // monotonic ms
    bool timed_out = false;     // stopped for its timeout: reported as error "timeout"
    bool abandoned = false;     // lease released or lost: its outcome is not reported
  };

  // worker.cpp: the loop
  void guarded(const std::function<void()>& step);
  void kick();
  void on_kick();
  std::int64_t claims_wanted() const;
  std::int64_t prefetch_target() const;
  void report_and_claim();
  /// Starts a round: on the loop, or on the round thread for a broker that waits on the
  /// network; either way on_round gets its outcome.
  void begin_round(std::vector<WorkReport> batch, std::int64_t claim_limit);
  void on_round(RoundOutcome outcome);
  /// After a round carried out off the loop: what on_kick does after its round.
  void after_round_off_loop(RoundOutcome outcome);
  bool round_in_flight() const { return rounds_ && rounds_->in_flight() > 0; }
  /// No other round may start until one is back.
  bool rounds_full() const { return rounds_ && rounds_->full(); }
  /// Prints a round's events and keeps what it could not do for later.
  void after_round(Exchange& round);
  void after_claim(std::size_t claimed, const WaitCheck& check);
  /// Records whether the system is PAUSED (printing paused/resumed when it changes);
  /// returns paused.
  bool note_paused(bool paused);
  void after_pause();
  void release_queued(const char* reason);
  void start_queued();
  void start(Job job);
  void on_finished(const std::string& id, RunOutcome outcome);
  void arm_deadline_timer();
  void on_deadline();
  void arm_lease_timer();
  void extend_leases();
  /// The jobs whose leases this worker holds: running (not abandoned), claimed ahead.
  std::vector<Job*> held_leases(bool running, bool queued);
  /// Releases leases without spending an attempt; prints "released" for each.
  void release_leases(const std::vector<Job*>& jobs, const char* reason);
  void on_signal(int signal);
  void release_all(const char* reason);
  void maybe_finish();
  void start_heartbeats();
  ClaimRequest claim_request(std::int64_t limit) const;

  // Reporting: results go to the broker in batches
  void flush_reports();
  void retry_reports_later(std::vector<WorkReport> batch, const std::string& why);
  void print_events(std::vector<WorkEvent>& printed);

  JobBroker& broker_;
  const Clock& clock_;
  WorkerOptions options_;
  EventLog& events_;
  std::unique_ptr<Sandbox> root_;

  uv_loop_t loop_{};
  uv_timer_t kick_timer_{}, due_timer_{}, deadline_timer_{}, lease_timer_{}, grace_timer_{}, retry_timer_{},
      report_timer_{};
  uv_signal_t sigint_{}, sigterm_{};
  std::unique_ptr<ChangeWatch> watch_;
  std::unique_ptr<ActionMailbox> mailbox_;
  std::unique_ptr<RoundThread> rounds_;  // only for a broker whose rounds go off the loop
  std::optional<Identity> identity_;     // --identity, loaded at the start
  std::unique_ptr<HeartbeatSender> heartbeat_;
  bool heartbeat_failing_ = false;  // the last heartbeat failed: a warning was printed

  std::map<std::string, Running> running_;
  std::deque<Job> queued_;  // claimed ahead of free slots, not started yet
  std::vector<std::unique_ptr<JobRun>> finished_runs_;
  std::vector<WorkReport> reports_;
  std::int64_t claimed_total_ = 0;
  std::optional<double> average_run_ms_;  // moving average of recent runs, for prefetch
  int empty_claims_ = 0;                  // claims in a row that found nothing the check saw
  bool nothing_ready_ = false;
  bool round_deferred_ = false;        // a pass skipped its round: the rounds in flight were full
  std::uint64_t round_seq_ = 0;        // the last round started
  std::uint64_t newest_claim_ = 0;     // the latest-started claiming round whose outcome is in
  std::int64_t claims_in_flight_ = 0;  // what the rounds in flight asked to claim
  bool paused_ = false;                // the system was PAUSED at the last claim: nothing is claimed
  bool stopping_ = false;
  bool released_all_ = false;
  bool finished_ = false;
  int exit_status_ = 0;
  std::exception_ptr fatal_;  // an error from a callback, thrown again by run()
};

}  // namespace sheratan
