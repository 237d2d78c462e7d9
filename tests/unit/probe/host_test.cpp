// Unit tests for common/probe/host (input checks), registry (store) and selection.
#include "probe/host.hpp"

#include <catch2/catch.hpp>

#include "probe/registry.hpp"
#include "probe/selection.hpp"
#include "support/test_support.hpp"

using namespace sheratan;
using sheratan::testing::error_of;
using sheratan::testing::FakeClock;
using sheratan::testing::TempDir;

TEST_CASE("capabilities are KIND=COST with money; bad ones name themselves") {
  Capability capability = parse_capability("llm_call=100");
  CHECK(capability.kind == "llm_call");
  CHECK(capability.cost == 100 * kMoneyScale);
  CHECK(parse_capability("read_file=0.5").cost == 5000);
  for (const char* text : {"llm_call", "=5", "x=", "x=1.23456", "x=-1", "x=abc"}) {
    auto error = error_of([&] { parse_capability(text); });
    CHECK(error.code() == ExitCode::bad_input);
    CHECK(std::string(error.what()).find(std::string("'") + text + "'") != std::string::npos);
  }
}

TEST_CASE("status ranges, names, URLs and paths are checked") {
  CHECK(parse_status_range("200-299") == std::pair{200, 299});
  CHECK(parse_status_range("204") == std::pair{204, 204});
  for (const char* text : {"", "2xx", "300-200", "99", "200-600", "200-"})
    CHECK(error_of([&] { parse_status_range(text); }).code() == ExitCode::bad_input);
  check_host_name("gpu-1.eu:a_b");
  CHECK(error_of([] { check_host_name("a b"); }).code() == ExitCode::bad_input);
  CHECK(error_of([] { check_host_name(""); }).code() == ExitCode::bad_input);
  check_host_url("http://127.0.0.1:8080");
  check_host_url("https://example.org/base");
  for (const char* url : {"ftp://x", "http://", "127.0.0.1", "http://x/a?b=1"})
    CHECK(error_of([&] { check_host_url(url); }).code() == ExitCode::bad_input);
  CHECK(error_of([] { check_health_path("health"); }).code() == ExitCode::bad_input);
  HostSpec spec;
  spec.url = "http://h:1/";
  CHECK(spec.probe_url() == "http://h:1/health");
}

TEST_CASE("the registry adds, replaces (keeping stats), lists, records with retention and removes") {
  TempDir dir;
  auto store = Store::open(StoreOptions{dir.file("s.db")});
  FakeClock clock(1'800'000'000'000);
  HostRegistry registry(*store, clock);
  HostSpec spec{"b", "http://127.0.0.1:9", "/health", 200, 299, false, {{"llm_call", 10}, {"read_file", 1}}};
  registry.add(spec);
  HostSpec other;
  other.name = "a";
  other.url = "http://127.0.0.1:8";
  other.path = "/up";
  registry.add(other);
  for (int i = 0; i < 5; ++i) {
    clock.advance(1000);
    registry.record({{"b", clock.now(), true, 200, 5, std::nullopt}, {"gone", clock.now(), true, 200, 5, std::nullopt}},
                    DampingRules{}, 3);
  }
  auto results = registry.results("b", 100);
  REQUIRE(results.size() == 3);
  CHECK(results.front().ts == clock.now());
  spec.critical = true;
  spec.capabilities = {{"llm_call", 20}};
  Host replaced = registry.add(spec);
  CHECK(replaced.spec.critical);
  CHECK(replaced.stats.samples == 5);
  CHECK(replaced.spec.capabilities.size() == 1);
  auto hosts = registry.list();
  REQUIRE(hosts.size() == 2);
  CHECK(hosts[0].spec.name == "a");
  CHECK(error_of([&] {
          registry.add(HostSpec{"c", "http://h", "/x", 200, 299, false, {{"k", 1}, {"k", 2}}});
        }).code() == ExitCode::bad_input);
  CHECK(registry.remove("b"));
  CHECK_FALSE(registry.remove("b"));
  CHECK(registry.results("b", 100).empty());
}

TEST_CASE("best: the original's eligibility rules and score order") {
  const EpochMillis now = 1'800'000'000'000;
  auto offer = [&](const char* name, MoneyUnits cost, double success, double latency) {
    HostRegistry::Offer o;
    o.host.spec.name = name;
    o.cost = cost;
    o.host.stats.status = HostStatus::up;
    o.host.stats.success_ema = success;
    o.host.stats.latency_ms_ema = latency;
    o.host.stats.samples = 10;
    o.host.stats.last_seen = now - 1000;
    return o;
  };
  std::vector<HostRegistry::Offer> offers = {offer("cheap", 100, 0.9, 300), offer("dear", 200, 1.0, 0),
                                             offer("flaky", 100, 0.5, 100), offer("busy", 100, 1.0, 100),
                                             offer("stale", 100, 1.0, 100), offer("cool", 100, 1.0, 100)};
  offers[3].active_jobs = 3;
  offers[4].host.stats.last_seen = now - 121'000;
  offers[5].host.stats.cooldown_until = now + 1;
  auto ranked = rank_candidates(offers, now);
  REQUIRE(ranked.size() == 6);
  CHECK(ranked[0].offer.host.spec.name == "cheap");
  CHECK(ranked[0].score == Approx(0.45 * 1 + 0.40 * 0.9 + 0.15 * 0.8));
  CHECK(ranked[1].offer.host.spec.name == "dear");
  CHECK(ranked[1].score == Approx(0.45 * 0.5 + 0.40 + 0.15));
  for (std::size_t i = 2; i < ranked.size(); ++i)
    CHECK_FALSE(ranked[i].eligible());
  auto why = [&](const char* name) {
    for (const auto& c : ranked)
      if (c.offer.host.spec.name == name) return c.excluded_because.front();
    return std::string();
  };
  CHECK(why("flaky").starts_with("unreliable"));
  CHECK(why("busy") == "3 jobs in flight");
  CHECK(why("stale") == "not seen for 121s");
  CHECK(why("cool").starts_with("cooling down"));
}
