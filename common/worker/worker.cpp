#include "worker/worker.hpp"

#include <algorithm>
#include <csignal>
#include <set>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/job_cost.hpp"
#include "worker/exec_run.hpp"

namespace sheratan {

namespace {

Worker* worker_of(void* handle) {
  return static_cast<Worker*>(static_cast<uv_handle_t*>(handle)->data);
}

constexpr double kPrefetchWindowMs = 100;     // expected work a worker claims ahead
constexpr int kEmptyClaimRounds = 4;          // claims that find nothing before waiting
constexpr std::size_t kReportBatch = 128;     // results that are reported without delay
constexpr std::uint64_t kReportDelayMs = 25;  // the most a result waits for others

/// How often leases are renewed: about a third of the lease, so that two renewals
/// can fail (a busy store) before the lease runs out.
std::uint64_t renewal_interval(Millis lease_ms) {
  return static_cast<std::uint64_t>(std::max<Millis>(lease_ms / 3, 1));
}

}  // namespace

Worker::Worker(JobBroker& broker, const Clock& clock, WorkerOptions options, EventLog& events)
    : broker_(broker), clock_(clock), options_(std::move(options)), events_(events) {
  if (options_.concurrency < 1) fail(ExitCode::usage, "--concurrency must be at least 1");
  if (options_.lease_ms < 1) fail(ExitCode::usage, "--lease must be positive");
  if (!options_.exec) {
    // Without --exec only the built-in actions can run: claim those kinds, and no
    // other, so that jobs meant for an --exec worker are left alone.
    if (options_.kinds.empty())
      for (auto name : action_names())
        options_.kinds.emplace_back(name);
    for (const auto& kind : options_.kinds)
      if (!find_action(kind)) fail(ExitCode::usage, "no built-in action " + quote(kind) + " (run it with --exec CMD)");
  }
  root_ = std::make_unique<Sandbox>(options_.root);
  // A key file that cannot be used fails the start, before any job is claimed.
  if (options_.heartbeat) identity_ = Identity::load(options_.heartbeat->identity_path);
  uv_loop_init(&loop_);
  for (uv_timer_t* timer :
       {&kick_timer_, &due_timer_, &deadline_timer_, &lease_timer_, &grace_timer_, &retry_timer_, &report_timer_}) {
    uv_timer_init(&loop_, timer);
    timer->data = this;
  }
  for (uv_signal_t* signal : {&sigint_, &sigterm_}) {
    uv_signal_init(&loop_, signal);
    signal->data = this;
  }
  mailbox_ = std::make_unique<ActionMailbox>(&loop_);
  if (broker_.rounds_off_loop())
    rounds_ = std::make_unique<RoundThread>(broker_, *mailbox_, [this](RoundOutcome outcome) {
      guarded([&] { after_round_off_loop(std::move(outcome)); });
    });
}

Worker::~Worker() {
  // After an error, jobs may still run: their processes are stopped and action threads
  // joined before the mailbox they answer to goes; the leases expire in the store.
  for (auto& [id, running] : running_)
    running.run->stop();
  running_.clear();
  finished_runs_.clear();
  watch_.reset();
  rounds_.reset();  // waits for a round in flight: its thread posts to the mailbox
  mailbox_.reset();
  heartbeat_.reset();
  for (uv_timer_t* timer :
       {&kick_timer_, &due_timer_, &deadline_timer_, &lease_timer_, &grace_timer_, &retry_timer_, &report_timer_})
    uv_close(reinterpret_cast<uv_handle_t*>(timer), nullptr);
  for (uv_signal_t* signal : {&sigint_, &sigterm_})
    uv_close(reinterpret_cast<uv_handle_t*>(signal), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);  // the close callbacks free what the handles own
  uv_loop_close(&loop_);
}

int Worker::run() {
  auto signal_cb = [](uv_signal_t* handle, int signal) {
    worker_of(handle)->guarded([&] { worker_of(handle)->on_signal(signal); });
  };
  uv_signal_start(&sigint_, signal_cb, SIGINT);
  uv_signal_start(&sigterm_, signal_cb, SIGTERM);
  // --drain never waits for the store; the others wake when it changes.
  if (options_.mode != WorkerMode::drain) watch_ = broker_.watch(&loop_, [this] { kick(); });
  events_.worker_event("started", Json{{"queue", options_.queue}, {"concurrency", options_.concurrency}});
  start_heartbeats();
  kick();
  while (!finished_)
    uv_run(&loop_, UV_RUN_ONCE);
  if (fatal_) std::rethrow_exception(fatal_);  // the destructor stops what still runs
  events_.worker_event("stopped", Json{{"claimed", claimed_total_}});
  return exit_status_;
}

void Worker::guarded(const std::function<void()>& step) {
  // An error thrown from a libuv callback cannot unwind through libuv: it is kept, the
  // loop ends, and run() throws it, so that the tool reports it as any other error.
  try {
    step();
  } catch (...) {
    if (!fatal_) fatal_ = std::current_exception();
    finished_ = true;
    uv_stop(&loop_);
  }
}

void Worker::kick() {
  // One pass soon, after whatever else this turn of the loop delivers, so that the
  // results of many jobs that end together are reported in one transaction.
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&kick_timer_)))
    uv_timer_start(
        &kick_timer_, [](uv_timer_t* timer) { worker_of(timer)->guarded([&] { worker_of(timer)->on_kick(); }); }, 0, 0);
}

void Worker::on_kick() {
  finished_runs_.clear();
  start_queued();  // free slots take jobs claimed ahead first
  report_and_claim();
  start_queued();
  arm_deadline_timer();
  arm_lease_timer();
  maybe_finish();
}

ClaimRequest Worker::claim_request(std::int64_t limit) const {
  ClaimRequest request;
  request.worker = options_.id;
  request.queue = options_.queue;
  request.kinds = options_.kinds;
  request.limit = limit;
  request.lease_ms = options_.lease_ms;
  return request;
}

std::int64_t Worker::prefetch_target() const {
  if (options_.mode == WorkerMode::once || options_.prefetch == 0 || !average_run_ms_) return 0;
  const double runs_per_slot = kPrefetchWindowMs / std::max(*average_run_ms_, 1.0);
  return std::min(options_.prefetch,
                  static_cast<std::int64_t>(static_cast<double>(options_.concurrency) * runs_per_slot));
}

std::int64_t Worker::claims_wanted() const {
  if (stopping_) return 0;
  const auto held = static_cast<std::int64_t>(running_.size() + queued_.size()) + claims_in_flight_;
  if (options_.mode == WorkerMode::once) return claimed_total_ == 0 && held == 0 ? 1 : 0;
  const std::int64_t free_slots = options_.concurrency - static_cast<std::int64_t>(running_.size());
  const std::int64_t target = prefetch_target();
  // With every slot busy, claim ahead only once half of what is held ahead has started,
  // so that quick jobs are claimed in batches rather than one per finished run.
  if (free_slots <= 0 && static_cast<std::int64_t>(queued_.size()) * 2 > target) return 0;
  return std::max<std::int64_t>(0, options_.concurrency + target - held);
}

void Worker::report_and_claim() {
  if (rounds_full()) {
    round_deferred_ = true;  // this pass is made again when a round is back
    return;
  }
  const std::int64_t wanted = claims_wanted();
  if (wanted <= 0) {
    uv_timer_stop(&due_timer_);
    // Group commit: while jobs claimed ahead keep the slots busy, results wait a few
    // ms (or until a batch is full) to share one transaction with many others.
    const bool batch_full = reports_.size() >= kReportBatch;
    if (batch_full || queued_.empty() || stopping_) {
      flush_reports();
    } else if (!reports_.empty() && !uv_is_active(reinterpret_cast<uv_handle_t*>(&report_timer_))) {
      uv_timer_start(
          &report_timer_,
          [](uv_timer_t* timer) {
            worker_of(timer)->guarded([&] { worker_of(timer)->flush_reports(); });
            worker_of(timer)->kick();
          },
          kReportDelayMs, 0);
    }
    return;
  }
  std::vector<WorkReport> batch = std::move(reports_);
  reports_.clear();
  begin_round(std::move(batch), wanted);
}

void Worker::begin_round(std::vector<WorkReport> batch, std::int64_t claim_limit) {
  const std::uint64_t seq = ++round_seq_;
  claims_in_flight_ += claim_limit;
  if (rounds_)
    rounds_->start(seq, std::move(batch), claim_request(claim_limit));
  else
    on_round(run_round(broker_, seq, std::move(batch), claim_request(claim_limit)));
}

void Worker::after_round_off_loop(RoundOutcome outcome) {
  on_round(std::move(outcome));
  start_queued();
  arm_deadline_timer();
  arm_lease_timer();
  if (round_deferred_) {
    round_deferred_ = false;
    kick();
  }
  maybe_finish();
}

void Worker::on_round(RoundOutcome outcome) {
  claims_in_flight_ -= outcome.claim_limit;
  if (outcome.error) std::rethrow_exception(outcome.error);
  if (outcome.unavailable) {
    retry_reports_later(std::move(outcome.batch), *outcome.unavailable);
    return;
  }
  Exchange& round = *outcome.round;
  after_round(round);
  if (outcome.claim_limit == 0) return;
  // Of two claiming rounds in flight, the later one may come back first: what the
  // earlier one saw (paused, nothing ready) is then out of date, but its jobs count.
  const bool newest = outcome.seq > newest_claim_;
  if (newest) newest_claim_ = outcome.seq;
  if (newest && note_paused(round.paused)) {
    after_pause();
    return;
  }
  for (auto& job : round.claimed) {
    ++claimed_total_;
    Json extra{{"lease_until", format_rfc3339(job.lease_until.value_or(0))}};
    if (options_.hold_cost && ledger::job_cost(job)) extra["hold"] = ledger::cost_hold_id(job);
    events_.job_event("claimed", job, std::move(extra));
    queued_.push_back(std::move(job));
  }
  if (stopping_) {
    // A round that was in flight when the stop began: what it claimed goes back.
    release_queued("stopping");
    return;
  }
  if (!newest) return;
  if (!round.check) {
    empty_claims_ = 0;
    nothing_ready_ = false;
    uv_timer_stop(&due_timer_);
    return;
  }
  after_claim(round.claimed.size(), *round.check);
}

void Worker::after_round(Exchange& round) {
  print_events(round.events);
  if (!round.unreported.empty()) retry_reports_later(std::move(round.unreported), "the store is busy");
  if (round.claim_unavailable) {
    print_warning(*round.claim_unavailable + " (claiming again in 1s)");
    uv_timer_start(
        &retry_timer_, [](uv_timer_t* timer) { worker_of(timer)->kick(); }, kRetryMs, 0);
  }
}

bool Worker::note_paused(bool paused) {
  if (paused != paused_) {
    paused_ = paused;
    if (paused)
      events_.worker_event("paused", Json{{"reason", "the system is PAUSED: claiming nothing until it changes"}});
    else
      events_.worker_event("resumed");
  }
  return paused;
}

void Worker::after_pause() {
  // The store watch wakes the worker when anything commits, the state change included;
  // no timer runs meanwhile. A --drain worker has no watch: it ends (exit 5).
  uv_timer_stop(&due_timer_);
  empty_claims_ = 0;
  nothing_ready_ = true;
}

void Worker::after_claim(std::size_t claimed, const WaitCheck& check) {
  nothing_ready_ = !check.done;
  if (check.done) {
    // The check sees a job the claim did not take (one that came due meanwhile): look
    // again at once while claims make progress, a few times when they do not.
    if (claimed > 0 || ++empty_claims_ < kEmptyClaimRounds) {
      if (claimed > 0) empty_claims_ = 0;
      kick();
      return;
    }
    nothing_ready_ = true;
  } else {
    empty_claims_ = 0;
  }
  if (!check.next_due || check.done) {
    uv_timer_stop(&due_timer_);
    return;
  }
  auto delay = std::max<std::int64_t>(0, *check.next_due - clock_.now());
  uv_timer_start(
      &due_timer_, [](uv_timer_t* timer) { worker_of(timer)->kick(); }, static_cast<std::uint64_t>(delay), 0);
}

void Worker::start_queued() {
  while (!queued_.empty() && static_cast<std::int64_t>(running_.size()) < options_.concurrency) {
    Job job = std::move(queued_.front());
    queued_.pop_front();
    start(std::move(job));
  }
}

void Worker::start(Job job) {
  const std::string id = job.id;
  Running running;
  running.started = monotonic_millis();
  running.deadline = running.started + job.spec.timeout_ms;
  auto finish = [this, id](RunOutcome outcome) { on_finished(id, std::move(outcome)); };
  const ActionSpec* action = options_.exec ? nullptr : find_action(job.spec.kind);
  running.job = std::move(job);
  auto& slot = running_.emplace(id, std::move(running)).first->second;
  if (options_.exec)
    slot.run = std::make_unique<ExecRun>(&loop_, *options_.exec, slot.job, options_.kill_grace_ms, finish);
  else
    slot.run = std::make_unique<ActionRun>(*mailbox_, *action, slot.job, *root_, finish);
}

void Worker::on_finished(const std::string& id, RunOutcome outcome) {
  auto found = running_.find(id);
  if (found == running_.end()) return;
  Running& running = found->second;
  if (running.timed_out) outcome = RunOutcome::temporary("timeout");
  if (!running.abandoned) {
    const std::int64_t ms = monotonic_millis() - running.started;
    average_run_ms_ =
        average_run_ms_ ? 0.8 * *average_run_ms_ + 0.2 * static_cast<double>(ms) : static_cast<double>(ms);
    reports_.push_back({running.job, std::move(outcome), ms});
  }
  finished_runs_.push_back(std::move(running.run));
  running_.erase(found);
  kick();
}

void Worker::arm_deadline_timer() {
  std::optional<std::int64_t> next;
  for (const auto& [id, running] : running_)
    if (!running.timed_out && !running.abandoned && (!next || running.deadline < *next)) next = running.deadline;
  if (!next) {
    uv_timer_stop(&deadline_timer_);
    return;
  }
  auto delay = std::max<std::int64_t>(0, *next - monotonic_millis());
  uv_timer_start(
      &deadline_timer_, [](uv_timer_t* timer) { worker_of(timer)->on_deadline(); }, static_cast<std::uint64_t>(delay),
      0);
}

void Worker::on_deadline() {
  const std::int64_t now = monotonic_millis();
  for (auto& [id, running] : running_) {
    if (running.timed_out || running.abandoned || running.deadline > now) continue;
    running.timed_out = true;
    events_.job_event("timeout", running.job, Json{{"timeout", format_duration(running.job.spec.timeout_ms)}});
    running.run->stop();
  }
  arm_deadline_timer();
}

void Worker::arm_lease_timer() {
  bool holding = !queued_.empty();
  for (const auto& [id, running] : running_)
    holding = holding || !running.abandoned;
  if (!holding) {
    uv_timer_stop(&lease_timer_);
  } else if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&lease_timer_))) {
    auto interval = renewal_interval(options_.lease_ms);
    uv_timer_start(
        &lease_timer_, [](uv_timer_t* timer) { worker_of(timer)->guarded([&] { worker_of(timer)->extend_leases(); }); },
        interval, interval);
  }
}

std::vector<Job*> Worker::held_leases(bool running, bool queued) {
  std::vector<Job*> held;
  if (running)
    for (auto& [id, run] : running_)
      if (!run.abandoned) held.push_back(&run.job);
  if (queued)
    for (auto& job : queued_)
      held.push_back(&job);
  return held;
}

void Worker::extend_leases() {
  auto lost = broker_.extend(held_leases(true, true), options_.lease_ms);
  if (!lost) return;  // the store stayed busy: the next renewal tries again
  for (const auto& id : *lost) {
    auto ahead = std::find_if(queued_.begin(), queued_.end(), [&](const Job& job) { return job.id == id; });
    if (ahead != queued_.end()) {
      events_.job_event("lost", *ahead, Json{{"reason", "the lease was lost before the job started"}});
      queued_.erase(ahead);
      continue;
    }
    Running& running = running_.at(id);
    running.abandoned = true;
    events_.job_event("lost", running.job, Json{{"reason", "the lease was lost; the job is stopped"}});
    running.run->stop();
  }
  arm_lease_timer();
}

void Worker::release_leases(const std::vector<Job*>& jobs, const char* reason) {
  auto refused = broker_.release(jobs);
  if (!refused) {
    print_warning("the leases return to the queue when they expire");
    return;
  }
  for (const Job* job : jobs)
    if (!refused->count(job->id)) events_.job_event("released", *job, Json{{"reason", reason}});
}

void Worker::on_signal(int signal) {
  if (stopping_) {
    release_all("second signal");
    return;
  }
  stopping_ = true;
  exit_status_ = to_int(signal == SIGINT ? ExitCode::interrupted : ExitCode::terminated);
  uv_timer_stop(&due_timer_);
  release_queued("stopping");
  events_.worker_event("stopping", Json{{"running", running_.size()}, {"grace", format_duration(options_.grace_ms)}});
  uv_timer_start(
      &grace_timer_,
      [](uv_timer_t* timer) { worker_of(timer)->guarded([&] { worker_of(timer)->release_all("grace period over"); }); },
      static_cast<std::uint64_t>(options_.grace_ms), 0);
  kick();
}

void Worker::release_queued(const char* reason) {
  if (queued_.empty()) return;
  release_leases(held_leases(false, true), reason);
  queued_.clear();
}

void Worker::release_all(const char* reason) {
  if (released_all_) return;
  released_all_ = true;
  uv_timer_stop(&grace_timer_);
  flush_reports();  // what has finished is reported, not released
  release_queued(reason);
  release_leases(held_leases(true, false), reason);
  for (auto& [id, running] : running_) {
    running.abandoned = true;
    running.run->stop();
  }
  kick();
}

void Worker::start_heartbeats() {
  if (!options_.heartbeat) return;
  const auto& settings = *options_.heartbeat;
  HeartbeatTarget target{settings.url, settings.token, settings.host, settings.every_ms, 10'000};
  auto describe = [this] {
    return std::pair<std::string, Json>{stopping_ ? "stopping"
                                        : paused_ ? "paused"
                                                  : "ok",
                                        Json{{"worker", options_.id},
                                             {"queue", options_.queue},
                                             {"running", running_.size()},
                                             {"claimed", claimed_total_}}};
  };
  // A heartbeat that fails is worth one warning, not one a beat; a recovery is told.
  auto on_reply = [this](const Json& sent, const HttpReply& reply) {
    const bool ok = !reply.error && reply.status >= 200 && reply.status < 300;
    if (ok) {
      if (heartbeat_failing_) print_info("heartbeats accepted again");
      heartbeat_failing_ = false;
      print_debug("heartbeat " + sent.value("counter", Json()).dump() + " accepted");
      return;
    }
    if (heartbeat_failing_) return;
    heartbeat_failing_ = true;
    print_warning("heartbeat to " + quote(options_.heartbeat->url) + " failed: " +
                  (reply.error ? *reply.error : "HTTP " + std::to_string(reply.status) + " " + reply.body));
  };
  heartbeat_ = std::make_unique<HeartbeatSender>(&loop_, clock_, *identity_, target, describe, on_reply);
  heartbeat_->start();
}

void Worker::maybe_finish() {
  if (!running_.empty() || !queued_.empty() || !reports_.empty() || round_in_flight()) return;
  bool done = stopping_ || (options_.mode == WorkerMode::drain && nothing_ready_) ||
              (options_.mode == WorkerMode::once && claimed_total_ > 0);
  if (!done) return;
  finished_ = true;
  // libuv 1.44 runs due timers before it polls: without a stop, the UV_RUN_ONCE that
  // ran this kick would go on to block in the poll with nothing left to wake it.
  uv_stop(&loop_);
  if (options_.mode == WorkerMode::drain && paused_ && !stopping_) {
    print_warning("the system is PAUSED: drained nothing more (safe to run again)");
    exit_status_ = to_int(ExitCode::unavailable);
  }
}

}  // namespace sheratan
