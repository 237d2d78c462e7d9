// --hold-cost: the ledger's side of claims and reports (see ledger/job_cost.hpp). Holds
// are taken in the claim's transaction and ended in the report's, so that a job is
// never leased without its hold nor acked without its post.
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/job_cost.hpp"
#include "worker/store_broker.hpp"

namespace sheratan {

namespace {

bool any_cost(const std::vector<const Job*>& jobs) {
  for (const Job* job : jobs)
    if (ledger::job_cost(*job)) return true;
  return false;
}

}  // namespace

std::vector<WorkEvent> StoreBroker::hold_costs(std::vector<Job>& claimed, Millis lease_ms) {
  std::vector<WorkEvent> refused;
  std::vector<const Job*> jobs;
  for (const Job& job : claimed)
    jobs.push_back(&job);
  if (!options_.hold_cost || !any_cost(jobs)) return refused;
  ledger::LedgerWriter writer(store_, clock_.now());
  std::vector<Job> kept;
  for (Job& job : claimed) {
    try {
      ledger::hold_job_cost(writer, job, writer.now() + job.spec.timeout_ms + lease_ms);
      kept.push_back(std::move(job));
    } catch (const Error& error) {
      if (error.code() == ExitCode::unavailable) throw;
      // Not run without its money: failed as temporary, it is retried after a backoff.
      const std::string why = std::string("cannot hold its cost: ") + error.what();
      Job after = queue_.fail(lease_of(job), why, true);
      refused_jobs_.push_back(std::move(job));
      WorkReport report{refused_jobs_.back(), RunOutcome::temporary(why), 0};
      refused.push_back(event_for_failure(report, after));
      refused.back().job = &refused_jobs_.back();
    }
  }
  writer.flush();
  claimed = std::move(kept);
  return refused;
}

std::map<std::string, std::string> StoreBroker::end_cost_holds(const std::vector<WorkReport>& batch) {
  std::map<std::string, std::string> ended;
  std::vector<const Job*> jobs;
  for (const WorkReport& report : batch)
    jobs.push_back(&report.job);
  if (!options_.hold_cost || !any_cost(jobs)) return ended;
  ledger::LedgerWriter writer(store_, clock_.now());
  for (const WorkReport& report : batch) {
    try {
      const bool done = report.outcome.kind == RunOutcome::Kind::done;
      ended[report.job.id] =
          done ? ledger::post_job_cost(writer, report.job) : ledger::void_job_cost(writer, report.job);
    } catch (const Error& error) {
      if (error.code() == ExitCode::unavailable) throw;
      // The report lands all the same; a hold left pending expires by itself.
      print_warning("job " + quote(report.job.id) + ": cannot end its cost hold: " + error.what());
    }
  }
  writer.flush();
  return ended;
}

void StoreBroker::void_cost_holds(const std::vector<const Job*>& jobs) {
  if (!options_.hold_cost || !any_cost(jobs)) return;
  try {
    store_.write([&] {
      ledger::LedgerWriter writer(store_, clock_.now());
      for (const Job* job : jobs)
        ledger::void_job_cost(writer, *job);
      writer.flush();
    });
  } catch (const Error& error) {
    print_warning(std::string("cannot void cost holds (they expire by themselves): ") + error.what());
  }
}

void StoreBroker::require_ledger_writer() {
  if (!options_.hold_cost) return;
  if (auto source = ledger::replica_source(store_))
    fail(ExitCode::usage, "--hold-cost: store " + quote(store_.path()) + " is a ledger replica of " + quote(*source) +
                              ": run the worker on the writer");
}

}  // namespace sheratan
