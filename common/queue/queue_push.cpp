// Pushing jobs: validation happened in parse_job_spec; here come idempotency,
// dependencies, backpressure and the insert. A batch's rows are gathered first and
// written with multi-row INSERTs (multi_row.hpp).
#include <map>
#include <unordered_map>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/canonical.hpp"
#include "queue/multi_row.hpp"
#include "queue/queue.hpp"
#include "store/ids.hpp"
#include "store/sql/queue_queries.hpp"

namespace sheratan {

struct JobQueue::NewJob {
  std::int64_t seq = 0;
  std::string id;
  const JobSpec* spec = nullptr;
  const PushItem* item = nullptr;
  JobStatus status = JobStatus::ready;
  EpochMillis run_at = 0;
  std::int64_t waiting = 0;
  std::optional<std::string> spec_hash;
  std::vector<std::int64_t> dependencies;
};

namespace {

constexpr const char* kBlockedDetail = "a dependency ended dead or canceled";
constexpr const char* kQuarantinedDetail = "held by an admission gate for review";

}  // namespace

Json PushOutcome::to_json() const {
  return Json{{"id", id}, {"status", to_string(status)}, {"duplicate", duplicate}};
}

std::vector<PushOutcome> JobQueue::push(const std::vector<PushItem>& items, std::optional<std::int64_t> max_depth,
                                        std::optional<EpochMillis> at) {
  return store_.write([&] {
    const EpochMillis now = at.value_or(clock_.now());
    auto last = store_.use(sql::kMaxJobSeq);
    last.step();
    std::int64_t next_seq = last.integer(0);
    std::vector<NewJob> fresh;
    std::unordered_map<std::string_view, std::size_t> fresh_by_key;
    std::vector<PushOutcome> outcomes;
    outcomes.reserve(items.size());
    std::map<std::string, std::int64_t> depths;  // each queue's, as this push grows it
    for (const auto& item : items) {
      try {
        outcomes.push_back(admit(item, now, next_seq, fresh, fresh_by_key));
        // A duplicate adds nothing, so a retried push is answered even when the queue is full.
        if (max_depth && !outcomes.back().duplicate) count_toward_depth(item.spec.queue, *max_depth, depths);
      } catch (const Error& error) {
        if (item.line == 0) throw;
        throw Error(error.code(), at_line(item.line, error.what()));
      }
    }
    write_new_jobs(fresh, now);
    return outcomes;
  });
}

void JobQueue::count_toward_depth(const std::string& queue, std::int64_t max_depth,
                                  std::map<std::string, std::int64_t>& depths) {
  auto [entry, first] = depths.try_emplace(queue, 0);
  if (first) {
    auto count = store_.use(sql::kQueueDepth);
    count.bind(1, queue);
    count.step();
    entry->second = count.integer(0);
  }
  if (entry->second >= max_depth)
    sheratan::fail(ExitCode::unavailable, "queue " + quote(queue) + " is full: depth " + std::to_string(entry->second) +
                                              " of max_depth " + std::to_string(max_depth));
  ++entry->second;
}

PushOutcome JobQueue::admit(const PushItem& item, EpochMillis now, std::int64_t& next_seq, std::vector<NewJob>& fresh,
                            std::unordered_map<std::string_view, std::size_t>& fresh_by_key) {
  const JobSpec& spec = item.spec;
  std::optional<std::string> spec_hash;
  if (spec.idempotency_key) {
    spec_hash = canonical_hash(spec.payload());
    auto collision = [&](const std::string& id) {
      sheratan::fail(ExitCode::conflict, "idempotency key " + quote(*spec.idempotency_key) + " already names job " +
                                             quote(id) + " with a different payload");
    };
    if (auto earlier = fresh_by_key.find(*spec.idempotency_key); earlier != fresh_by_key.end()) {
      const NewJob& job = fresh[earlier->second];
      if (job.spec_hash != spec_hash)
        sheratan::fail(ExitCode::conflict, "idempotency key " + quote(*spec.idempotency_key) +
                                               " is used earlier in this input with a different payload");
      return {job.id, job.status, true};
    }
    auto existing = store_.use(sql::kFindByKey);
    existing.bind(1, *spec.idempotency_key);
    if (existing.step()) {
      if (existing.text_view(2) != *spec_hash) collision(existing.text(0));
      return {existing.text(0), parse_job_status(existing.text_view(1)), true};
    }
  }
  NewJob job;
  job.spec = &spec;
  job.item = &item;
  job.spec_hash = std::move(spec_hash);
  // Dependencies: each must exist; a dead, canceled or blocked one blocks this job.
  bool blocked = false;
  for (const auto& dependency : spec.depends_on) {
    auto found = store_.use(sql::kSeqStatusById);
    found.bind(1, dependency);
    if (!found.step()) sheratan::fail(ExitCode::bad_input, "field 'depends_on' names unknown job " + quote(dependency));
    job.dependencies.push_back(found.integer(0));
    auto status = parse_job_status(found.text_view(1));
    if (status == JobStatus::dead || status == JobStatus::canceled || status == JobStatus::blocked) blocked = true;
    if (status != JobStatus::done) ++job.waiting;
  }
  job.run_at = spec.run_at.value_or(now);
  job.status = item.quarantine                         ? JobStatus::quarantined
               : blocked                               ? JobStatus::blocked
               : (job.waiting > 0 || job.run_at > now) ? JobStatus::pending
                                                       : JobStatus::ready;
  job.seq = ++next_seq;
  job.id = new_uuid_v7(now);
  if (spec.idempotency_key) fresh_by_key.emplace(*spec.idempotency_key, fresh.size());
  fresh.push_back(std::move(job));
  const NewJob& added = fresh.back();
  return {added.id, added.status, false};
}

void JobQueue::write_new_jobs(const std::vector<NewJob>& fresh, EpochMillis now) {
  // Text that lives in `fresh` and its specs until the inserts have run is bound without
  // a copy; only the serialised JSON is made here, and most jobs have no labels and no
  // dependencies to serialise. Job i's first event is first_event + i.
  const std::int64_t first_event = last_event_seq() + 1;
  const NewJob* const front = fresh.data();
  insert_rows(store_, sql::kInsertJobPrefix, sql::kInsertJobColumns, fresh,
              [&](Statement& insert, int base, const NewJob& job) {
                const JobSpec& spec = *job.spec;
                std::optional<std::string> chain;
                if (auto label = spec.labels.find("chain"); label != spec.labels.end())
                  chain = label->get<std::string>();
                insert.bind(base + 1, job.seq).bind_static(base + 2, job.id);
                insert.bind_static(base + 3, spec.kind).bind_static(base + 4, spec.queue);
                insert.bind(base + 5, spec.params.dump());
                if (spec.labels.empty())
                  insert.bind_static(base + 6, "{}");
                else
                  insert.bind(base + 6, spec.labels.dump());
                insert.bind(base + 7, chain);
                insert.bind(base + 8, spec.priority).bind_static(base + 9, to_string(job.status));
                insert.bind(base + 10, job.run_at).bind(base + 11, now).bind(base + 12, now);
                insert.bind(base + 13, spec.max_attempts);
                insert.bind(base + 14, spec.timeout_ms).bind(base + 15, spec.backoff_ms);
                insert.bind(base + 16, spec.backoff_max_ms);
                if (spec.depends_on.empty())
                  insert.bind_static(base + 17, "[]");
                else
                  insert.bind(base + 17, Json(spec.depends_on).dump());
                insert.bind(base + 18, job.waiting).bind_static(base + 19, spec.idempotency_key);
                insert.bind_static(base + 20, job.spec_hash).bind(base + 21, spec.cost);
                insert.bind_static(base + 22, to_string(job.item->source));
                insert.bind_static(base + 23, job.item->gate_report).bind(base + 24, first_event + (&job - front));
              });
  for (const auto& job : fresh)
    for (auto dependency : job.dependencies)
      store_.use(sql::kInsertDependency).bind(1, dependency).bind(2, job.seq).run();
  insert_rows(store_, sql::kInsertEventPrefix, sql::kInsertEventColumns, fresh,
              [&](Statement& insert, int base, const NewJob& job) {
                insert.bind(base + 1, job.seq).bind(base + 2, now).bind_null(base + 3);
                insert.bind_static(base + 4, to_string(job.status)).bind_null(base + 5);
                if (job.status == JobStatus::blocked)
                  insert.bind_static(base + 6, kBlockedDetail);
                else if (job.status == JobStatus::quarantined)
                  insert.bind_static(base + 6, kQuarantinedDetail);
                else
                  insert.bind_null(base + 6);
                insert.bind_null(base + 7);  // a job's first event has none before it
              });
  check_event_seqs(first_event, fresh.size());
}

void JobQueue::check_event_seqs(std::int64_t first, std::size_t count) {
  if (count > 0 && store_.last_insert_rowid() != first + static_cast<std::int64_t>(count) - 1)
    sheratan::fail(ExitCode::failed, "internal error: job events did not get the seqs their jobs name");
}

void JobQueue::record_event(std::int64_t job_seq, EpochMillis now, std::optional<std::string_view> from,
                            std::string_view to, const std::optional<std::string>& worker,
                            const std::optional<std::string>& detail) {
  auto insert = store_.use(sql::kRecordEvent);
  insert.bind(1, job_seq).bind(2, now);
  if (from)
    insert.bind(3, *from);
  else
    insert.bind_null(3);
  insert.bind(4, to).bind(5, worker).bind(6, detail).run();
  store_.use(sql::kSetLastEvent).bind(1, job_seq).bind(2, store_.last_insert_rowid()).run();
}

}  // namespace sheratan
