// Reporting results: every outcome gathered since the last round goes to the store in
// one transaction (acks with ack_all, chains, fails). When one of them is refused (a
// lease that ran out, a job canceled meanwhile), the batch is applied again one by
// one so that the others still land and the refused one is reported as stale.
#include "cli/error.hpp"
#include "worker/chain.hpp"
#include "worker/store_broker.hpp"

namespace sheratan {

std::vector<WorkEvent> StoreBroker::apply_reports(std::vector<WorkReport>& batch) {
  std::vector<WorkEvent> printed;
  std::vector<AckRequest> acks;
  std::vector<std::pair<const WorkReport*, Json>> chain_records;
  const EpochMillis now = clock_.now();
  for (auto& report : batch) {
    if (report.outcome.kind != RunOutcome::Kind::done) continue;
    Json result = report.outcome.result;
    Json record;
    try {
      record = apply_chain(queue_, report.job, result, options_.chain, *options_.gates, now);
    } catch (const Error& error) {
      if (error.code() == ExitCode::unavailable) throw;
      // A follow-up the queue refuses (an idempotency collision) ends the chain, not the job.
      record = Json{{"ended", std::string("cannot enqueue follow-ups: ") + error.what()}};
      result["chain"] = record;
    }
    if (!record.is_null()) chain_records.emplace_back(&report, record);
    acks.push_back({lease_of(report.job), std::move(result), 0});
  }
  if (!acks.empty()) queue_.ack_all(acks, JobQueue::AckReply::none);
  auto holds = end_cost_holds(batch);
  auto with_cost = [&](const WorkReport& report, Json extra) {
    auto ended = holds.find(report.job.id);
    if (ended != holds.end() && ended->second != "none") extra["cost"] = ended->second;
    return extra;
  };
  for (auto& report : batch)
    if (report.outcome.kind == RunOutcome::Kind::done)
      printed.push_back({"done", &report.job, with_cost(report, Json{{"ms", report.ms}})});
  for (auto& [report, record] : chain_records)
    printed.push_back({"chain", &report->job, Json{{"chain", record}}});
  for (auto& report : batch) {
    if (report.outcome.kind == RunOutcome::Kind::done) continue;
    const bool retry = report.outcome.kind == RunOutcome::Kind::retry;
    Job after = queue_.fail(lease_of(report.job), report.outcome.error, retry);
    printed.push_back(event_for_failure(report, after));
    printed.back().extra = with_cost(report, std::move(printed.back().extra));
  }
  return printed;
}

WorkEvent StoreBroker::event_for_failure(const WorkReport& report, const Job& after) {
  Json extra{{"error", report.outcome.error}, {"ms", report.ms}};
  if (after.status == JobStatus::pending) {
    extra["run_at"] = format_rfc3339(after.run_at);
    return {"retry", &report.job, extra};
  }
  // A permanent failure is "failed"; a temporary one with no attempts left is "dead".
  return {report.outcome.kind == RunOutcome::Kind::failed ? "failed" : "dead", &report.job, extra};
}

std::vector<WorkEvent> StoreBroker::apply_one_by_one(std::vector<WorkReport>& batch, Exchange& round) {
  std::vector<WorkEvent> printed;
  for (auto& report : batch) {
    std::vector<WorkReport> one{report};
    try {
      for (auto& event : store_.write([&] { return apply_reports(one); }))
        printed.push_back({event.name, &report.job, std::move(event.extra)});
    } catch (const Error& single) {
      if (single.code() == ExitCode::unavailable)
        round.unreported.push_back(report);  // not refused: the store stayed busy; reported later
      else
        printed.push_back({"stale", &report.job, Json{{"error", single.what()}}});
    }
  }
  return printed;
}

}  // namespace sheratan
