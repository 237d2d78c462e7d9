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
// Housekeeping reads this many expired leases or due jobs at a time.
constexpr std::int64_t kHousekeepingBatch = 1000;

// Throws Error(conflict) unless the job is leased, to this token, until later than now.
void require_live(std::string_view status, std::string_view token, EpochMillis lease_until, const LeaseRef& lease,
                  EpochMillis now) {
  if (status != "leased")
    sheratan::fail(ExitCode::conflict,
                   "job " + quote(lease.id) + " is " + std::string(status) + ", not leased: the lease token is stale");
  if (token != lease.token)
    sheratan::fail(ExitCode::conflict, "lease token for job " + quote(lease.id) + " does not match the job's lease");
  if (lease_until <= now) sheratan::fail(ExitCode::conflict, "lease on job " + quote(lease.id) + " has expired");
}

// Columns of SHERATAN_JOB_COLUMNS: a claim's and an ack's reads add last_event after them.
constexpr int kJobColumnCount = 29;

// The jobs by ascending seq, as lease_rows and done_rows bind them.
std::vector<const Job*> in_seq_order(const std::vector<Job>& jobs) {
  std::vector<const Job*> sorted;
  sorted.reserve(jobs.size());
  for (const Job& job : jobs)
    sorted.push_back(&job);
  std::sort(sorted.begin(), sorted.end(), [](const Job* a, const Job* b) { return a->seq < b->seq; });
  return sorted;
}

// The statements that lease a claim's jobs and record their events, by rows.
const RowShapes& lease_shapes() {
  static const RowShapes shapes = row_shapes(sql::lease_rows);
  return shapes;
}
const RowShapes& transition_event_shapes() {
  static const RowShapes shapes = row_shapes(sql::transition_events);
  return shapes;
}

// Runs an UPDATE ... RETURNING the job's columns and reads the changed job.
Job update_returning_job(Statement&& update) {
  update.step();
  Job job = read_job(update);
  update.run();
  return job;
}
}  // namespace

Millis JobQueue::backoff_delay(Millis backoff, Millis backoff_max, std::int64_t failed_attempts) {
  Millis delay = backoff;
  for (std::int64_t i = 1; i < failed_attempts; ++i) {
    if (delay > backoff_max / 2) return backoff_max;  // doubling would pass the cap (or overflow)
    delay *= 2;
  }
  return std::min(delay, backoff_max);
}

void JobQueue::check_lease(Millis lease_ms, std::string_view source) {
  // A lease of 0 would be over as it is granted: the attempt spent, every ack refused.
  if (lease_ms <= 0) sheratan::fail(ExitCode::bad_input, std::string(source) + " must be longer than 0");
}

std::vector<Job> JobQueue::claim(const ClaimRequest& request) {
  if (request.worker.empty()) sheratan::fail(ExitCode::usage, "a claim needs a worker name (--worker)");
  if (request.limit < 1) sheratan::fail(ExitCode::usage, "--limit must be at least 1");
  check_lease(request.lease_ms, "the lease");
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    // Every expired lease and every due job first, however many (after an outage, the
    // first claim pays): a claim that took only some could lease a low job ahead of a
    // critical one that was due as well.
    while (reap_expired(now, kHousekeepingBatch, nullptr) == static_cast<std::size_t>(kHousekeepingBatch)) {
    }
    while (promote_due(now, kHousekeepingBatch) == static_cast<std::size_t>(kHousekeepingBatch)) {
    }
    std::vector<Job> jobs;
    std::vector<std::optional<std::int64_t>> last_events;  // each job's, before this claim
    {
      auto select = store_.use(request.kinds.empty() ? sql::kReadyInQueue : sql::kReadyInQueueOfKinds);
      select.bind(1, request.queue).bind(2, request.limit);
      if (!request.kinds.empty()) select.bind(3, Json(request.kinds).dump());
      while (select.step()) {
        jobs.push_back(read_job(select));
        last_events.push_back(select.optional_integer(kJobColumnCount));
      }
    }
    // The i-th job's lease event is first_event + i.
    const std::int64_t first_event = jobs.empty() ? 0 : last_event_seq() + 1;
    auto event_of = [&](const Job* job) { return first_event + (job - jobs.data()); };
    // In claim order already: priority, then age.
    const EpochMillis lease_until = now + request.lease_ms;
    for (auto& job : jobs) {
      job.status = JobStatus::leased;
      job.attempts += 1;
      job.worker = request.worker;
      job.lease_token = new_random_token();
      job.lease_until = lease_until;
      job.updated_at = now;
    }
    run_in_chunks(
        store_, in_seq_order(jobs), [&](std::size_t shape) -> const std::string& { return lease_shapes()[shape]; },
        [&](Statement& update) { update.bind_static(1, request.worker).bind(2, lease_until).bind(3, now); },
        [&](Statement& update, int i, const Job* job) {
          update.bind(4 + 3 * i, job->seq).bind_static(5 + 3 * i, *job->lease_token);
          update.bind(6 + 3 * i, event_of(job));
        });
    run_in_chunks(
        store_, jobs, [&](std::size_t shape) -> const std::string& { return transition_event_shapes()[shape]; },
        [&](Statement& insert) { insert.bind(1, now).bind_static(2, "ready").bind_static(3, "leased"); },
        [&](Statement& insert, int i, const Job& job) {
          const int base = 4 + 4 * i;
          insert.bind(base, job.seq).bind_static(base + 1, request.worker);
          insert.bind(base + 2, "attempt " + std::to_string(job.attempts));
          insert.bind(base + 3, last_events[static_cast<std::size_t>(&job - jobs.data())]);
        });
    check_event_seqs(first_event, jobs.size());
    return jobs;
  });
}

void JobQueue::prepare_claim(const ClaimRequest& request) {
  store_.use(sql::kLastEventSeq);
  for (std::size_t shape = 0; shape < kRowShapes && (std::int64_t{1} << shape) <= request.limit; ++shape) {
    store_.use(lease_shapes()[shape]);
    store_.use(transition_event_shapes()[shape]);
  }
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

std::size_t JobQueue::reap_expired(EpochMillis now, std::int64_t limit, ReapCounts* counts) {
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
  return expired.size();
}

std::size_t JobQueue::promote_due(EpochMillis now, std::int64_t limit) {
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
  return due.size();
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
  sheratan::require_live(status, token, lease_until, lease, now);
}

Job JobQueue::job_by_seq(std::int64_t seq) {
  auto row = store_.use(sql::kJobBySeq);
  row.bind(1, seq);
  row.step();
  return read_job(row);
}

Job JobQueue::ack(const LeaseRef& lease, const Json& result) {
  return ack_all({{lease, result, 0}}).front();
}

namespace {
// The fields of a job an ack checks and writes (SHERATAN_ACK_CHECK_COLUMNS).
Job read_ack_check(const Statement& row) {
  Job job;
  job.seq = row.integer(0);
  job.id = row.text(1);
  job.status = parse_job_status(row.text_view(2));
  job.worker = row.optional_text(3);
  job.lease_token = row.optional_text(4);
  job.lease_until = row.optional_integer(5);
  job.result_hash = row.optional_text(6);
  return job;
}
}  // namespace

std::vector<Job> JobQueue::ack_all(const std::vector<AckRequest>& acks, AckReply reply) {
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    // Each job the batch names, read once however often it is named. `held` never
    // grows past acks.size() (reserved), so pointers and views into it stay valid.
    struct Held {
      Job job;
      std::optional<std::int64_t> last_event;  // as read, before this batch
      std::size_t named = 0;                   // acks of the batch that name it
      std::int64_t event = 0;                  // the seq of its done event, once done
    };
    std::vector<Held> held;
    held.reserve(acks.size());
    std::unordered_map<std::string_view, Held*> by_id;
    by_id.reserve(acks.size());
    static const RowShapes whole_by_ids = row_shapes(sql::jobs_by_ids);
    static const RowShapes checks_by_ids = row_shapes(sql::ack_checks_by_ids);
    const bool whole = reply == AckReply::jobs;
    const int last_event_column = whole ? kJobColumnCount : sql::kAckCheckColumns - 1;
    for_each_chunk(acks.size(), [&](std::size_t at, std::size_t rows, std::size_t shape) {
      auto select = store_.use(whole ? whole_by_ids[shape] : checks_by_ids[shape]);
      for (std::size_t i = 0; i < rows; ++i)
        select.bind_static(static_cast<int>(i) + 1, acks[at + i].lease.id);
      while (select.step()) {
        auto id = select.text_view(1);
        if (by_id.contains(id)) continue;  // named in an earlier chunk too
        Held& entry = held.emplace_back(
            Held{whole ? read_job(select) : read_ack_check(select), select.optional_integer(last_event_column)});
        by_id.emplace(entry.job.id, &entry);
      }
    });
    std::vector<Held*> done;
    std::vector<Held*> order;  // the job each ack ends as
    done.reserve(acks.size());
    order.reserve(acks.size());
    for (const auto& ack : acks) {
      try {
        auto found = by_id.find(ack.lease.id);
        if (found == by_id.end()) sheratan::fail(ExitCode::failed, "no job " + quote(ack.lease.id));
        Job& job = found->second->job;
        const std::string_view token = job.lease_token ? std::string_view(*job.lease_token) : std::string_view();
        // The hash is over the canonical form, so that a result re-serialised with
        // other key order or spacing still verifies.
        std::string hash = canonical_hash(ack.result);
        if (job.status == JobStatus::done && token == ack.lease.token) {
          // A worker whose ack reply was lost sends it again with the same token: the
          // job is done already, by that very lease (or by an earlier ack of this
          // batch). The same result is a no-op.
          if (job.result_hash.value_or("") != hash)
            sheratan::fail(ExitCode::conflict,
                           "job " + quote(ack.lease.id) + " was already acked with a different result");
        } else {
          require_live(to_string(job.status), token, job.lease_until.value_or(0), ack.lease, now);
          job.status = JobStatus::done;
          job.result = ack.result.dump();
          job.result_hash = std::move(hash);
          job.finished_at = now;
          job.updated_at = now;
          job.lease_until.reset();
          job.error.reset();
          done.push_back(found->second);
        }
        ++found->second->named;
        order.push_back(found->second);
      } catch (const Error& error) {
        if (ack.line == 0) throw;
        throw Error(error.code(), at_line(ack.line, error.what()));
      }
    }
    // The i-th done job's event is first_event + i, in ack order.
    const std::int64_t first_event = done.empty() ? 0 : last_event_seq() + 1;
    for (std::size_t i = 0; i < done.size(); ++i)
      done[i]->event = first_event + static_cast<std::int64_t>(i);
    std::vector<Held*> by_seq = done;
    std::sort(by_seq.begin(), by_seq.end(), [](const Held* a, const Held* b) { return a->job.seq < b->job.seq; });
    static const RowShapes mark_done = row_shapes(sql::done_rows);
    run_in_chunks(
        store_, by_seq, [&](std::size_t shape) -> const std::string& { return mark_done[shape]; },
        [&](Statement& update) { update.bind(1, now); },
        [&](Statement& update, int i, const Held* entry) {
          update.bind(2 + 4 * i, entry->job.seq).bind_static(3 + 4 * i, *entry->job.result);
          update.bind_static(4 + 4 * i, *entry->job.result_hash).bind(5 + 4 * i, entry->event);
        });
    static const RowShapes events = row_shapes(sql::transition_events);
    run_in_chunks(
        store_, done, [&](std::size_t shape) -> const std::string& { return events[shape]; },
        [&](Statement& insert) { insert.bind(1, now).bind_static(2, "leased").bind_static(3, "done"); },
        [&](Statement& insert, int i, const Held* entry) {  // no detail: use() left it NULL
          const int base = 4 + 4 * i;
          insert.bind(base, entry->job.seq).bind_static(base + 1, entry->job.worker);
          insert.bind(base + 3, entry->last_event);
        });
    check_event_seqs(first_event, done.size());
    if (!done.empty()) {
      std::vector<std::int64_t> seqs;
      seqs.reserve(done.size());
      for (const Held* entry : done)
        seqs.push_back(entry->job.seq);
      on_done(seqs, now);
    }
    // A job named once moves out; one named again is copied until its last ack.
    std::vector<Job> out;
    if (!whole) return out;
    out.reserve(order.size());
    for (Held* entry : order) {
      if (--entry->named == 0)
        out.push_back(std::move(entry->job));
      else
        out.push_back(entry->job);
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
  check_lease(lease_ms, "the lease");
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

std::vector<std::optional<Job>> JobQueue::each_lease(const std::vector<LeaseRef>& leases,
                                                     const std::function<Job(const LeaseRef&)>& change) {
  return store_.write([&] {
    std::vector<std::optional<Job>> after;
    after.reserve(leases.size());
    for (const auto& lease : leases) {
      try {
        after.emplace_back(change(lease));
      } catch (const Error& error) {
        // Refused: that change wrote nothing, so the others still go through.
        if (error.code() != ExitCode::conflict && error.code() != ExitCode::failed) throw;
        after.emplace_back(std::nullopt);
      }
    }
    return after;
  });
}

ReapCounts JobQueue::reap() {
  return store_.write([&] {
    ReapCounts counts;
    const EpochMillis now = clock_.now();
    while (reap_expired(now, kHousekeepingBatch, &counts) == static_cast<std::size_t>(kHousekeepingBatch)) {
    }
    promote_due(now, std::numeric_limits<std::int64_t>::max());
    return counts;
  });
}

}  // namespace sheratan
