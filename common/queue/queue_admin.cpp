// Operator actions on single jobs and on the whole queue: cancel, retry, review, purge.
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "cli/text.hpp"
#include "queue/job_row.hpp"
#include "queue/queue.hpp"
#include "store/sql/queue_queries.hpp"

namespace sheratan {
namespace {
// Whether a gate held the job (verdict PAUSE) and no review approved it since.
bool awaits_review(const Job& job) {
  if (!job.gate_report) return false;
  const Json report = Json::parse(*job.gate_report, nullptr, false);
  if (!report.is_object() || report.value("verdict", "") != "PAUSE") return false;
  const auto review = report.find("review");
  return review == report.end() || !review->is_object() || review->value("decision", "") != "approve";
}

// A reason or an actor is kept in events and reports, which are JSON.
void require_utf8(const std::string& text, std::string_view what) {
  if (!is_valid_utf8(text)) sheratan::fail(ExitCode::bad_input, std::string(what) + " is not valid UTF-8");
}
}  // namespace

Job JobQueue::cancel(const std::string& id, const std::string& reason) {
  require_utf8(reason, "the reason");
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    auto job = find(id);
    if (!job) sheratan::fail(ExitCode::failed, "no job " + quote(id));
    if (is_terminal(job->status))
      sheratan::fail(ExitCode::conflict,
                     "job " + quote(id) + " is " + std::string(to_string(job->status)) + " and cannot be canceled");
    store_.use(sql::kCancel).bind(1, job->seq).bind(2, now).run();
    // A lease revoked names its holder, as every change of a lease does.
    record_event(job->seq, now, to_string(job->status), "canceled",
                 job->status == JobStatus::leased ? job->worker : std::nullopt,
                 reason.empty() ? std::optional<std::string>() : reason);
    block_dependents(job->seq, now);
    return job_by_seq(job->seq);
  });
}

Job JobQueue::retry(const std::string& id) {
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    auto job = find(id);
    if (!job) sheratan::fail(ExitCode::failed, "no job " + quote(id));
    if (job->status != JobStatus::dead && job->status != JobStatus::canceled)
      sheratan::fail(ExitCode::conflict, "job " + quote(id) + " is " + std::string(to_string(job->status)) +
                                             "; only dead or canceled jobs can be retried");
    // A job a gate quarantined goes back to quarantine unless a review approved it:
    // canceling or rejecting it, then retrying, must not skip the review.
    const bool unreviewed = awaits_review(*job);
    JobStatus next =
        unreviewed ? JobStatus::quarantined : status_from_dependencies(job->seq, job->waiting_deps, now, now);
    store_.use(sql::kResetForRetry).bind(1, job->seq).bind(2, to_string(next)).bind(3, now).run();
    record_event(job->seq, now, to_string(job->status), to_string(next), std::nullopt,
                 unreviewed ? "retried, attempts reset; quarantined until approved" : "retried, attempts reset");
    unblock_dependents(job->seq, now);
    return job_by_seq(job->seq);
  });
}

std::vector<Job> JobQueue::review(const std::vector<std::string>& ids, bool approve, const std::string& reason,
                                  const std::string& actor) {
  require_utf8(reason, "the reason");
  require_utf8(actor, "the actor");
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    std::vector<Job> reviewed;
    for (const auto& id : ids) {
      auto job = find(id);
      if (!job) sheratan::fail(ExitCode::failed, "no job " + quote(id));
      if (job->status != JobStatus::quarantined)
        sheratan::fail(ExitCode::conflict,
                       "job " + quote(id) + " is " + std::string(to_string(job->status)) + ", not quarantined");
      Json report = job->gate_report ? Json::parse(*job->gate_report, nullptr, false) : Json::object();
      if (!report.is_object()) report = Json::object();
      report["review"] = Json{{"decision", approve ? "approve" : "reject"},
                              {"reason", reason},
                              {"actor", actor},
                              {"at", format_rfc3339(now)}};
      const JobStatus next =
          approve ? status_from_dependencies(job->seq, job->waiting_deps, job->run_at, now) : JobStatus::canceled;
      auto update = store_.use(sql::kReviewed);
      update.bind(1, job->seq).bind(2, to_string(next)).bind(3, report.dump()).bind(4, now);
      if (approve)
        update.bind_null(5);
      else
        update.bind(5, now);
      update.run();
      record_event(job->seq, now, "quarantined", to_string(next), std::nullopt,
                   std::string(approve ? "approved" : "rejected") + " by " + actor + ": " + reason);
      if (!approve) block_dependents(job->seq, now);
      reviewed.push_back(job_by_seq(job->seq));
    }
    return reviewed;
  });
}

std::int64_t JobQueue::purge(Millis older_than) {
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    const EpochMillis cutoff = now - older_than;
    const std::int64_t newest_event = last_event_seq();
    std::int64_t purged = 0;
    for (;;) {
      std::vector<std::int64_t> batch;
      {
        auto select = store_.use(sql::kPurgeable);
        select.bind(1, cutoff);
        while (select.step())
          batch.push_back(select.integer(0));
      }
      if (batch.empty()) break;
      for (auto seq : batch) {
        store_.use(sql::kDeleteDependencies).bind(1, seq).run();
        store_.use(sql::kDeleteEventsOfJob).bind(1, seq).run();
        store_.use(sql::kDeleteJob).bind(1, seq).run();
      }
      purged += static_cast<std::int64_t>(batch.size());
    }
    if (purged > 0 && last_event_seq() < newest_event)
      store_.use(sql::kKeepEventId).bind(1, newest_event).bind(2, now).run();
    return purged;
  });
}

}  // namespace sheratan
