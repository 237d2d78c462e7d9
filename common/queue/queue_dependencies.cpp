// How a job's end reaches the jobs that depend on it: done counts down their wait;
// dead or canceled blocks them, and everything below them, until a retry unblocks.
#include "queue/queue.hpp"
#include "store/sql/queue_queries.hpp"

namespace sheratan {
namespace {

std::vector<std::int64_t> dependents_of(Store& store, std::int64_t seq) {
  std::vector<std::int64_t> out;
  auto select = store.use(sql::kDependents);
  select.bind(1, seq);
  while (select.step())
    out.push_back(select.integer(0));
  return out;
}

}  // namespace

void JobQueue::on_done(const std::vector<std::int64_t>& done, EpochMillis now) {
  {
    auto any = store_.use(sql::kAnyDependency);
    any.step();
    if (any.integer(0) == 0) return;
  }
  std::vector<std::int64_t> dependents;
  {
    auto select = store_.use(sql::kDependentsOfAll);
    select.bind(1, Json(done).dump());
    while (select.step())
      dependents.push_back(select.integer(0));
  }
  for (auto dependent : dependents) {
    auto row = store_.use(sql::kDependencyDone);
    row.bind(1, dependent).bind(2, now);
    row.step();
    const std::string status = row.text(0);
    const auto waiting = row.integer(1);
    const auto run_at = row.integer(2);
    row.run();
    if (status == "pending" && waiting == 0 && run_at <= now) {
      store_.use(sql::kSetStatus).bind(1, dependent).bind(2, "ready").bind(3, now).run();
      record_event(dependent, now, "pending", "ready", std::nullopt, "dependencies done");
    }
  }
}

void JobQueue::block_dependents(std::int64_t seq, EpochMillis now) {
  std::vector<std::int64_t> work = dependents_of(store_, seq);
  while (!work.empty()) {
    auto dependent = work.back();
    work.pop_back();
    auto row = store_.use(sql::kStatusBySeq);
    row.bind(1, dependent);
    row.step();
    const std::string status = row.text(0);
    if (status != "pending" && status != "ready") continue;  // ended already, or blocked before
    store_.use(sql::kSetStatus).bind(1, dependent).bind(2, "blocked").bind(3, now).run();
    record_event(dependent, now, status, "blocked", std::nullopt, "a dependency ended dead or canceled");
    for (auto next : dependents_of(store_, dependent))
      work.push_back(next);
  }
}

JobStatus JobQueue::status_from_dependencies(std::int64_t seq, std::int64_t waiting_deps, EpochMillis run_at,
                                             EpochMillis now) {
  auto statuses = store_.use(sql::kDependencyStatuses);
  statuses.bind(1, seq);
  while (statuses.step()) {
    auto status = statuses.text_view(0);
    if (status == "dead" || status == "canceled" || status == "blocked") return JobStatus::blocked;
  }
  return (waiting_deps > 0 || run_at > now) ? JobStatus::pending : JobStatus::ready;
}

void JobQueue::unblock_dependents(std::int64_t seq, EpochMillis now) {
  std::vector<std::int64_t> work = dependents_of(store_, seq);
  while (!work.empty()) {
    auto dependent = work.back();
    work.pop_back();
    auto row = store_.use(sql::kStatusBySeq);
    row.bind(1, dependent);
    row.step();
    const std::string status = row.text(0);
    const auto waiting = row.integer(1), run_at = row.integer(2);
    if (status != "blocked") continue;
    JobStatus next = status_from_dependencies(dependent, waiting, run_at, now);
    if (next == JobStatus::blocked) continue;
    store_.use(sql::kSetStatus).bind(1, dependent).bind(2, to_string(next)).bind(3, now).run();
    record_event(dependent, now, "blocked", to_string(next), std::nullopt, "a dependency was retried");
    for (auto below : dependents_of(store_, dependent))
      work.push_back(below);
  }
}

}  // namespace sheratan
