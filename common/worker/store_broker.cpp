#include "worker/store_broker.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "state/state_machine.hpp"
#include "store/store_watch.hpp"

namespace sheratan {

namespace {

ClaimRequest one_of(ClaimRequest claim) {
  claim.limit = 1;
  return claim;
}

class StoreChangeWatch final : public ChangeWatch {
 public:
  StoreChangeWatch(uv_loop_t* loop, Store& store, std::function<void()> on_change)
      : watch_(loop, store, std::move(on_change)) {}

 private:
  StoreWatch watch_;
};

}  // namespace

ChainLimits chain_limits(const Config& config, std::optional<std::int64_t> max_depth,
                         std::optional<std::int64_t> max_jobs) {
  ChainLimits limits;
  limits.max_depth = config.integer(max_depth, nullptr, "worker.max_chain_depth").value_or(limits.max_depth);
  limits.max_jobs = config.integer(max_jobs, nullptr, "worker.max_chain_jobs").value_or(limits.max_jobs);
  return limits;
}

StoreBroker::StoreBroker(Store& store, const Clock& clock, StoreBrokerOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), queue_(store, clock) {
  if (!options_.gates) fail(ExitCode::usage, "a worker needs admission gates for its follow-ups");
  require_ledger_writer();
}

Exchange StoreBroker::exchange(std::vector<WorkReport>& reports, const ClaimRequest& claim) {
  refused_jobs_.clear();
  if (claim.limit > 0 && reports.empty()) {
    // Nothing to report: a read decides whether a write transaction is worth taking.
    Exchange look;
    look.paused = system_paused(store_);
    if (look.paused) return look;
    WaitCheck check = queue_.claimable(one_of(claim));
    if (!check.done) {
      look.check = check;
      return look;
    }
  }
  Exchange round = report_and_claim(reports, claim);
  const auto leased = static_cast<std::int64_t>(round.claimed.size());
  if (claim.limit > 0 && !round.paused && !round.claim_unavailable && leased < claim.limit)
    round.check = queue_.claimable(one_of(claim));
  return round;
}

Exchange StoreBroker::report_and_claim(std::vector<WorkReport>& reports, const ClaimRequest& claim) {
  Exchange round;
  try {
    store_.write([&] {
      round = Exchange{};
      round.events = apply_reports(reports);
      if (claim.limit > 0) gated_claim(claim, round);
    });
    return round;
  } catch (const Error& error) {
    if (error.code() == ExitCode::unavailable) throw;
  }
  // A report was refused (a lease that ran out, a job canceled meanwhile): the reports
  // go one by one, so that the others still land, and the claim on its own.
  round = Exchange{};
  round.events = apply_one_by_one(reports, round);
  if (claim.limit <= 0) return round;
  try {
    store_.write([&] { gated_claim(claim, round); });
  } catch (const Error& claim_error) {
    if (claim_error.code() != ExitCode::unavailable) throw;
    round.claimed.clear();
    round.claim_unavailable = claim_error.what();
  }
  return round;
}

void StoreBroker::gated_claim(const ClaimRequest& claim, Exchange& round) {
  round.paused = system_paused(store_);
  round.claimed.clear();
  if (!round.paused) round.claimed = queue_.claim(claim);
  auto refused = hold_costs(round.claimed, claim.lease_ms);
  for (auto& event : refused)
    round.events.push_back(std::move(event));
}

std::optional<std::vector<std::optional<Job>>> StoreBroker::on_each_lease(
    const std::vector<Job*>& jobs, const std::function<Job(const LeaseRef&)>& change, const char* what) {
  std::vector<LeaseRef> leases;
  leases.reserve(jobs.size());
  for (const Job* job : jobs)
    leases.push_back(lease_of(*job));
  try {
    return queue_.each_lease(leases, change);
  } catch (const Error& error) {
    print_warning(std::string("cannot ") + what + " leases: " + error.what());
    return std::nullopt;
  }
}

std::optional<std::set<std::string>> StoreBroker::extend(const std::vector<Job*>& jobs, Millis lease_ms) {
  auto after = on_each_lease(
      jobs, [&](const LeaseRef& lease) { return queue_.extend(lease, lease_ms); }, "extend");
  if (!after) return std::nullopt;
  std::set<std::string> lost;
  std::vector<const Job*> lost_jobs;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if ((*after)[i]) {
      jobs[i]->lease_until = (*after)[i]->lease_until;
    } else {
      lost.insert(jobs[i]->id);
      lost_jobs.push_back(jobs[i]);
    }
  }
  if (!lost_jobs.empty()) void_cost_holds(lost_jobs);
  return lost;
}

std::optional<std::set<std::string>> StoreBroker::release(const std::vector<Job*>& jobs) {
  auto after = on_each_lease(
      jobs, [&](const LeaseRef& lease) { return queue_.release(lease); }, "release");
  if (!after) return std::nullopt;
  std::set<std::string> refused;
  std::vector<const Job*> released;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if ((*after)[i])
      released.push_back(jobs[i]);
    else
      refused.insert(jobs[i]->id);
  }
  void_cost_holds(released);
  return refused;
}

std::unique_ptr<ChangeWatch> StoreBroker::watch(uv_loop_t* loop, std::function<void()> on_change) {
  return std::make_unique<StoreChangeWatch>(loop, store_, std::move(on_change));
}

}  // namespace sheratan
