// Pushing jobs: validation happened in parse_job_spec; here come idempotency,
// dependencies, backpressure and the insert.
#include <map>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/canonical.hpp"
#include "queue/queue.hpp"
#include "store/ids.hpp"
#include "store/sql/queue_queries.hpp"

namespace sheratan {

Json PushOutcome::to_json() const { return Json{{"id", id}, {"status", to_string(status)}, {"duplicate", duplicate}}; }

std::vector<PushOutcome> JobQueue::push(const std::vector<PushItem>& items, std::optional<std::int64_t> max_depth) {
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    if (max_depth) {
      std::map<std::string, std::int64_t> depth;
      for (const auto& item : items) {
        auto [entry, fresh] = depth.try_emplace(item.spec.queue, 0);
        if (fresh) {
          auto count = store_.use(sql::kQueueDepth);
          count.bind(1, item.spec.queue);
          count.step();
          entry->second = count.integer(0);
        }
        if (++entry->second > *max_depth) {
          std::string message = "queue " + quote(item.spec.queue) + " is full: " +
                                std::to_string(entry->second - 1) + " unfinished jobs, max_depth " +
                                std::to_string(*max_depth);
          sheratan::fail(ExitCode::unavailable, item.line ? at_line(item.line, message) : message);
        }
      }
    }
    std::vector<PushOutcome> outcomes;
    outcomes.reserve(items.size());
    for (const auto& item : items) {
      try {
        outcomes.push_back(push_one(item.spec, now));
      } catch (const Error& error) {
        if (item.line == 0) throw;
        throw Error(error.code(), at_line(item.line, error.what()));
      }
    }
    return outcomes;
  });
}

PushOutcome JobQueue::push_one(const JobSpec& spec, EpochMillis now) {
  std::optional<std::string> spec_hash;
  if (spec.idempotency_key) {
    spec_hash = canonical_hash(spec.payload());
    auto existing = store_.use(sql::kFindByKey);
    existing.bind(1, *spec.idempotency_key);
    if (existing.step()) {
      if (existing.text_view(2) != *spec_hash)
        sheratan::fail(ExitCode::conflict, "idempotency key " + quote(*spec.idempotency_key) + " already names job " +
                                     existing.text(0) + " with a different payload");
      return {existing.text(0), parse_job_status(existing.text_view(1)), true};
    }
  }
  // Dependencies: each must exist; a dead, canceled or blocked one blocks this job.
  std::vector<std::int64_t> dependency_seqs;
  std::int64_t waiting = 0;
  bool blocked = false;
  for (const auto& dependency : spec.depends_on) {
    auto found = store_.use(sql::kSeqStatusById);
    found.bind(1, dependency);
    if (!found.step()) sheratan::fail(ExitCode::bad_input, "field 'depends_on' names unknown job " + quote(dependency));
    dependency_seqs.push_back(found.integer(0));
    auto status = parse_job_status(found.text_view(1));
    if (status == JobStatus::dead || status == JobStatus::canceled || status == JobStatus::blocked) blocked = true;
    if (status != JobStatus::done) ++waiting;
  }
  const EpochMillis run_at = spec.run_at.value_or(now);
  JobStatus status = blocked ? JobStatus::blocked
                     : (waiting > 0 || run_at > now) ? JobStatus::pending
                                                      : JobStatus::ready;
  std::string id = new_uuid_v7(now);
  std::optional<std::string> chain;
  if (auto label = spec.labels.find("chain"); label != spec.labels.end()) chain = label->get<std::string>();
  store_.use(sql::kInsertJob)
      .bind(1, id)
      .bind(2, spec.kind)
      .bind(3, spec.queue)
      .bind(4, spec.params.dump())
      .bind(5, spec.labels.dump())
      .bind(6, chain)
      .bind(7, spec.priority)
      .bind(8, to_string(status))
      .bind(9, run_at)
      .bind(10, now)
      .bind(11, spec.max_attempts)
      .bind(12, spec.timeout_ms)
      .bind(13, spec.backoff_ms)
      .bind(14, spec.backoff_max_ms)
      .bind(15, Json(spec.depends_on).dump())
      .bind(16, waiting)
      .bind(17, spec.idempotency_key)
      .bind(18, spec_hash)
      .bind(19, spec.cost)
      .run();
  const std::int64_t seq = sqlite3_last_insert_rowid(store_.handle());
  for (auto dependency : dependency_seqs) store_.use(sql::kInsertDependency).bind(1, dependency).bind(2, seq).run();
  record_event(id, now, std::nullopt, to_string(status), std::nullopt,
               blocked ? std::optional<std::string>("a dependency ended dead or canceled") : std::nullopt);
  return {id, status, false};
}

void JobQueue::record_event(const std::string& job_id, EpochMillis now, std::optional<std::string_view> from,
                            std::string_view to, const std::optional<std::string>& worker,
                            const std::optional<std::string>& detail) {
  auto insert = store_.use(sql::kInsertEvent);
  insert.bind(1, new_uuid_v7(now)).bind(2, job_id).bind(3, now);
  if (from) insert.bind(4, *from); else insert.bind_null(4);
  insert.bind(5, to).bind(6, worker).bind(7, detail).run();
}

}  // namespace sheratan
