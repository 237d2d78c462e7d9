// Unit tests for the queue's schema migrations (common/store/sql/schema.cpp): a store
// written by an older release upgrades, and the queue's answers over it stay right.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <memory>
#include <string>

#include "cli/error.hpp"
#include "queue/queue.hpp"
#include "store/sql/queue_queries.hpp"
#include "store/sql/schema.hpp"
#include "store/store.hpp"
#include "support/test_support.hpp"

using sheratan::EpochMillis;
using sheratan::Error;
using sheratan::ExitCode;
using sheratan::JobQueue;
using sheratan::PushItem;

using sheratan::testing::error_of;
using sheratan::testing::FakeClock;
using sheratan::testing::TempDir;

namespace {

constexpr EpochMillis kMigratedAt = 1'800'000'000'000;

// A store as a release with the first `version` migrations left it, holding `rows`
// (SQL that release could have written); then opened by this one, which upgrades it.
std::unique_ptr<sheratan::Store> upgraded_store(const std::string& path, int version, const std::string& rows) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  for (int v = 0; v < version; ++v)
    REQUIRE(sqlite3_exec(raw, sheratan::schema_migrations().at(static_cast<std::size_t>(v)), nullptr, nullptr,
                         nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, ("PRAGMA user_version=" + std::to_string(version)).c_str(), nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, rows.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  sheratan::StoreOptions options;
  options.path = path;
  options.durable = false;
  return sheratan::Store::open(options);
}

// One job row written as an old release would have, with its status and lease.
std::string job_row(int seq, const std::string& queue, const std::string& status, const std::string& lease_until) {
  const std::string n = std::to_string(seq);
  return "INSERT INTO jobs (seq, id, kind, queue, params, labels, priority, status, run_at, created_at, updated_at, "
         "attempts, max_attempts, timeout_ms, backoff_ms, backoff_max_ms, depends_on, worker, lease_token, "
         "lease_until, finished_at) VALUES (" +
         n + ", 'j-" + n + "', 'k', '" + queue + "', '{}', '{}', 10, '" + status + "', " +
         (status == "pending" ? std::to_string(kMigratedAt + 60'000) : std::to_string(kMigratedAt - 1000)) +
         ", 1, 1, " + (status == "leased" || status == "done" ? "1" : "0") + ", 5, 1000, 500, 1000, '[]', " +
         (status == "leased" ? "'w', 't-" + n + "', " + lease_until : "NULL, NULL, NULL") + ", " +
         (status == "done" ? "1" : "NULL") + ");";
}

std::int64_t scalar(sheratan::Store& store, const std::string& sql) {
  auto statement = store.use(sql);
  REQUIRE(statement.step());
  auto value = statement.integer(0);
  statement.reset();
  return value;
}

std::string query_plan(sheratan::Store& store, std::string_view sql) {
  auto explain = store.use("EXPLAIN QUERY PLAN " + std::string(sql));
  std::string plan;
  while (explain.step())
    plan += explain.text(3) + "\n";
  explain.reset();
  return plan;
}

// The depth of `queue` as a push with max_depth reports it when it refuses.
std::string refused_depth(JobQueue& queue, const std::string& name) {
  sheratan::JobSpec spec;
  spec.kind = "k";
  spec.queue = name;
  Error error = error_of([&] { queue.push({PushItem{spec, 0}}, 0); });
  CHECK(error.code() == ExitCode::unavailable);
  return error.what();
}

}  // namespace

TEST_CASE("migration 8: a version-7 store keeps its depth, stats and reaping", "[queue][store]") {
  TempDir dir;
  const std::string expired = std::to_string(kMigratedAt - 1), live = std::to_string(kMigratedAt + 60'000);
  auto store = upgraded_store(
      dir.file("old.db"), 7,
      job_row(1, "a", "ready", "") + job_row(2, "a", "ready", "") + job_row(3, "a", "pending", "") +
          job_row(4, "a", "leased", expired) + job_row(5, "a", "leased", live) + job_row(6, "a", "done", "") +
          job_row(7, "b", "leased", live) + job_row(8, "b", "pending", "") + job_row(9, "b", "dead", ""));
  CHECK(scalar(*store, "PRAGMA user_version") == static_cast<std::int64_t>(sheratan::schema_migrations().size()));
  CHECK(scalar(*store, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs_unready'") == 0);
  CHECK(scalar(*store, "SELECT count(*) FROM jobs") == 9);

  // Every third of the depth comes from an index: no plain scan of the jobs table.
  const std::string plan = query_plan(*store, sheratan::sql::kQueueDepth);
  INFO(plan);
  CHECK(plan.find("jobs_pending") != std::string::npos);
  CHECK(plan.find("jobs_leases") != std::string::npos);
  CHECK(plan.find("SCAN jobs\n") == std::string::npos);

  FakeClock clock{kMigratedAt};
  JobQueue queue(*store, clock);
  // Open jobs: ready, pending and leased; done and dead ones are not counted.
  CHECK_THAT(refused_depth(queue, "a"), Catch::Matchers::Contains("depth 5 of max_depth 0"));
  CHECK_THAT(refused_depth(queue, "b"), Catch::Matchers::Contains("depth 2 of max_depth 0"));

  auto stats = queue.stats().to_json();
  CHECK(stats["queues"]["a"]["ready"] == 2);
  CHECK(stats["queues"]["a"]["pending"] == 1);
  CHECK(stats["queues"]["a"]["leased"] == 2);
  CHECK(stats["queues"]["a"]["done"] == 1);
  CHECK(stats["queues"]["b"]["leased"] == 1);
  CHECK(stats["queues"]["b"]["dead"] == 1);
  CHECK(stats["total"]["leased"] == 3);

  // The expired lease comes back; the live ones stay; the depth does not change.
  auto reaped = queue.reap();
  CHECK(reaped.ready == 1);
  CHECK(reaped.dead == 0);
  CHECK(queue.find("j-4")->status == sheratan::JobStatus::ready);
  CHECK(queue.find("j-5")->status == sheratan::JobStatus::leased);
  CHECK(queue.stats().to_json()["queues"]["a"]["leased"] == 1);
  CHECK_THAT(refused_depth(queue, "a"), Catch::Matchers::Contains("depth 5 of max_depth 0"));

  // A claim and an ack move jobs through the rebuilt indexes: leased, then gone from the depth.
  sheratan::ClaimRequest request;
  request.worker = "w2";
  request.queue = "a";
  request.limit = 10;
  auto claimed = queue.claim(request);
  REQUIRE(claimed.size() == 3);
  CHECK_THAT(refused_depth(queue, "a"), Catch::Matchers::Contains("depth 5 of max_depth 0"));
  for (const auto& job : claimed)
    queue.ack({job.id, *job.lease_token}, sheratan::Json{{"ok", true}});
  CHECK_THAT(refused_depth(queue, "a"), Catch::Matchers::Contains("depth 2 of max_depth 0"));
  CHECK(scalar(*store, "SELECT count(*) FROM jobs WHERE status = 'leased' AND queue = 'a'") == 1);
}

TEST_CASE("migration 9: a version-8 store keeps each job's events, found by their chain", "[queue][store]") {
  TempDir dir;
  // Job 1 is done (three events), job 2 leased (two), interleaved as they happened.
  auto store = upgraded_store(
      dir.file("old.db"), 8,
      job_row(1, "a", "done", "") + job_row(2, "a", "leased", std::to_string(kMigratedAt + 60'000)) +
          "INSERT INTO job_events (seq, job_seq, ts, from_status, to_status, worker, detail) VALUES "
          "(1, 1, 1, NULL, 'ready', NULL, NULL), (2, 2, 1, NULL, 'ready', NULL, NULL), "
          "(3, 1, 2, 'ready', 'leased', 'w', 'attempt 1'), (4, 2, 2, 'ready', 'leased', 'w', 'attempt 1'), "
          "(5, 1, 3, 'leased', 'done', 'w', NULL);");
  CHECK(scalar(*store, "SELECT count(*) FROM sqlite_master WHERE name = 'job_events_by_job'") == 0);
  CHECK(scalar(*store, "SELECT last_event FROM jobs WHERE seq = 1") == 5);
  CHECK(scalar(*store, "SELECT last_event FROM jobs WHERE seq = 2") == 4);
  CHECK(scalar(*store, "SELECT count(*) FROM job_events WHERE prev_seq IS NULL") == 2);

  // A job's events are read by rowid along the chain, never by a scan of job_events.
  const std::string plan = query_plan(*store, sheratan::sql::kEventsOfJob);
  INFO(plan);
  CHECK(plan.find("SCAN e") == std::string::npos);
  CHECK(plan.find("SCAN job_events") == std::string::npos);

  FakeClock clock{kMigratedAt};
  JobQueue queue(*store, clock);
  auto transitions = [&](const std::string& id) {
    std::string out;
    for (const auto& event : queue.events_of(id))
      out += std::to_string(event.id) + ":" + event.from.value_or("") + ">" + event.to + " ";
    return out;
  };
  CHECK(transitions("j-1") == "1:>ready 3:ready>leased 5:leased>done ");
  CHECK(transitions("j-2") == "2:>ready 4:ready>leased ");

  // New events go on the chains: an ack (many at a time), a push, a cancel (one at a time).
  queue.ack({"j-2", "t-2"}, sheratan::Json{{"ok", true}});
  sheratan::JobSpec spec;
  spec.kind = "k";
  spec.queue = "a";
  const std::string fresh = queue.push({PushItem{spec, 0}}, std::nullopt).front().id;
  queue.cancel(fresh, "not needed");
  CHECK(transitions("j-2") == "2:>ready 4:ready>leased 6:leased>done ");
  CHECK(transitions(fresh) == "7:>ready 8:ready>canceled ");
  CHECK(transitions("j-1") == "1:>ready 3:ready>leased 5:leased>done ");

  // Purge deletes a finished job's events, and only its own: an open job keeps its chain.
  const std::string open = queue.push({PushItem{spec, 0}}, std::nullopt).front().id;
  clock.advance(10'000);
  CHECK(queue.purge(1000) == 3);
  CHECK(scalar(*store, "SELECT count(*) FROM job_events") == 1);
  CHECK(transitions(open) == "9:>ready ");
}
