// Unit tests for the JobQueue (common/queue/queue*.cpp) over a temporary store and a
// hand-moved clock.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/error.hpp"
#include "json/canonical.hpp"
#include "queue/queue.hpp"
#include "store/store.hpp"
#include "support/test_support.hpp"

using sheratan::EpochMillis;
using sheratan::Error;
using sheratan::ExitCode;
using sheratan::Job;
using sheratan::JobQueue;
using sheratan::JobStatus;
using sheratan::Json;
using sheratan::LeaseRef;
using sheratan::Millis;
using sheratan::PushItem;
using sheratan::PushOutcome;

using sheratan::testing::error_of;
using sheratan::testing::FakeClock;
using sheratan::testing::TempDir;

namespace {

constexpr EpochMillis kStart = 1'800'000'000'000;  // 2027-01-15T08:00:00Z

sheratan::StoreOptions store_options(const std::string& path) {
  sheratan::StoreOptions options;
  options.path = path;
  options.durable = false;  // tests do not need to survive a power cut
  return options;
}

// A queue on a fresh store, with a clock the test moves by hand.
struct QueueFixture {
  TempDir dir;
  std::unique_ptr<sheratan::Store> store = sheratan::Store::open(store_options(dir.file("queue.db")));
  FakeClock clock{kStart};
  JobQueue queue{*store, clock};

  sheratan::JobSpec spec(const std::string& text) {
    return sheratan::parse_job_spec(Json::parse(text), {}, clock.now());
  }
  PushOutcome push_one(const std::string& text, std::optional<std::int64_t> max_depth = std::nullopt) {
    auto outcomes = queue.push({PushItem{spec(text), 0}}, max_depth);
    REQUIRE(outcomes.size() == 1);
    return outcomes.front();
  }
  std::string push(const std::string& text) { return push_one(text).id; }
  std::string push_after(const std::string& text, const std::vector<std::string>& deps) {
    Json input = Json::parse(text);
    input["depends_on"] = deps;
    return push(input.dump());
  }
  std::vector<Job> claim(const std::string& worker, std::int64_t limit = 1, Millis lease_ms = 60'000,
                         const std::string& queue_name = "default", std::vector<std::string> kinds = {}) {
    sheratan::ClaimRequest request;
    request.worker = worker;
    request.queue = queue_name;
    request.limit = limit;
    request.lease_ms = lease_ms;
    request.kinds = std::move(kinds);
    return queue.claim(request);
  }
  Job claim_one(const std::string& worker, Millis lease_ms = 60'000) {
    auto jobs = claim(worker, 1, lease_ms);
    REQUIRE(jobs.size() == 1);
    return jobs.front();
  }
  Job get(const std::string& id) {
    auto job = queue.find(id);
    REQUIRE(job.has_value());
    return *job;
  }
  JobStatus status(const std::string& id) { return get(id).status; }
  static LeaseRef lease(const Job& job) {
    REQUIRE(job.lease_token.has_value());
    return LeaseRef{job.id, *job.lease_token};
  }
  // A job's status changes as "from>to" (from is empty for the first event).
  std::vector<std::string> transitions(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& event : queue.events_of(id))
      out.push_back(event.from.value_or("") + ">" + event.to);
    return out;
  }
  std::int64_t scalar(const std::string& sql) {
    auto statement = store->use(sql);
    REQUIRE(statement.step());
    auto value = statement.integer(0);
    statement.reset();
    return value;
  }
  std::int64_t job_count() { return scalar("SELECT count(*) FROM jobs"); }
  std::int64_t event_count() { return scalar("SELECT count(*) FROM job_events"); }
  std::vector<std::string> list_ids(const sheratan::ListFilter& filter) {
    std::vector<std::string> ids;
    queue.list(filter, [&](const Job& job) { ids.push_back(job.id); });
    return ids;
  }
};

using Transitions = std::vector<std::string>;

}  // namespace

TEST_CASE_METHOD(QueueFixture, "push, claim and ack: the happy path", "[queue]") {
  PushOutcome pushed = push_one(R"({"kind":"build","params":{"target":"all"},"labels":{"team":"ops"}})");
  CHECK(pushed.status == JobStatus::ready);
  CHECK_FALSE(pushed.duplicate);
  CHECK(pushed.to_json() == Json{{"id", pushed.id}, {"status", "ready"}, {"duplicate", false}});

  Job stored = get(pushed.id);
  CHECK(stored.status == JobStatus::ready);
  CHECK(stored.spec.kind == "build");
  CHECK(stored.spec.params == Json{{"target", "all"}});
  CHECK(stored.spec.labels == Json{{"team", "ops"}});
  CHECK(stored.attempts == 0);
  CHECK(stored.created_at == kStart);
  CHECK(stored.run_at == kStart);
  CHECK_FALSE(stored.worker.has_value());

  clock.advance(100);
  auto jobs = claim("w1", 1, 30'000);
  REQUIRE(jobs.size() == 1);
  const Job& leased = jobs.front();
  CHECK(leased.id == pushed.id);
  CHECK(leased.status == JobStatus::leased);
  CHECK(leased.attempts == 1);
  CHECK(leased.worker == std::optional<std::string>("w1"));
  REQUIRE(leased.lease_token.has_value());
  CHECK(leased.lease_token->size() == 32);
  CHECK(leased.lease_until == std::optional<EpochMillis>(kStart + 100 + 30'000));
  CHECK(get(pushed.id).status == JobStatus::leased);
  CHECK(claim("w2").empty());  // nothing else to lease

  clock.advance(200);
  const Json result = {{"ok", true}, {"files", {"a", "b"}}};
  Job done = queue.ack(lease(leased), result);
  CHECK(done.status == JobStatus::done);
  REQUIRE(done.result.has_value());
  CHECK(Json::parse(*done.result) == result);
  CHECK(done.result_hash == std::optional<std::string>(sheratan::canonical_hash(result)));
  CHECK(done.finished_at == std::optional<EpochMillis>(kStart + 300));
  CHECK(done.updated_at == kStart + 300);
  CHECK_FALSE(done.lease_until.has_value());
  CHECK(done.worker == std::optional<std::string>("w1"));
  CHECK_FALSE(done.to_json().contains("lease_token"));
  CHECK(done.attempts == 1);
  CHECK(get(pushed.id).status == JobStatus::done);
  CHECK(claim("w1").empty());

  CHECK(transitions(pushed.id) == Transitions{">ready", "ready>leased", "leased>done"});
  auto events = queue.events_of(pushed.id);
  REQUIRE(events.size() == 3);
  CHECK(events[0].ts == kStart);
  CHECK_FALSE(events[0].worker.has_value());
  CHECK(events[1].ts == kStart + 100);
  CHECK(events[1].worker == std::optional<std::string>("w1"));
  CHECK(events[1].detail == std::optional<std::string>("attempt 1"));
  CHECK(events[2].ts == kStart + 300);
  CHECK(events[2].worker == std::optional<std::string>("w1"));
}

TEST_CASE_METHOD(QueueFixture, "claim and ack return each job exactly as the store then holds it", "[queue]") {
  // claim and ack_all update rows without reading them back; what they return must
  // still be what a fresh read gives.
  for (int i = 0; i < 5; ++i)
    push(R"({"kind":"k","params":{"n":)" + std::to_string(i) + R"(},"labels":{"team":"ops"},"priority":)" +
         std::to_string(i % 2 ? 20 : 10) + "}");
  clock.advance(100);
  auto leased = claim("w1", 4, 30'000);
  REQUIRE(leased.size() == 4);
  for (const auto& job : leased)
    CHECK(job.to_json() == get(job.id).to_json());
  clock.advance(100);
  std::vector<sheratan::AckRequest> acks;
  for (const auto& job : leased)
    acks.push_back({lease(job), Json{{"n", job.spec.params["n"]}}, 0});
  acks.push_back(acks.front());  // a repeated ack in the same batch
  auto done = queue.ack_all(acks);
  REQUIRE(done.size() == 5);
  for (const auto& job : done)
    CHECK(job.to_json() == get(job.id).to_json());
  CHECK(done.front().id == done.back().id);
}

TEST_CASE_METHOD(QueueFixture, "a large claim and ack batch changes every job it names", "[queue]") {
  // More jobs than one chunk of UPDATEs holds, and a remainder; the repeated ack falls
  // into another chunk of the ack's read than the first. Mixed priorities claim them
  // out of seq order, and the acks come in yet another: each row must still get its own
  // token and result.
  constexpr int kJobs = 100;
  for (int i = 0; i < kJobs; ++i)
    push(R"({"kind":"k","priority":)" + std::to_string(i * 7 % 5) + R"(,"params":{"n":)" + std::to_string(i) + "}}");
  clock.advance(100);
  auto leased = claim("w1", kJobs + 10, 30'000);
  REQUIRE(leased.size() == kJobs);
  CHECK(leased.front().spec.priority == 4);
  for (const auto& job : leased)
    CHECK(job.to_json() == get(job.id).to_json());
  std::vector<sheratan::AckRequest> acks;
  for (std::size_t i = 0; i < leased.size(); ++i) {
    const Job& job = leased[i * 37 % leased.size()];
    acks.push_back({lease(job), Json{{"n", job.spec.params["n"]}}, 0});
  }
  acks.push_back(acks.front());
  clock.advance(100);
  auto done = queue.ack_all(acks);
  REQUIRE(done.size() == kJobs + 1);
  for (std::size_t i = 0; i < done.size(); ++i) {
    CHECK(done[i].id == acks[i].lease.id);
    CHECK(done[i].status == JobStatus::done);
    CHECK(done[i].to_json() == get(done[i].id).to_json());
  }
  CHECK(event_count() == 3 * kJobs);
}

TEST_CASE_METHOD(QueueFixture, "an ack batch that wants no jobs back writes what one that does writes", "[queue]") {
  // Two halves of one claim, acked alike but for the reply: every job must end the same.
  constexpr int kJobs = 140;
  for (int i = 0; i < kJobs; ++i)
    push(R"({"kind":"k","params":{"n":)" + std::to_string(i) + "}}");
  clock.advance(100);
  auto leased = claim("w1", kJobs, 30'000);
  REQUIRE(leased.size() == kJobs);
  auto acks_of = [&](std::size_t from, std::size_t to) {
    std::vector<sheratan::AckRequest> acks;
    for (std::size_t i = from; i < to; ++i)
      acks.push_back({lease(leased[i]), Json{{"n", leased[i].spec.params["n"]}}, 0});
    return acks;
  };
  clock.advance(100);
  auto whole = queue.ack_all(acks_of(0, kJobs / 2), sheratan::JobQueue::AckReply::jobs);
  REQUIRE(whole.size() == kJobs / 2);
  // A stale token anywhere in a batch refuses all of it, reply or not.
  auto refused = acks_of(kJobs / 2, kJobs);
  refused[30].lease.token = "stale";
  CHECK(error_of([&] { queue.ack_all(refused, sheratan::JobQueue::AckReply::none); }).code() == ExitCode::conflict);
  CHECK(get(leased[kJobs / 2].id).status == JobStatus::leased);
  CHECK(queue.ack_all(acks_of(kJobs / 2, kJobs), sheratan::JobQueue::AckReply::none).empty());
  for (int i = 0; i < kJobs; ++i) {
    CAPTURE(i);
    Json after = get(leased[static_cast<std::size_t>(i)].id).to_json();
    Json like = whole[static_cast<std::size_t>(i % (kJobs / 2))].to_json();
    for (const char* field : {"status", "finished_at", "lease_until", "error", "worker", "attempts"})
      CHECK(after[field] == like[field]);
    CHECK(after["result"]["n"] == i);
    CHECK(after["result_hash"] == sheratan::canonical_hash(after["result"]));
    auto events = queue.events_of(leased[static_cast<std::size_t>(i)].id);
    REQUIRE(events.size() == 3);
    CHECK(events[2].from == std::optional<std::string>("leased"));
    CHECK(events[2].to == "done");
    CHECK(events[2].worker == std::optional<std::string>("w1"));
  }
}

TEST_CASE_METHOD(QueueFixture, "a large batch writes every job and its first event", "[queue]") {
  // More rows than one multi-row INSERT holds, and a remainder.
  constexpr int kJobs = 150;
  std::vector<PushItem> batch;
  for (int i = 0; i < kJobs; ++i) {
    Json input = {{"kind", "k"}, {"params", {{"i", i}}}, {"priority", i % 3}, {"labels", {{"n", std::to_string(i)}}}};
    if (i % 10 == 0) input["delay"] = "1m";
    if (i % 7 == 0) input["idempotency_key"] = "batch-" + std::to_string(i);
    batch.push_back({spec(input.dump()), static_cast<std::size_t>(i + 1)});
  }
  auto outcomes = queue.push(batch, std::nullopt);
  REQUIRE(outcomes.size() == kJobs);
  CHECK(job_count() == kJobs);
  CHECK(event_count() == kJobs);
  int wrong = 0;
  for (int i = 0; i < kJobs; ++i) {
    const auto& outcome = outcomes[static_cast<std::size_t>(i)];
    Job job = get(outcome.id);
    const JobStatus expected = i % 10 == 0 ? JobStatus::pending : JobStatus::ready;
    if (outcome.duplicate || outcome.status != expected || job.status != expected || job.spec.params["i"] != i ||
        job.spec.priority != i % 3 || job.spec.labels["n"] != std::to_string(i) ||
        job.spec.idempotency_key.has_value() != (i % 7 == 0) || transitions(outcome.id).size() != 1)
      ++wrong;
  }
  CHECK(wrong == 0);
  // Oldest first within a priority: the list order is the batch order.
  std::vector<std::string> expected_ids;
  for (const auto& outcome : outcomes)
    expected_ids.push_back(outcome.id);
  CHECK(list_ids({}) == expected_ids);
  // Pushing the same batch again finds every keyed job and adds the others anew.
  auto again = queue.push(batch, std::nullopt);
  int duplicates = 0;
  for (const auto& outcome : again)
    duplicates += outcome.duplicate ? 1 : 0;
  CHECK(duplicates == 22);  // i = 0, 7, ..., 147
  CHECK(job_count() == 2 * kJobs - 22);
}

TEST_CASE_METHOD(QueueFixture, "claim takes the highest priority first, then the oldest", "[queue]") {
  const std::string low = push(R"({"kind":"k","priority":"low"})");
  clock.advance(1);
  const std::string normal_a = push(R"({"kind":"k"})");
  clock.advance(1);
  const std::string high = push(R"({"kind":"k","priority":"high"})");
  clock.advance(1);
  const std::string normal_b = push(R"({"kind":"k","priority":"normal"})");
  clock.advance(1);
  const std::string critical = push(R"({"kind":"k","priority":"critical"})");
  const std::string custom = push(R"({"kind":"k","priority":15})");

  SECTION("one at a time") {
    std::vector<std::string> order;
    for (int i = 0; i < 6; ++i)
      order.push_back(claim_one("w").id);
    CHECK(order == std::vector<std::string>{critical, high, custom, normal_a, normal_b, low});
    CHECK(claim("w").empty());
  }
  SECTION("in one batch") {
    auto jobs = claim("w", 4);
    REQUIRE(jobs.size() == 4);
    CHECK(jobs[0].id == critical);
    CHECK(jobs[1].id == high);
    CHECK(jobs[2].id == custom);
    CHECK(jobs[3].id == normal_a);
    CHECK(jobs[0].lease_token != jobs[1].lease_token);
    auto rest = claim("w", 10);
    REQUIRE(rest.size() == 2);
    CHECK(rest[0].id == normal_b);
    CHECK(rest[1].id == low);
  }
}

TEST_CASE_METHOD(QueueFixture, "claim looks only at its queue and kinds", "[queue]") {
  const std::string other_queue = push(R"({"kind":"a","queue":"other"})");
  const std::string kind_a = push(R"({"kind":"a"})");
  const std::string kind_b = push(R"({"kind":"b"})");

  auto from_other = claim("w", 10, 60'000, "other");
  REQUIRE(from_other.size() == 1);
  CHECK(from_other[0].id == other_queue);

  auto only_b = claim("w", 10, 60'000, "default", {"b", "c"});
  REQUIRE(only_b.size() == 1);
  CHECK(only_b[0].id == kind_b);
  CHECK(claim("w", 10, 60'000, "default", {"b"}).empty());

  auto rest = claim("w", 10);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].id == kind_a);
}

TEST_CASE_METHOD(QueueFixture, "claim refuses a missing worker or a limit below 1", "[queue]") {
  push(R"({"kind":"k"})");
  CHECK(error_of([&] { claim(""); }).code() == ExitCode::usage);
  CHECK(error_of([&] { claim("w", 0); }).code() == ExitCode::usage);
  CHECK(status(list_ids({}).front()) == JobStatus::ready);
}

TEST_CASE_METHOD(QueueFixture, "claim respects run_at and leases once the clock passes it", "[queue]") {
  sheratan::ClaimRequest request;
  request.worker = "w";

  SECTION("a delay") {
    PushOutcome pushed = push_one(R"({"kind":"k","delay":"30s"})");
    CHECK(pushed.status == JobStatus::pending);
    CHECK(get(pushed.id).run_at == kStart + 30'000);
    CHECK(claim("w").empty());

    auto check = queue.claimable(request);
    CHECK_FALSE(check.done);
    CHECK(check.next_due == std::optional<EpochMillis>(kStart + 30'000));

    clock.advance(29'999);
    CHECK(claim("w").empty());
    CHECK(status(pushed.id) == JobStatus::pending);

    clock.advance(1);
    CHECK(queue.claimable(request).done);
    auto jobs = claim("w");
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].id == pushed.id);
    CHECK(jobs[0].attempts == 1);
    CHECK(transitions(pushed.id) == Transitions{">pending", "pending>ready", "ready>leased"});
    CHECK(queue.events_of(pushed.id)[1].detail == std::optional<std::string>("due"));
  }
  SECTION("an absolute run_at") {
    PushOutcome pushed = push_one(R"({"kind":"k","run_at":"2027-01-15T09:00:00Z"})");
    CHECK(pushed.status == JobStatus::pending);
    clock.set(sheratan::parse_rfc3339("2027-01-15T08:59:59.999Z"));
    CHECK(claim("w").empty());
    clock.set(sheratan::parse_rfc3339("2027-01-15T09:00:00Z"));
    REQUIRE(claim("w").size() == 1);
  }
  SECTION("a run_at in the past is ready at once") {
    PushOutcome pushed = push_one(R"({"kind":"k","run_at":"2020-01-01T00:00:00Z"})");
    CHECK(pushed.status == JobStatus::ready);
    CHECK(queue.claimable(request).done);
    REQUIRE(claim("w").size() == 1);
  }
  SECTION("a due job does not jump ahead of older ready jobs of the same priority") {
    const std::string delayed = push(R"({"kind":"k","delay":"1s"})");
    clock.advance(500);
    const std::string ready = push(R"({"kind":"k"})");
    clock.advance(600);
    auto jobs = claim("w", 2);
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].id == delayed);  // pushed first
    CHECK(jobs[1].id == ready);
  }
}

TEST_CASE_METHOD(QueueFixture, "idempotency keys: duplicates and conflicts", "[queue]") {
  const std::string first = R"({"kind":"k","params":{"a":1,"b":2},"idempotency_key":"order-17"})";
  PushOutcome original = push_one(first);
  CHECK_FALSE(original.duplicate);

  SECTION("the same payload is a duplicate naming the original job") {
    clock.advance(5'000);
    PushOutcome again = push_one(R"({"params":{"b":2,"a":1},"idempotency_key":"order-17","kind":"k"})");
    CHECK(again.duplicate);
    CHECK(again.id == original.id);
    CHECK(again.status == JobStatus::ready);
    CHECK(job_count() == 1);
    CHECK(transitions(original.id) == Transitions{">ready"});

    // The outcome reports the job's current status.
    Job leased = claim_one("w");
    queue.ack(lease(leased), Json::object());
    PushOutcome later = push_one(first);
    CHECK(later.duplicate);
    CHECK(later.status == JobStatus::done);
    CHECK(job_count() == 1);
  }
  SECTION("a different payload under the same key is a conflict that writes nothing") {
    const auto events_before = event_count();
    Error error = error_of([&] { push_one(R"({"kind":"k","params":{"a":2},"idempotency_key":"order-17"})"); });
    CHECK(error.code() == ExitCode::conflict);
    CHECK_THAT(error.what(), Catch::Matchers::Contains("'order-17'") && Catch::Matchers::Contains(original.id));
    CHECK(job_count() == 1);
    CHECK(event_count() == events_before);
  }
  SECTION("a conflict in a batch writes none of the batch") {
    const auto events_before = event_count();
    std::vector<PushItem> batch = {{spec(R"({"kind":"fresh"})"), 1},
                                   {spec(R"({"kind":"other","idempotency_key":"order-17"})"), 2}};
    Error error = error_of([&] { queue.push(batch, std::nullopt); });
    CHECK(error.code() == ExitCode::conflict);
    CHECK_THAT(error.what(), Catch::Matchers::StartsWith("line 2: "));
    CHECK(job_count() == 1);
    CHECK(event_count() == events_before);
    CHECK(scalar("SELECT count(*) FROM jobs WHERE kind = 'fresh'") == 0);
  }
  SECTION("a full queue still answers a duplicate, and counts only the new jobs of a batch") {
    CHECK(push_one(first, 1).duplicate);  // the queue holds 1 of max_depth 1
    std::vector<PushItem> batch = {{spec(first), 1},
                                   {spec(R"({"kind":"same","idempotency_key":"z"})"), 2},
                                   {spec(R"({"kind":"same","idempotency_key":"z"})"), 3}};
    auto outcomes = queue.push(batch, 2);  // two jobs at most: the original and one new
    REQUIRE(outcomes.size() == 3);
    CHECK(outcomes[0].duplicate);
    CHECK_FALSE(outcomes[1].duplicate);
    CHECK(outcomes[2].duplicate);
    Error error = error_of([&] { queue.push({{spec(first), 1}, {spec(R"({"kind":"new"})"), 2}}, 2); });
    CHECK(error.code() == ExitCode::unavailable);
    CHECK_THAT(error.what(),
               Catch::Matchers::StartsWith("line 2: ") && Catch::Matchers::Contains("depth 2 of max_depth 2"));
    CHECK(job_count() == 2);
  }
  SECTION("the same key twice in one batch with different payloads is a conflict") {
    std::vector<PushItem> batch = {{spec(R"({"kind":"n","idempotency_key":"y"})"), 1},
                                   {spec(R"({"kind":"m","idempotency_key":"y"})"), 2}};
    Error error = error_of([&] { queue.push(batch, std::nullopt); });
    CHECK(error.code() == ExitCode::conflict);
    CHECK_THAT(error.what(), Catch::Matchers::StartsWith("line 2: ") && Catch::Matchers::Contains("'y'"));
    CHECK(job_count() == 1);
  }
  SECTION("the same key twice in one batch is one job") {
    std::vector<PushItem> batch = {{spec(R"({"kind":"n","idempotency_key":"x"})"), 1},
                                   {spec(R"({"kind":"n","idempotency_key":"x"})"), 2}};
    auto outcomes = queue.push(batch, std::nullopt);
    REQUIRE(outcomes.size() == 2);
    CHECK_FALSE(outcomes[0].duplicate);
    CHECK(outcomes[1].duplicate);
    CHECK(outcomes[1].id == outcomes[0].id);
    CHECK(job_count() == 2);
  }
}

TEST_CASE_METHOD(QueueFixture, "depends_on: a dependent waits until its dependencies are done", "[queue]") {
  const std::string a = push(R"({"kind":"a"})");
  PushOutcome b = queue.push({PushItem{spec(Json{{"kind", "b"}, {"depends_on", {a}}}.dump()), 0}}, std::nullopt)[0];
  CHECK(b.status == JobStatus::pending);
  CHECK(get(b.id).waiting_deps == 1);

  clock.advance(10);
  auto jobs = claim("w", 10);
  REQUIRE(jobs.size() == 1);  // b is not claimable yet
  CHECK(jobs[0].id == a);
  CHECK(status(b.id) == JobStatus::pending);

  clock.advance(10);
  queue.ack(lease(jobs[0]), Json::object());
  Job after = get(b.id);
  CHECK(after.status == JobStatus::ready);
  CHECK(after.waiting_deps == 0);
  CHECK(transitions(b.id) == Transitions{">pending", "pending>ready"});
  CHECK(queue.events_of(b.id)[1].detail == std::optional<std::string>("dependencies done"));
  CHECK(claim_one("w").id == b.id);

  SECTION("a dependency that is done already does not hold the job") {
    PushOutcome c = queue.push({PushItem{spec(Json{{"kind", "c"}, {"depends_on", {a}}}.dump()), 0}}, std::nullopt)[0];
    CHECK(c.status == JobStatus::ready);
    CHECK(get(c.id).waiting_deps == 0);
  }
}

TEST_CASE_METHOD(QueueFixture, "depends_on: every dependency must be done", "[queue]") {
  const std::string a = push(R"({"kind":"a"})");
  const std::string b = push(R"({"kind":"b"})");
  const std::string c = push_after(R"({"kind":"c"})", {a, b});
  CHECK(get(c).waiting_deps == 2);

  Job first = claim_one("w");
  REQUIRE(first.id == a);
  queue.ack(lease(first), Json::object());
  CHECK(status(c) == JobStatus::pending);
  CHECK(get(c).waiting_deps == 1);

  Job second = claim_one("w");
  REQUIRE(second.id == b);
  queue.ack(lease(second), Json::object());
  CHECK(status(c) == JobStatus::ready);
}

TEST_CASE_METHOD(QueueFixture, "depends_on with a delay waits for both", "[queue]") {
  const std::string a = push(R"({"kind":"a"})");
  const std::string b = push_after(R"({"kind":"b","delay":"1m"})", {a});
  Job leased = claim_one("w");
  queue.ack(lease(leased), Json::object());
  CHECK(status(b) == JobStatus::pending);  // dependencies done, but not due yet
  CHECK(claim("w").empty());
  clock.advance(60'000);
  CHECK(claim_one("w").id == b);
}

TEST_CASE_METHOD(QueueFixture, "depends_on an unknown job is bad input naming it", "[queue]") {
  Error error = error_of([&] { push_after(R"({"kind":"b"})", {"no-such-job"}); });
  CHECK(error.code() == ExitCode::bad_input);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("depends_on") && Catch::Matchers::Contains("'no-such-job'"));
  CHECK(job_count() == 0);
}

TEST_CASE_METHOD(QueueFixture, "a dependency that ends dead blocks its dependents until it is retried", "[queue]") {
  const std::string a = push(R"({"kind":"a","max_attempts":1})");
  const std::string b = push_after(R"({"kind":"b"})", {a});
  const std::string c = push_after(R"({"kind":"c"})", {b});
  const std::string unrelated = push(R"({"kind":"u"})");

  Job leased = claim_one("w");
  REQUIRE(leased.id == a);
  Job dead = queue.fail(lease(leased), "boom", true);  // the only attempt is spent
  CHECK(dead.status == JobStatus::dead);
  CHECK(status(b) == JobStatus::blocked);
  CHECK(status(c) == JobStatus::blocked);
  CHECK(status(unrelated) == JobStatus::ready);
  CHECK(transitions(b) == Transitions{">pending", "pending>blocked"});
  CHECK(transitions(c) == Transitions{">pending", "pending>blocked"});

  SECTION("a new job that depends on a dead one is blocked at once") {
    PushOutcome d = queue.push({PushItem{spec(Json{{"kind", "d"}, {"depends_on", {a}}}.dump()), 0}}, std::nullopt)[0];
    CHECK(d.status == JobStatus::blocked);
    PushOutcome e = queue.push({PushItem{spec(Json{{"kind", "e"}, {"depends_on", {c}}}.dump()), 0}}, std::nullopt)[0];
    CHECK(e.status == JobStatus::blocked);
  }
  SECTION("retrying the dead job unblocks the chain") {
    clock.advance(1'000);
    Job retried = queue.retry(a);
    CHECK(retried.status == JobStatus::ready);
    CHECK(retried.attempts == 0);
    CHECK_FALSE(retried.error.has_value());
    CHECK_FALSE(retried.finished_at.has_value());
    CHECK(status(b) == JobStatus::pending);
    CHECK(status(c) == JobStatus::pending);
    CHECK(transitions(a) == Transitions{">ready", "ready>leased", "leased>dead", "dead>ready"});
    CHECK(transitions(b) == Transitions{">pending", "pending>blocked", "blocked>pending"});
    CHECK(transitions(c) == Transitions{">pending", "pending>blocked", "blocked>pending"});

    // And the chain then runs to the end.
    auto jobs = claim("w", 10);
    REQUIRE(jobs.size() == 2);  // a and the unrelated job
    for (const auto& job : jobs)
      queue.ack(lease(job), Json::object());
    CHECK(status(b) == JobStatus::ready);
    queue.ack(lease(claim_one("w")), Json::object());
    CHECK(status(c) == JobStatus::ready);
    CHECK(claim_one("w").id == c);
  }
  SECTION("retry refuses jobs that are not dead or canceled") {
    CHECK(error_of([&] { queue.retry(unrelated); }).code() == ExitCode::conflict);
    CHECK(error_of([&] { queue.retry(b); }).code() == ExitCode::conflict);
    CHECK(error_of([&] { queue.retry("no-such-job"); }).code() == ExitCode::failed);
  }
}

TEST_CASE_METHOD(QueueFixture, "fail retries with exponential backoff, then the job is dead", "[queue]") {
  const std::string id = push(R"({"kind":"k","max_attempts":4})");
  const Millis expected_delays[] = {500, 1'000, 2'000};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    INFO("attempt " << attempt);
    Job leased = claim_one("w");
    CHECK(leased.attempts == attempt);
    const EpochMillis failed_at = clock.now();
    Job pending = queue.fail(lease(leased), "boom " + std::to_string(attempt), true);
    const Millis delay = expected_delays[attempt - 1];
    CHECK(pending.status == JobStatus::pending);
    CHECK(pending.run_at == failed_at + delay);
    CHECK(pending.error == std::optional<std::string>("boom " + std::to_string(attempt)));
    CHECK_FALSE(pending.lease_token.has_value());
    CHECK(pending.attempts == attempt);
    CHECK(queue.events_of(id).back().detail ==
          std::optional<std::string>("retry in " + sheratan::format_duration(delay) + ": boom " +
                                     std::to_string(attempt)));
    clock.advance(delay - 1);
    CHECK(claim("w").empty());
    clock.advance(1);
  }
  Job last = claim_one("w");
  CHECK(last.attempts == 4);
  Job dead = queue.fail(lease(last), "final", true);
  CHECK(dead.status == JobStatus::dead);
  CHECK(dead.error == std::optional<std::string>("final"));
  CHECK(dead.finished_at == std::optional<EpochMillis>(clock.now()));
  clock.advance(3'600'000);
  CHECK(claim("w").empty());
  CHECK(transitions(id) == Transitions{">ready", "ready>leased", "leased>pending", "pending>ready", "ready>leased",
                                       "leased>pending", "pending>ready", "ready>leased", "leased>pending",
                                       "pending>ready", "ready>leased", "leased>dead"});
}

TEST_CASE_METHOD(QueueFixture, "fail honours the job's backoff and its cap", "[queue]") {
  const std::string id = push(R"({"kind":"k","max_attempts":10,"backoff":"1s","backoff_max":"3s"})");
  const Millis expected[] = {1'000, 2'000, 3'000, 3'000};
  for (Millis delay : expected) {
    Job leased = claim_one("w");
    const EpochMillis failed_at = clock.now();
    CHECK(queue.fail(lease(leased), "e", true).run_at == failed_at + delay);
    clock.advance(delay);
  }
  CHECK(get(id).attempts == 4);
}

TEST_CASE_METHOD(QueueFixture, "fail without retry ends the job dead at once", "[queue]") {
  const std::string id = push(R"({"kind":"k"})");
  Job leased = claim_one("w");
  Job dead = queue.fail(lease(leased), "fatal", false);
  CHECK(dead.status == JobStatus::dead);
  CHECK(dead.attempts == 1);
  CHECK(dead.error == std::optional<std::string>("fatal"));
  CHECK(transitions(id) == Transitions{">ready", "ready>leased", "leased>dead"});
  clock.advance(3'600'000);
  CHECK(claim("w").empty());
}

TEST_CASE_METHOD(QueueFixture, "a wrong lease token changes nothing", "[queue]") {
  const std::string id = push(R"({"kind":"k"})");
  Job leased = claim_one("w");
  const auto events_before = event_count();
  const LeaseRef wrong{id, std::string(32, '0')};

  Error error = error_of([&] { queue.ack(wrong, Json::object()); });
  CHECK(error.code() == ExitCode::conflict);
  CHECK_THAT(error.what(), Catch::Matchers::Contains(id));
  CHECK(error_of([&] { queue.fail(wrong, "x", true); }).code() == ExitCode::conflict);
  CHECK(error_of([&] { queue.extend(wrong, 1'000); }).code() == ExitCode::conflict);
  CHECK(error_of([&] { queue.release(wrong); }).code() == ExitCode::conflict);

  Job after = get(id);
  CHECK(after.status == JobStatus::leased);
  CHECK(after.lease_token == leased.lease_token);
  CHECK(after.lease_until == leased.lease_until);
  CHECK(after.attempts == 1);
  CHECK_FALSE(after.result.has_value());
  CHECK(event_count() == events_before);

  SECTION("an unknown job is failed, not conflict") {
    CHECK(error_of([&] {
            queue.ack(LeaseRef{"no-such-job", *leased.lease_token}, Json::object());
          }).code() == ExitCode::failed);
  }
  SECTION("once the job is done, its token can only repeat the same ack") {
    clock.advance(10);
    const Job done = queue.ack(lease(leased), Json{{"n", 1}});
    const auto events_after_ack = event_count();
    clock.advance(10);
    // A repeated ack (its reply was lost) with the same result is a no-op.
    Job repeated = queue.ack(lease(leased), Json{{"n", 1}});
    CHECK(repeated.status == JobStatus::done);
    CHECK(repeated.finished_at == done.finished_at);
    CHECK(repeated.updated_at == done.updated_at);
    CHECK(event_count() == events_after_ack);
    // Another result, or any other lease operation, is a conflict.
    CHECK(error_of([&] { queue.ack(lease(leased), Json{{"n", 2}}); }).code() == ExitCode::conflict);
    CHECK(error_of([&] { queue.fail(lease(leased), "late", false); }).code() == ExitCode::conflict);
    CHECK(error_of([&] { queue.release(lease(leased)); }).code() == ExitCode::conflict);
    CHECK(error_of([&] { queue.extend(lease(leased), 1'000); }).code() == ExitCode::conflict);
    // A wrong token never passes for a repeat.
    CHECK(error_of([&] { queue.ack(wrong, Json{{"n", 1}}); }).code() == ExitCode::conflict);
    Job after_all = get(id);
    CHECK(after_all.status == JobStatus::done);
    CHECK(Json::parse(after_all.result.value_or("null")) == Json{{"n", 1}});
    CHECK(event_count() == events_after_ack);
  }
}

TEST_CASE_METHOD(QueueFixture, "ack after the lease ran out is a conflict and changes nothing", "[queue]") {
  const std::string id = push(R"({"kind":"k"})");
  Job leased = claim_one("w", 1'000);
  const auto events_before = event_count();
  clock.advance(1'000);  // lease_until is reached: the lease is over
  Error error = error_of([&] { queue.ack(lease(leased), Json{{"late", true}}); });
  CHECK(error.code() == ExitCode::conflict);
  CHECK_THAT(error.what(), Catch::Matchers::Contains("expired"));
  CHECK(error_of([&] { queue.extend(lease(leased), 60'000); }).code() == ExitCode::conflict);
  Job after = get(id);
  CHECK(after.status == JobStatus::leased);
  CHECK_FALSE(after.result.has_value());
  CHECK(after.lease_until == leased.lease_until);
  CHECK(event_count() == events_before);
}

TEST_CASE_METHOD(QueueFixture, "an expired lease is reaped by the next claim and leased again", "[queue]") {
  const std::string id = push(R"({"kind":"k"})");
  Job first = claim_one("w1", 1'000);
  clock.advance(999);
  CHECK(claim("w2").empty());  // not expired yet
  clock.advance(2);

  Job second = claim_one("w2", 1'000);
  CHECK(second.id == id);
  CHECK(second.worker == std::optional<std::string>("w2"));
  CHECK(second.attempts == 2);
  REQUIRE(second.lease_token.has_value());
  CHECK(second.lease_token != first.lease_token);
  CHECK(second.lease_until == std::optional<EpochMillis>(clock.now() + 1'000));
  CHECK(second.error == std::optional<std::string>("lease expired"));

  CHECK(transitions(id) == Transitions{">ready", "ready>leased", "leased>ready", "ready>leased"});
  auto events = queue.events_of(id);
  REQUIRE(events.size() == 4);
  CHECK(events[2].worker == std::optional<std::string>("w1"));
  CHECK(events[2].detail == std::optional<std::string>("lease expired"));
  CHECK(events[3].worker == std::optional<std::string>("w2"));

  // The stale worker can no longer touch the job.
  Error stale = error_of([&] { queue.ack(lease(first), Json::object()); });
  CHECK(stale.code() == ExitCode::conflict);
  CHECK_THAT(stale.what(), Catch::Matchers::Contains("does not match"));
  CHECK(error_of([&] { queue.fail(lease(first), "x", false); }).code() == ExitCode::conflict);
  CHECK(error_of([&] { queue.release(lease(first)); }).code() == ExitCode::conflict);
  CHECK(status(id) == JobStatus::leased);

  Job done = queue.ack(lease(second), Json::object());
  CHECK(done.status == JobStatus::done);
  CHECK(done.worker == std::optional<std::string>("w2"));
}

TEST_CASE_METHOD(QueueFixture, "a lease that runs out on the last attempt ends the job dead", "[queue]") {
  const std::string id = push(R"({"kind":"k","max_attempts":1})");
  const std::string dependent = push_after(R"({"kind":"d"})", {id});
  claim_one("w1", 1'000);
  clock.advance(1'000);
  CHECK(claim("w2").empty());
  Job dead = get(id);
  CHECK(dead.status == JobStatus::dead);
  CHECK(dead.error == std::optional<std::string>("lease expired after the last attempt"));
  CHECK(dead.finished_at == std::optional<EpochMillis>(clock.now()));
  CHECK(status(dependent) == JobStatus::blocked);
  CHECK(transitions(id) == Transitions{">ready", "ready>leased", "leased>dead"});
}

TEST_CASE_METHOD(QueueFixture, "reap returns expired leases and promotes due jobs", "[queue]") {
  const std::string a = push(R"({"kind":"k","max_attempts":1})");
  const std::string b = push(R"({"kind":"k"})");
  const std::string delayed = push(R"({"kind":"k","delay":"10s"})");
  claim("w", 2, 5'000);
  clock.advance(10'000);
  sheratan::ReapCounts counts = queue.reap();
  CHECK(counts.dead == 1);
  CHECK(counts.ready == 1);
  CHECK(status(a) == JobStatus::dead);
  CHECK(status(b) == JobStatus::ready);
  CHECK(status(delayed) == JobStatus::ready);
  sheratan::ReapCounts again = queue.reap();
  CHECK(again.dead == 0);
  CHECK(again.ready == 0);
}

TEST_CASE_METHOD(QueueFixture, "release gives the job back without spending an attempt", "[queue]") {
  const std::string id = push(R"({"kind":"k","max_attempts":1})");
  Job leased = claim_one("w1");
  CHECK(leased.attempts == 1);
  Job released = queue.release(lease(leased));
  CHECK(released.status == JobStatus::ready);
  CHECK(released.attempts == 0);
  CHECK_FALSE(released.lease_token.has_value());
  CHECK_FALSE(released.lease_until.has_value());
  CHECK(error_of([&] { queue.ack(lease(leased), Json::object()); }).code() == ExitCode::conflict);

  // With max_attempts 1 the job can still run: the release did not use up the attempt.
  Job again = claim_one("w2");
  CHECK(again.attempts == 1);
  CHECK(queue.ack(lease(again), Json::object()).status == JobStatus::done);
  CHECK(transitions(id) == Transitions{">ready", "ready>leased", "leased>ready", "ready>leased", "leased>done"});
  CHECK(queue.events_of(id)[2].detail == std::optional<std::string>("released"));
}

TEST_CASE_METHOD(QueueFixture, "extend moves lease_until and keeps the lease alive", "[queue]") {
  const std::string id = push(R"({"kind":"k"})");
  Job leased = claim_one("w", 10'000);
  CHECK(leased.lease_until == std::optional<EpochMillis>(kStart + 10'000));
  clock.advance(5'000);
  Job extended = queue.extend(lease(leased), 60'000);
  CHECK(extended.lease_until == std::optional<EpochMillis>(kStart + 65'000));
  CHECK(extended.lease_token == leased.lease_token);
  CHECK(extended.status == JobStatus::leased);
  CHECK(extended.attempts == 1);

  clock.advance(30'000);  // past the first deadline, within the extended one
  CHECK(claim("other").empty());
  CHECK(status(id) == JobStatus::leased);
  CHECK(queue.ack(lease(leased), Json::object()).status == JobStatus::done);
  // Extending is not a status change: no event for it.
  CHECK(transitions(id) == Transitions{">ready", "ready>leased", "leased>done"});
}

TEST_CASE_METHOD(QueueFixture, "cancel ends a job and blocks its dependents", "[queue]") {
  const std::string a = push(R"({"kind":"a"})");
  const std::string b = push_after(R"({"kind":"b"})", {a});
  const std::string c = push_after(R"({"kind":"c"})", {b});
  clock.advance(7);
  Job canceled = queue.cancel(a, "no longer needed");
  CHECK(canceled.status == JobStatus::canceled);
  CHECK(canceled.finished_at == std::optional<EpochMillis>(kStart + 7));
  CHECK(status(b) == JobStatus::blocked);
  CHECK(status(c) == JobStatus::blocked);
  CHECK(transitions(a) == Transitions{">ready", "ready>canceled"});
  CHECK(queue.events_of(a).back().detail == std::optional<std::string>("no longer needed"));
  CHECK(claim("w", 10).empty());

  SECTION("a finished job cannot be canceled") {
    CHECK(error_of([&] { queue.cancel(a, ""); }).code() == ExitCode::conflict);
    CHECK(error_of([&] { queue.cancel("no-such-job", ""); }).code() == ExitCode::failed);
  }
  SECTION("a blocked job can be canceled, and a canceled job retried") {
    CHECK(queue.cancel(c, "").status == JobStatus::canceled);
    CHECK_FALSE(queue.events_of(c).back().detail.has_value());
    Job retried = queue.retry(a);
    CHECK(retried.status == JobStatus::ready);
    CHECK(status(b) == JobStatus::pending);
    CHECK(status(c) == JobStatus::canceled);
  }
  SECTION("canceling a leased job voids its lease") {
    const std::string d = push(R"({"kind":"d"})");
    Job leased = claim_one("w");
    REQUIRE(leased.id == d);
    Job gone = queue.cancel(d, "");
    CHECK(gone.status == JobStatus::canceled);
    CHECK_FALSE(gone.lease_token.has_value());
    CHECK(error_of([&] { queue.ack(lease(leased), Json::object()); }).code() == ExitCode::conflict);
    CHECK(transitions(d) == Transitions{">ready", "ready>leased", "leased>canceled"});
  }
}

TEST_CASE_METHOD(QueueFixture, "purge removes old finished jobs and their events", "[queue]") {
  const std::string done = push(R"({"kind":"done"})");
  const std::string dead = push(R"({"kind":"dead"})");
  const std::string waiting = push(R"({"kind":"waiting","delay":"1d"})");
  const std::string ready = push(R"({"kind":"ready"})");
  auto jobs = claim("w", 2);
  REQUIRE(jobs.size() == 2);
  REQUIRE(jobs[0].id == done);
  REQUIRE(jobs[1].id == dead);
  queue.ack(lease(jobs[0]), Json::object());
  queue.fail(lease(jobs[1]), "x", false);
  const std::string dependent = push_after(R"({"kind":"after"})", {done});
  CHECK(status(dependent) == JobStatus::ready);

  clock.advance(30 * 60'000);
  const std::string recent = push(R"({"kind":"recent"})");
  queue.cancel(recent, "");

  clock.advance(31 * 60'000);  // done and dead finished 61 minutes ago, recent 31
  // done is kept while its dependent has not ended; dead goes.
  CHECK(queue.purge(3'600'000) == 1);
  CHECK_FALSE(queue.find(dead).has_value());
  CHECK(queue.events_of(dead).empty());
  CHECK(queue.find(done).has_value());
  CHECK(queue.purge(3'600'000) == 0);

  // Once the dependent has ended, its dependency can go too.
  auto after = claim("w", 1, 60'000, "default", {"after"});
  REQUIRE(after.size() == 1);
  queue.ack(lease(after[0]), Json::object());
  CHECK(queue.purge(3'600'000) == 1);
  CHECK_FALSE(queue.find(done).has_value());
  CHECK(queue.events_of(done).empty());
  CHECK(scalar("SELECT count(*) FROM job_deps") == 0);
  CHECK(scalar("SELECT count(*) FROM job_events e WHERE NOT EXISTS "
               "(SELECT 1 FROM jobs j WHERE j.seq = e.job_seq)") == 0);  // no orphaned events
  for (const auto& id : {waiting, ready, dependent, recent}) {
    INFO(id);
    CHECK(queue.find(id).has_value());
    CHECK_FALSE(queue.events_of(id).empty());
  }

  clock.advance(1);
  CHECK(queue.purge(0) == 2);  // the canceled one and the dependent, finished before now
  CHECK_FALSE(queue.find(recent).has_value());
  CHECK_FALSE(queue.find(dependent).has_value());
  CHECK(job_count() == 2);  // waiting and ready: unfinished jobs are never purged
  // waiting: ">pending", ready: ">ready", and the row that keeps the purged newest
  // event's id from being used again.
  CHECK(event_count() == 3);
  CHECK(scalar("SELECT count(*) FROM job_events WHERE job_seq = 0") == 1);
  const std::int64_t newest = scalar("SELECT max(seq) FROM job_events");
  push(R"({"kind":"later"})");
  CHECK(scalar("SELECT max(seq) FROM job_events") == newest + 1);
}

TEST_CASE_METHOD(QueueFixture, "max_depth refuses a push that would overfill the queue", "[queue]") {
  push_one(R"({"kind":"k"})", 3);
  push_one(R"({"kind":"k"})", 3);
  const auto events_before = event_count();

  std::vector<PushItem> batch = {{spec(R"({"kind":"k"})"), 4}, {spec(R"({"kind":"k"})"), 5}};
  Error error = error_of([&] { queue.push(batch, 3); });
  CHECK(error.code() == ExitCode::unavailable);
  CHECK_THAT(error.what(), Catch::Matchers::StartsWith("line 5: ") && Catch::Matchers::Contains("'default'") &&
                               Catch::Matchers::Contains("full"));
  CHECK(job_count() == 2);
  CHECK(event_count() == events_before);

  // Other queues have their own depth.
  push_one(R"({"kind":"k","queue":"other"})", 1);
  CHECK(error_of([&] { push_one(R"({"kind":"k","queue":"other"})", 1); }).code() == ExitCode::unavailable);

  // One more fits; finished jobs do not count.
  push_one(R"({"kind":"k"})", 3);
  CHECK(error_of([&] { push_one(R"({"kind":"k"})", 3); }).code() == ExitCode::unavailable);
  queue.ack(lease(claim_one("w")), Json::object());
  push_one(R"({"kind":"k"})", 3);
  CHECK(scalar("SELECT count(*) FROM jobs WHERE queue = 'default'") == 4);
  // Without max_depth there is no limit.
  push_one(R"({"kind":"k"})");
}

TEST_CASE_METHOD(QueueFixture, "stats counts jobs by queue and status", "[queue]") {
  const std::string r1 = push(R"({"kind":"k"})");
  clock.advance(1'000);
  push(R"({"kind":"k"})");
  push(R"({"kind":"k"})");
  push(R"({"kind":"k","queue":"io","delay":"1h"})");
  push(R"({"kind":"k","queue":"io"})");
  queue.ack(lease(claim_one("w")), Json::object());  // r1 done
  claim_one("w");                                    // one leased
  clock.advance(4'000);

  sheratan::QueueStats stats = queue.stats();
  auto count = [&](const std::string& queue_name, const std::string& status_name) {
    for (const auto& row : stats.counts)
      if (row.queue == queue_name && row.status == status_name) return row.count;
    return std::int64_t{0};
  };
  CHECK(count("default", "ready") == 1);
  CHECK(count("default", "leased") == 1);
  CHECK(count("default", "done") == 1);
  CHECK(count("io", "pending") == 1);
  CHECK(count("io", "ready") == 1);
  CHECK(count("default", "dead") == 0);
  CHECK(stats.counts.size() == 5);
  REQUIRE(stats.oldest_ready_age.size() == 2);
  for (const auto& [queue_name, age] : stats.oldest_ready_age) {
    INFO(queue_name);
    CHECK(age == 4'000);  // both ready jobs were pushed at kStart + 1000; it is now kStart + 5000
  }

  const Json out = stats.to_json();
  CHECK(out["total"]["ready"] == 2);
  CHECK(out["total"]["leased"] == 1);
  CHECK(out["total"]["done"] == 1);
  CHECK(out["total"]["pending"] == 1);
  CHECK(out["total"]["dead"] == 0);
  CHECK(out["dead"] == 0);
  CHECK(out["queues"]["io"]["pending"] == 1);
  CHECK(out["queues"]["default"]["canceled"] == 0);
  CHECK(out["oldest_ready_age_ms"] == 4'000);
  (void)r1;
}

TEST_CASE_METHOD(QueueFixture, "stats of an empty store", "[queue]") {
  sheratan::QueueStats stats = queue.stats();
  CHECK(stats.counts.empty());
  CHECK(stats.oldest_ready_age.empty());
  const Json out = stats.to_json();
  CHECK(out["oldest_ready_age_ms"].is_null());
  CHECK(out["total"]["ready"] == 0);
  CHECK(out["queues"] == Json::object());
}

TEST_CASE_METHOD(QueueFixture, "list filters by status, queue, kind, label, chain and limit", "[queue]") {
  const std::string a = push(R"({"kind":"build","labels":{"chain":"c1","team":"ops"}})");
  const std::string b = push(R"({"kind":"test","labels":{"chain":"c1","team":"dev"}})");
  const std::string c = push(R"({"kind":"build","queue":"io","labels":{"chain":"c2","team":"ops"}})");
  const std::string d = push(R"({"kind":"deploy","labels":{"team":"ops","a.b":"dotted"}})");
  queue.ack(lease(claim_one("w")), Json::object());  // a done

  using Ids = std::vector<std::string>;
  sheratan::ListFilter all;
  CHECK(list_ids(all) == Ids{a, b, c, d});

  sheratan::ListFilter by_status;
  by_status.status = JobStatus::ready;
  CHECK(list_ids(by_status) == Ids{b, c, d});
  by_status.status = JobStatus::done;
  CHECK(list_ids(by_status) == Ids{a});

  sheratan::ListFilter by_queue;
  by_queue.queue = "io";
  CHECK(list_ids(by_queue) == Ids{c});

  sheratan::ListFilter by_kind;
  by_kind.kind = "build";
  CHECK(list_ids(by_kind) == Ids{a, c});

  sheratan::ListFilter by_label;
  by_label.labels = {{"team", "ops"}};
  CHECK(list_ids(by_label) == Ids{a, c, d});
  by_label.labels = {{"team", "ops"}, {"chain", "c1"}};
  CHECK(list_ids(by_label) == Ids{a});
  by_label.labels = {{"a.b", "dotted"}};
  CHECK(list_ids(by_label) == Ids{d});
  by_label.labels = {{"team", "nobody"}};
  CHECK(list_ids(by_label).empty());

  sheratan::ListFilter by_chain;
  by_chain.chain = "c1";
  CHECK(list_ids(by_chain) == Ids{a, b});

  sheratan::ListFilter limited;
  limited.limit = 2;
  CHECK(list_ids(limited) == Ids{a, b});

  sheratan::ListFilter combined;
  combined.status = JobStatus::ready;
  combined.kind = "build";
  combined.queue = "io";
  combined.chain = "c2";
  combined.labels = {{"team", "ops"}};
  combined.limit = 10;
  CHECK(list_ids(combined) == Ids{c});
}

TEST_CASE_METHOD(QueueFixture, "events are recorded for every transition and can be followed", "[queue]") {
  const auto start_seq = queue.last_event_seq();
  CHECK(start_seq == 0);
  const std::string a = push(R"({"kind":"k","delay":"1s","max_attempts":3})");
  clock.advance(1'000);
  Job first = claim_one("w1", 1'000);
  clock.advance(1'000);
  Job second = claim_one("w2");  // reaps w1's lease
  queue.fail(lease(second), "flaky", true);
  clock.advance(1'000);
  Job third = claim_one("w3");
  queue.ack(lease(third), Json{{"n", 3}});
  (void)first;

  CHECK(transitions(a) == Transitions{">pending", "pending>ready", "ready>leased", "leased>ready", "ready>leased",
                                      "leased>pending", "pending>ready", "ready>leased", "leased>done"});
  auto events = queue.events_of(a);
  REQUIRE(events.size() == 9);
  int unordered = 0, other_job = 0;
  for (std::size_t i = 1; i < events.size(); ++i) {
    if (!(events[i - 1].id < events[i].id) || events[i - 1].ts > events[i].ts) ++unordered;
    if (events[i].job_id != a) ++other_job;
  }
  CHECK(unordered == 0);
  CHECK(other_job == 0);
  CHECK(events[3].worker == std::optional<std::string>("w1"));  // the reaped lease names its holder
  CHECK(events[3].detail == std::optional<std::string>("lease expired"));
  CHECK(events[5].detail == std::optional<std::string>("retry in 1s: flaky"));  // second failure: 500ms doubled
  CHECK(events[8].worker == std::optional<std::string>("w3"));
  CHECK(queue.last_event_seq() == events.back().id);

  auto after = queue.events_after(events[3].id, 2);
  REQUIRE(after.size() == 2);
  CHECK(after[0].id == events[4].id);
  CHECK(after[1].id == events[5].id);
  CHECK(queue.events_after(events.back().id, 10).empty());

  SECTION("events of other jobs interleave in the store-wide order") {
    const std::string b = push(R"({"kind":"other"})");
    auto tail = queue.events_after(events.back().id, 10);
    REQUIRE(tail.size() == 1);
    CHECK(tail[0].job_id == b);
    CHECK(tail[0].to == "ready");
    CHECK_FALSE(tail[0].from.has_value());
  }
}

TEST_CASE("backoff_delay doubles per failed attempt up to the cap", "[queue]") {
  CHECK(JobQueue::backoff_delay(500, 300'000, 1) == 500);
  CHECK(JobQueue::backoff_delay(500, 300'000, 2) == 1'000);
  CHECK(JobQueue::backoff_delay(500, 300'000, 3) == 2'000);
  CHECK(JobQueue::backoff_delay(500, 300'000, 4) == 4'000);
  CHECK(JobQueue::backoff_delay(500, 300'000, 10) == 256'000);
  CHECK(JobQueue::backoff_delay(500, 300'000, 11) == 300'000);  // 512,000 capped
  CHECK(JobQueue::backoff_delay(500, 300'000, 1'000) == 300'000);
  CHECK(JobQueue::backoff_delay(1'000, 3'000, 3) == 3'000);  // 4,000 capped
  CHECK(JobQueue::backoff_delay(1'000, 1'000, 5) == 1'000);
  CHECK(JobQueue::backoff_delay(500, 300'000, 0) == 500);
  CHECK(JobQueue::backoff_delay(0, 300'000, 5) == 0);
  // The largest cap a job spec can carry (100 years) is reached without overflow.
  constexpr Millis kHundredYears = 100LL * 365 * 24 * 3600 * 1000;
  CHECK(JobQueue::backoff_delay(1, kHundredYears, 1'000) == kHundredYears);
  CHECK(JobQueue::backoff_delay(1, kHundredYears, 42) == Millis{1} << 41);
}

TEST_CASE("backoff_delay stays capped when the cap is beyond doubling range", "[queue][bug]") {
  // backoff * 2^(n-1) overflows int64 before it reaches a cap of INT64_MAX: the result
  // must be the cap, not a wrapped value (this is signed overflow: UBSan aborts here).
  CHECK(JobQueue::backoff_delay(1, std::numeric_limits<Millis>::max(), 1'000) == std::numeric_limits<Millis>::max());
}

TEST_CASE_METHOD(QueueFixture, "a dependency listed twice is waited for once", "[queue][bug]") {
  // depends_on ["A","A"] counts two waits but stores one dependency row, so acking A
  // only counts down once and the job never becomes ready.
  const std::string a = push(R"({"kind":"a"})");
  const std::string b = push_after(R"({"kind":"b"})", {a, a});
  queue.ack(lease(claim_one("w")), Json::object());
  CHECK(status(b) == JobStatus::ready);
  CHECK(get(b).waiting_deps == 0);
}

TEST_CASE_METHOD(QueueFixture, "claim makes every due job ready first: a due critical job beats 1,001 low ones",
                 "[queue]") {
  for (int i = 0; i < 1001; ++i)
    push(R"({"kind":"low","priority":"low","delay":"1m"})");
  clock.advance(1);
  const std::string critical = push(R"({"kind":"urgent","priority":"critical","delay":"1m"})");
  clock.advance(2 * 60'000);
  auto jobs = claim("w", 1);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].id == critical);
  CHECK(scalar("SELECT count(*) FROM jobs WHERE status = 'ready'") == 1001);
}
