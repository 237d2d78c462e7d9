// Unit tests for common/state/state_machine, health_facts and reflection on a real
// store in a temporary folder.
#include "state/state_machine.hpp"

#include <catch2/catch.hpp>

#include "probe/registry.hpp"
#include "queue/queue.hpp"
#include "state/health_facts.hpp"
#include "state/reflection.hpp"
#include "support/test_support.hpp"

using namespace sheratan;
using sheratan::testing::error_of;
using sheratan::testing::FakeClock;
using sheratan::testing::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store = Store::open(StoreOptions{dir.file("s.db")});
  FakeClock clock{1'800'000'000'000};
  StateMachine machine{*store, clock};

  StateEvent go(SystemState to, const std::string& reason = "test") {
    return machine.transition({to, reason, "tester", Json::object(), std::nullopt});
  }
};

}  // namespace

TEST_CASE("a new store is OPERATIONAL with a first event 'store created'") {
  Fixture f;
  StateEvent first = f.machine.latest();
  CHECK(first.next == SystemState::operational);
  CHECK_FALSE(first.prev);
  CHECK(first.reason == "store created");
  CHECK(f.machine.history(std::nullopt, 0).size() == 1);
  CHECK_FALSE(system_paused(*f.store));
}

TEST_CASE("a transition is recorded with its reason, actor and meta") {
  Fixture f;
  f.clock.advance(1000);
  StateEvent event =
      f.machine.transition({SystemState::paused, "maintenance", "ops", Json{{"ticket", 42}}, std::nullopt});
  CHECK(event.prev == SystemState::operational);
  CHECK(event.next == SystemState::paused);
  CHECK(event.ts == f.clock.now());
  CHECK(event.meta == Json{{"ticket", 42}});
  CHECK(f.machine.current() == SystemState::paused);
  CHECK(f.machine.since() == f.clock.now());
  CHECK(system_paused(*f.store));
}

TEST_CASE("a forbidden pair is a conflict naming the allowed targets and records nothing") {
  Fixture f;
  f.go(SystemState::recovery);
  auto error = error_of([&] { f.go(SystemState::reflective); });
  CHECK(error.code() == ExitCode::conflict);
  CHECK(std::string(error.what()) == "cannot go from RECOVERY to REFLECTIVE (allowed: OPERATIONAL, DEGRADED, PAUSED)");
  CHECK(f.machine.history(std::nullopt, 0).size() == 2);
}

TEST_CASE("PAUSED may go to DEGRADED (the original's boot transition)") {
  Fixture f;
  f.go(SystemState::paused);
  CHECK(f.go(SystemState::degraded).next == SystemState::degraded);
}

TEST_CASE("the same state is a recorded no-op that keeps 'since'") {
  Fixture f;
  f.clock.advance(5000);
  f.go(SystemState::degraded);
  const EpochMillis since = f.machine.since();
  f.clock.advance(5000);
  StateEvent again = f.go(SystemState::degraded, "still bad");
  CHECK(again.noop());
  CHECK(f.machine.history(std::nullopt, 0).size() == 3);
  CHECK(f.machine.since() == since);
}

TEST_CASE("an empty or blank reason is a usage error; meta must be an object") {
  Fixture f;
  CHECK(error_of([&] { f.go(SystemState::paused, ""); }).code() == ExitCode::usage);
  CHECK(error_of([&] { f.go(SystemState::paused, "  \t"); }).code() == ExitCode::usage);
  CHECK(error_of([&] {
          f.machine.transition({SystemState::paused, "x", "t", Json::array(), std::nullopt});
        }).code() == ExitCode::bad_input);
  CHECK(f.machine.current() == SystemState::operational);
}

TEST_CASE("expect_from refuses a transition when the state changed meanwhile") {
  Fixture f;
  f.go(SystemState::paused);
  auto error = error_of([&] {
    f.machine.transition({SystemState::operational, "x", "t", Json::object(), SystemState::reflective});
  });
  CHECK(error.code() == ExitCode::conflict);
  CHECK(f.machine.current() == SystemState::paused);
}

TEST_CASE("history: the last N, and those since a time, oldest first") {
  Fixture f;
  for (int i = 0; i < 4; ++i) {
    f.clock.advance(1000);
    f.go(i % 2 ? SystemState::operational : SystemState::degraded);
  }
  auto last_two = f.machine.history(2, 0);
  REQUIRE(last_two.size() == 2);
  CHECK(last_two[0].id < last_two[1].id);
  CHECK(last_two[1].next == SystemState::operational);
  CHECK(f.machine.history(std::nullopt, f.clock.now() - 1500).size() == 2);
  CHECK(f.machine.events_after(last_two[0].id, 10).size() == 1);
}

TEST_CASE("judge: critical host down, dead jobs and old ready jobs degrade; else operational") {
  HealthLimits limits;
  HealthFacts facts;
  CHECK(judge(facts, limits).state == SystemState::operational);
  CHECK(judge(facts, limits).reason() == "all healthy");
  facts.critical_down = {"gpu1"};
  CHECK(judge(facts, limits).state == SystemState::degraded);
  CHECK(judge(facts, limits).reason() == "critical host 'gpu1' down");
  facts = {};
  facts.dead_jobs = 1;
  CHECK(judge(facts, limits).state == SystemState::degraded);
  limits.max_dead_jobs = 1;
  CHECK(judge(facts, limits).state == SystemState::operational);
  facts.oldest_ready_age_ms = limits.max_ready_age_ms + 1;
  CHECK(judge(facts, limits).findings.size() == 1);
  facts.oldest_ready_age_ms = limits.max_ready_age_ms;
  CHECK(judge(facts, limits).state == SystemState::operational);
}

TEST_CASE("facts come from the store: hosts, dead jobs in the window, ready age") {
  Fixture f;
  HostRegistry hosts(*f.store, f.clock);
  HostSpec spec;
  spec.name = "a";
  spec.url = "http://127.0.0.1:1";
  spec.critical = true;
  hosts.add(spec);
  DampingRules rules;
  for (int i = 0; i < 3; ++i)
    hosts.record({{"a", f.clock.now(), false, std::nullopt, 1, "refused"}}, rules, 10);
  JobQueue queue(*f.store, f.clock);
  JobSpec job = parse_job_spec(Json{{"kind", "x"}}, JobDefaults{}, f.clock.now());
  queue.push({{job, 0}}, std::nullopt, f.clock.now());
  f.clock.advance(400'000);
  HealthFacts facts = gather_health_facts(*f.store, f.clock.now(), HealthLimits{});
  CHECK(facts.critical_down == std::vector<std::string>{"a"});
  CHECK(facts.hosts_down == 1);
  CHECK(facts.oldest_ready_age_ms == 400'000);
  CHECK(facts.dead_jobs == 0);
  CHECK(judge(facts, HealthLimits{}).findings.size() == 2);
}

TEST_CASE("reflect: REFLECTIVE, then the score's state, with the findings as meta") {
  Fixture f;
  Reflection healthy = reflect(f.machine, *f.store, f.clock, HealthLimits{}, "tester");
  CHECK(healthy.entered.next == SystemState::reflective);
  CHECK(healthy.left.prev == SystemState::reflective);
  CHECK(healthy.left.next == SystemState::operational);
  CHECK(healthy.diagnosis.score == Approx(1.0));
  CHECK(healthy.left.meta["checks"].size() == 4);
  CHECK(healthy.left.meta["checks"][1]["skipped"] == true);  // no ledger: nothing to verify

  HostRegistry hosts(*f.store, f.clock);
  HostSpec spec;
  spec.name = "db";
  spec.url = "http://127.0.0.1:1";
  spec.critical = true;
  hosts.add(spec);
  for (int i = 0; i < 3; ++i)
    hosts.record({{"db", f.clock.now(), false, std::nullopt, 1, "refused"}}, DampingRules{}, 10);
  Reflection degraded = reflect(f.machine, *f.store, f.clock, HealthLimits{}, "tester");
  CHECK(degraded.diagnosis.score == Approx(0.75));  // (0.4 + 0.2 + 0) / 0.8, the ledger skipped
  CHECK(degraded.left.next == SystemState::degraded);
}

TEST_CASE("reflect from RECOVERY is a forbidden transition") {
  Fixture f;
  f.go(SystemState::recovery);
  CHECK(error_of([&] { reflect(f.machine, *f.store, f.clock, HealthLimits{}, "t"); }).code() == ExitCode::conflict);
}

TEST_CASE("the score's thresholds: above 0.9, above 0.7, else RECOVERY") {
  CHECK(state_for_score(0.95) == SystemState::operational);
  CHECK(state_for_score(0.9) == SystemState::degraded);
  CHECK(state_for_score(0.71) == SystemState::degraded);
  CHECK(state_for_score(0.7) == SystemState::recovery);
  Diagnosis broken;
  broken.checks = {{"integrity", 0.4, 0.0, "bad"},
                   {"ledger", 0.2, std::nullopt, "skipped"},
                   {"queue", 0.2, 1.0, ""},
                   {"probes", 0.2, 1.0, ""}};
  score_diagnosis(broken);
  CHECK(broken.score == Approx(0.5));
  CHECK(broken.verdict == SystemState::recovery);
}
