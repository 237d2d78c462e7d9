// Claiming and finishing leases.
#include <algorithm>
#include <unordered_map>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/canonical.hpp"
#include "queue/job_row.hpp"
#include "queue/multi_row.hpp"
#include "queue/queue.hpp"
#include "store/ids.hpp"
#include "store/sql/queue_queries.hpp"

namespace sheratan {
namespace {
// Housekeeping done by each claim is bounded so that a claim stays cheap even after
// a long outage; what is left is picked up by the next claim or by `reap`.
constexpr std::int64_t kHousekeepingBatch = 1000;
}  // namespace

Millis JobQueue::backoff_delay(Millis backoff, Millis backoff_max, std::int64_t failed_attempts) {
  Millis delay = backoff;
  for (std::int64_t i = 1; i < failed_attempts; ++i) {
    if (delay > backoff_max / 2) return backoff_max;  // doubling would pass the cap (or overflow)
    delay *= 2;
  }
  return std::min(delay, backoff_max);
}

std::vector<Job> JobQueue::claim(const ClaimRequest& request) {
  if (request.worker.empty()) sheratan::fail(ExitCode::usage, "a claim needs a worker name (--worker)");
  if (request.limit < 1) sheratan::fail(ExitCode::usage, "--limit must be at least 1");
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    reap_expired(now, kHousekeepingBatch, nullptr);
    promote_due(now, kHousekeepingBatch);
    std::vector<std::int64_t> seqs;
    {
      auto select = store_.use(request.kinds.empty() ? sql::kReadyInQueue : sql::kReadyInQueueOfKinds);
      select.bind(1, request.queue).bind(2, request.limit);
      if (!request.kinds.empty()) select.bind(3, Json(request.kinds).dump());
      while (select.step())
        seqs.push_back(select.integer(0));
    }
    if (seqs.empty()) return std::vector<Job>{};
    Json tokens = Json::object();
    for (auto seq : seqs)
      tokens["s" + std::to_string(seq)] = new_random_token();
    std::vector<Job> jobs;
    jobs.reserve(seqs.size());
    {
      auto lease = store_.use(sql::kLease);
      lease.bind(1, Json(seqs).dump()).bind(2, request.worker).bind(3, tokens.dump());
      lease.bind(4, now + request.lease_ms).bind(5, now);
      while (lease.step())
        jobs.push_back(read_job(lease));
    }
    // Back into claim order: priority, then age.
    std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
      return a.spec.priority != b.spec.priority ? a.spec.priority > b.spec.priority : a.seq < b.seq;
    });
    insert_rows(store_, sql::kInsertEventPrefix, sql::kInsertEventColumns, jobs,
                [&](Statement& insert, int base, const Job& job) {
                  insert.bind(base + 1, job.seq).bind(base + 2, now).bind(base + 3, "ready").bind(base + 4, "leased");
                  insert.bind(base + 5, request.worker).bind(base + 6, "attempt " + std::to_string(job.attempts));
                });
    return jobs;
  });
}

WaitCheck JobQueue::claimable(const ClaimRequest& request) {
  return store_.read([&] {
    const EpochMillis now = clock_.now();
    auto any = store_.use(request.kinds.empty() ? sql::kAnyReadyInQueue : sql::kAnyReadyInQueueOfKinds);
    any.bind(1, request.queue);
    if (!request.kinds.empty()) any.bind(2, Json(request.kinds).dump());
    any.step();
    WaitCheck check;
    check.done = any.integer(0) != 0;
    for (auto query : {sql::kNextDue, sql::kNextLeaseExpiry}) {
      auto next = store_.use(query);
      next.step();
      if (auto due = next.optional_integer(0)) {
        if (*due <= now) check.done = true;
        if (!check.next_due || *due < *check.next_due) check.next_due = due;
      }
    }
    return check;
  });
}

void JobQueue::reap_expired(EpochMillis now, std::int64_t limit, ReapCounts* counts) {
  std::vector<std::int64_t> expired;
  {
    auto select = store_.use(sql::kExpiredLeases);
    select.bind(1, now).bind(2, limit);
    while (select.step())
      expired.push_back(select.integer(0));
  }
  for (auto seq : expired) {
    Job job = job_by_seq(seq);
    if (job.attempts >= job.spec.max_attempts) {
      store_.use(sql::kMarkDead).bind(1, seq).bind(2, "lease expired after the last attempt").bind(3, now).run();
      record_event(seq, now, "leased", "dead", job.worker, "lease expired after the last attempt");
      block_dependents(seq, now);
      if (counts) ++counts->dead;
    } else {
      store_.use(sql::kReapToReady).bind(1, seq).bind(2, now).run();
      record_event(seq, now, "leased", "ready", job.worker, "lease expired");
      if (counts) ++counts->ready;
    }
  }
}

void JobQueue::promote_due(EpochMillis now, std::int64_t limit) {
  std::vector<std::int64_t> due;
  {
    auto select = store_.use(sql::kDuePending);
    select.bind(1, now).bind(2, limit);
    while (select.step())
      due.push_back(select.integer(0));
  }
  for (auto seq : due) {
    store_.use(sql::kSetStatus).bind(1, seq).bind(2, "ready").bind(3, now).run();
    record_event(seq, now, "pending", "ready", std::nullopt, "due");
  }
}

JobQueue::LeaseHolder JobQueue::read_lease_holder(const Statement& row) {
  LeaseHolder holder;
  holder.seq = row.integer(0);
  holder.status = row.text(1);
  holder.token = row.text(2);
  holder.lease_until = row.integer(3);
  holder.attempts = row.integer(4);
  holder.max_attempts = row.integer(5);
  holder.backoff_ms = row.integer(6);
  holder.backoff_max_ms = row.integer(7);
  holder.worker = row.optional_text(8);
  holder.result_hash = row.text(9);
  return holder;
}

JobQueue::LeaseHolder JobQueue::lease_holder(const LeaseRef& lease) {
  auto row = store_.use(sql::kLeaseHolder);
  row.bind(1, lease.id);
  if (!row.step()) sheratan::fail(ExitCode::failed, "no job " + quote(lease.id));
  return read_lease_holder(row);
}

void JobQueue::LeaseHolder::require_live(const LeaseRef& lease, EpochMillis now) const {
  if (status != "leased")
    sheratan::fail(ExitCode::conflict,
                   "job " + quote(lease.id) + " is " + status + ", not leased: the lease token is stale");
  if (token != lease.token)
    sheratan::fail(ExitCode::conflict,
                   "lease token for job " + quote(lease.id) + " does not match: the job was leased again");
  if (lease_until <= now) sheratan::fail(ExitCode::conflict, "lease on job " + quote(lease.id) + " has expired");
}

Job JobQueue::job_by_seq(std::int64_t seq) {
  auto row = store_.use(sql::kJobBySeq);
  row.bind(1, seq);
  row.step();
  return read_job(row);
}

namespace {
// Runs an UPDATE ... RETURNING the job's columns and reads the changed job.
Job update_returning_job(Statement&& update) {
  update.step();
  Job job = read_job(update);
  update.run();
  return job;
}
}  // namespace

Job JobQueue::ack(const LeaseRef& lease, const Json& result) {
  return ack_all({{lease, result, 0}}).front();
}

std::vector<Job> JobQueue::ack_all(const std::vector<AckRequest>& acks) {
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    std::unordered_map<std::string, LeaseHolder> holders;
    {
      Json ids = Json::array();
      for (const auto& ack : acks)
        ids.push_back(ack.lease.id);
      auto select = store_.use(sql::kLeaseHolders);
      select.bind(1, ids.dump());
      while (select.step())
        holders.emplace(select.text(10), read_lease_holder(select));
    }
    Json results = Json::object();  // "s<seq>": [result text, hash]
    std::vector<std::int64_t> done;
    std::vector<std::int64_t> order;  // the seq each ack ends as
    for (const auto& ack : acks) {
      try {
        auto found = holders.find(ack.lease.id);
        if (found == holders.end()) sheratan::fail(ExitCode::failed, "no job " + quote(ack.lease.id));
        LeaseHolder& holder = found->second;
        // The hash is over the canonical form, so that a result re-serialised with
        // other key order or spacing still verifies.
        const std::string hash = canonical_hash(ack.result);
        if (holder.status == "done" && holder.token == ack.lease.token) {
          // A worker whose ack reply was lost sends it again with the same token: the
          // job is done already, by that very lease. The same result is a no-op.
          if (holder.result_hash != hash)
            sheratan::fail(ExitCode::conflict,
                           "job " + quote(ack.lease.id) + " was already acked with a different result");
        } else {
          holder.require_live(ack.lease, now);
          results["s" + std::to_string(holder.seq)] = Json::array({ack.result.dump(), hash});
          done.push_back(holder.seq);
          holder.status = "done";  // a second ack of it in this batch is a repeat
          holder.result_hash = hash;
        }
        order.push_back(holder.seq);
      } catch (const Error& error) {
        if (ack.line == 0) throw;
        throw Error(error.code(), at_line(ack.line, error.what()));
      }
    }
    std::unordered_map<std::int64_t, Job> jobs;
    if (!done.empty()) {
      auto update = store_.use(sql::kMarkAllDone);
      update.bind(1, results.dump()).bind(2, now).bind(3, Json(done).dump());
      while (update.step()) {
        Job job = read_job(update);
        jobs.emplace(job.seq, std::move(job));
      }
    }
    insert_rows(store_, sql::kInsertEventPrefix, sql::kInsertEventColumns, done,
                [&](Statement& insert, int base, std::int64_t seq) {
                  insert.bind(base + 1, seq).bind(base + 2, now).bind(base + 3, "leased").bind(base + 4, "done");
                  insert.bind(base + 5, jobs.at(seq).worker).bind_null(base + 6);
                });
    if (!done.empty()) on_done(done, now);
    std::vector<Job> out;
    out.reserve(order.size());
    for (auto seq : order) {
      auto found = jobs.find(seq);
      out.push_back(found != jobs.end() ? found->second : job_by_seq(seq));
    }
    return out;
  });
}

Job JobQueue::fail(const LeaseRef& lease, const std::string& error, bool retry) {
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    const LeaseHolder holder = lease_holder(lease);
    holder.require_live(lease, now);
    if (retry && holder.attempts < holder.max_attempts) {
      Millis delay = backoff_delay(holder.backoff_ms, holder.backoff_max_ms, holder.attempts);
      auto update = store_.use(sql::kMarkRetry);
      update.bind(1, holder.seq).bind(2, now + delay).bind(3, error).bind(4, now);
      Job job = update_returning_job(std::move(update));
      record_event(holder.seq, now, "leased", "pending", holder.worker,
                   "retry in " + format_duration(delay) + ": " + error);
      return job;
    }
    auto update = store_.use(sql::kMarkDead);
    update.bind(1, holder.seq).bind(2, error).bind(3, now);
    Job job = update_returning_job(std::move(update));
    record_event(holder.seq, now, "leased", "dead", holder.worker, error);
    block_dependents(holder.seq, now);
    return job;
  });
}

Job JobQueue::extend(const LeaseRef& lease, Millis lease_ms) {
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    const LeaseHolder holder = lease_holder(lease);
    holder.require_live(lease, now);
    auto update = store_.use(sql::kExtendLease);
    update.bind(1, holder.seq).bind(2, now + lease_ms).bind(3, now);
    return update_returning_job(std::move(update));
  });
}

Job JobQueue::release(const LeaseRef& lease) {
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    const LeaseHolder holder = lease_holder(lease);
    holder.require_live(lease, now);
    auto update = store_.use(sql::kRelease);
    update.bind(1, holder.seq).bind(2, now);
    Job job = update_returning_job(std::move(update));
    record_event(holder.seq, now, "leased", "ready", holder.worker, "released");
    return job;
  });
}

ReapCounts JobQueue::reap() {
  return store_.write([&] {
    ReapCounts counts;
    const EpochMillis now = clock_.now();
    for (;;) {
      auto before = counts.ready + counts.dead;
      reap_expired(now, kHousekeepingBatch, &counts);
      if (counts.ready + counts.dead - before < kHousekeepingBatch) break;
    }
    promote_due(now, std::numeric_limits<std::int64_t>::max());
    return counts;
  });
}

}  // namespace sheratan
