// Reading the queue: list, find, events, stats. Lists stream row by row so that
// memory stays flat however large the store grows.
#include "queue/job_row.hpp"
#include "queue/queue.hpp"
#include "store/sql/queue_queries.hpp"

namespace sheratan {

void JobQueue::list(const ListFilter& filter, const std::function<void(const Job&)>& emit) {
  // The WHERE clause is assembled from fixed fragments only; values are bound.
  std::string query = "SELECT " + std::string(sql::kJobColumns) + " FROM jobs WHERE 1";
  std::vector<std::string> values;
  if (filter.status) {
    query += " AND status = ?";
    values.emplace_back(to_string(*filter.status));
  }
  if (filter.queue) {
    query += " AND queue = ?";
    values.push_back(*filter.queue);
  }
  if (filter.kind) {
    query += " AND kind = ?";
    values.push_back(*filter.kind);
  }
  if (filter.chain) {
    // A worker's chain is named by its root job, which carries no chain label itself.
    query += " AND (chain = ? OR id = ?)";
    values.push_back(*filter.chain);
    values.push_back(*filter.chain);
  }
  for (const auto& [key, value] : filter.labels) {
    // By key and value, not by a JSON path: a path cannot spell every key (SQLite's
    // quoted labels take no escaped '"').
    query += " AND EXISTS (SELECT 1 FROM json_each(labels) WHERE key = ? AND value = ?)";
    values.push_back(key);
    values.push_back(value);
  }
  query += " ORDER BY seq";
  if (filter.limit) query += " LIMIT " + std::to_string(*filter.limit);
  store_.read([&] {
    auto select = store_.use(query);
    for (std::size_t i = 0; i < values.size(); ++i)
      select.bind(static_cast<int>(i + 1), values[i]);
    while (select.step())
      emit(read_job(select));
  });
}

std::optional<Job> JobQueue::find(const std::string& id) {
  auto row = store_.use(sql::kJobById);
  row.bind(1, id);
  if (!row.step()) return std::nullopt;
  return read_job(row);
}

std::vector<JobEvent> JobQueue::events_of(const std::string& id) {
  std::vector<JobEvent> events;
  auto select = store_.use(sql::kEventsOfJob);
  select.bind(1, id);
  while (select.step())
    events.push_back(read_event(select));
  return events;
}

std::vector<JobEvent> JobQueue::events_after(std::int64_t seq, std::int64_t limit) {
  std::vector<JobEvent> events;
  auto select = store_.use(sql::kEventsAfter);
  select.bind(1, seq).bind(2, limit);
  while (select.step())
    events.push_back(read_event(select));
  return events;
}

std::int64_t JobQueue::last_event_seq() {
  auto row = store_.use(sql::kLastEventSeq);
  row.step();
  const std::int64_t seq = row.integer(0);
  row.reset();  // no read cursor left open in the caller's transaction
  return seq;
}

QueueStats JobQueue::stats() {
  return store_.read([&] {
    QueueStats stats;
    const EpochMillis now = clock_.now();
    auto counts = store_.use(sql::kCountsByQueueStatus);
    while (counts.step())
      stats.counts.push_back({counts.text(0), counts.text(1), counts.integer(2)});
    auto oldest = store_.use(sql::kOldestReady);
    while (oldest.step())
      stats.oldest_ready_age.emplace_back(oldest.text(0), std::max<Millis>(0, now - oldest.integer(1)));
    return stats;
  });
}

Json QueueStats::to_json() const {
  // Every status, quarantined included, counts from 0: a store may hold any of them.
  Json totals = Json::object();
  for (JobStatus status : kAllJobStatuses)
    totals[std::string(to_string(status))] = 0;
  Json queues = Json::object();
  for (const auto& row : counts) {
    Json& queue = queues[row.queue];
    if (queue.is_null()) {
      queue = Json::object();
      for (JobStatus status : kAllJobStatuses)
        queue[std::string(to_string(status))] = 0;
      queue["oldest_ready_age_ms"] = nullptr;
    }
    queue[row.status] = row.count;
    totals[row.status] = totals[row.status].get<std::int64_t>() + row.count;
  }
  Millis oldest_overall = -1;
  for (const auto& [queue, age] : oldest_ready_age) {
    queues[queue]["oldest_ready_age_ms"] = age;
    oldest_overall = std::max(oldest_overall, age);
  }
  return Json{{"total", totals},
              {"dead", totals["dead"]},
              {"oldest_ready_age_ms", oldest_overall < 0 ? Json(nullptr) : Json(oldest_overall)},
              {"queues", queues}};
}

}  // namespace sheratan
