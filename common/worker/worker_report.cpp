// Reporting results: every outcome gathered since the last pass goes to the store in
// one transaction (acks with ack_all, chains, fails). When one of them is refused (a
// lease that ran out, a job canceled meanwhile), the batch is applied again one by
// one so that the others still land and the refused one is reported as stale.
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "worker/chain.hpp"
#include "worker/worker.hpp"

namespace sheratan {

std::vector<Worker::PendingEvent> Worker::apply_reports(std::vector<Report>& batch) {
  std::vector<PendingEvent> printed;
  std::vector<AckRequest> acks;
  std::vector<std::pair<const Report*, Json>> chain_records;
  const EpochMillis now = clock_.now();
  for (auto& report : batch) {
    if (report.outcome.kind != RunOutcome::Kind::done) continue;
    Json result = report.outcome.result;
    Json record;
    try {
      record = apply_chain(queue_, report.job, result, options_.chain, gates_, now);
    } catch (const Error& error) {
      if (error.code() == ExitCode::unavailable) throw;
      // A follow-up the queue refuses (an idempotency collision) ends the chain, not the job.
      record = Json{{"ended", std::string("cannot enqueue follow-ups: ") + error.what()}};
      result["chain"] = record;
    }
    if (!record.is_null()) chain_records.emplace_back(&report, record);
    acks.push_back({lease_of(report.job), std::move(result), 0});
  }
  if (!acks.empty()) queue_.ack_all(acks);
  auto holds = end_cost_holds(batch);
  auto with_cost = [&](const Report& report, Json extra) {
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

Worker::PendingEvent Worker::event_for_failure(const Report& report, const Job& after) {
  Json extra{{"error", report.outcome.error}, {"ms", report.ms}};
  if (after.status == JobStatus::pending) {
    extra["run_at"] = format_rfc3339(after.run_at);
    return {"retry", &report.job, extra};
  }
  // A permanent failure is "failed"; a temporary one with no attempts left is "dead".
  return {report.outcome.kind == RunOutcome::Kind::failed ? "failed" : "dead", &report.job, extra};
}

void Worker::print_events(std::vector<PendingEvent>& printed) {
  for (auto& event : printed)
    events_.job_event(event.name, *event.job, std::move(event.extra));
  printed.clear();
}

std::vector<Worker::PendingEvent> Worker::apply_one_by_one(std::vector<Report>& batch) {
  std::vector<PendingEvent> printed;
  std::vector<Report> busy;
  for (auto& report : batch) {
    std::vector<Report> one{report};
    try {
      for (auto& event : store_.write([&] { return apply_reports(one); }))
        printed.push_back({event.name, &report.job, std::move(event.extra)});
    } catch (const Error& single) {
      if (single.code() == ExitCode::unavailable)
        busy.push_back(report);  // not refused: the store stayed busy; reported later
      else
        printed.push_back({"stale", &report.job, Json{{"error", single.what()}}});
    }
  }
  if (!busy.empty()) retry_reports_later(std::move(busy), "the store is busy");
  return printed;
}

void Worker::retry_reports_later(std::vector<Report> batch, const std::string& why) {
  print_warning(why + " (reporting again in 1s)");
  // These finished first: they go first next time.
  for (auto& report : reports_)
    batch.push_back(std::move(report));
  reports_ = std::move(batch);
  uv_timer_start(
      &retry_timer_, [](uv_timer_t* timer) { static_cast<Worker*>(timer->data)->kick(); }, kStoreRetryMs, 0);
}

void Worker::flush_reports() {
  uv_timer_stop(&report_timer_);
  if (reports_.empty()) return;
  std::vector<Report> batch = std::move(reports_);
  reports_.clear();
  std::vector<PendingEvent> printed;
  try {
    printed = store_.write([&] { return apply_reports(batch); });
  } catch (const Error& error) {
    if (error.code() == ExitCode::unavailable) {
      retry_reports_later(std::move(batch), error.what());
      return;
    }
    printed = apply_one_by_one(batch);
  }
  print_events(printed);
}

}  // namespace sheratan
