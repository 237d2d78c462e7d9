// Unit tests for common/probe/damping: the damped status, EMAs and cooldown.
#include "probe/damping.hpp"

#include <catch2/catch.hpp>

using namespace sheratan;

namespace {

ProbeResult ok(EpochMillis ts, std::int64_t latency = 10) {
  return {"h", ts, true, 200, latency, std::nullopt};
}
ProbeResult bad(EpochMillis ts) {
  return {"h", ts, false, 500, 3, "HTTP status 500 (expected 200-299)"};
}

/// Applies a sequence ("+" success, "-" failure) and returns the statuses after each.
std::string statuses(const std::string& sequence, HostStats stats = {}, DampingRules rules = {}) {
  std::string out;
  EpochMillis ts = 1000;
  for (char c : sequence) {
    stats = apply_probe_result(stats, c == '+' ? ok(ts) : bad(ts), rules);
    ts += 1000;
    if (!out.empty()) out += ' ';
    out += to_string(stats.status);
  }
  return out;
}

}  // namespace

TEST_CASE("an unknown host is up after its first success, degraded after a failure") {
  CHECK(statuses("+") == "up");
  CHECK(statuses("-") == "degraded");
}

TEST_CASE("three failures in a row make a host down; two successes bring it back up") {
  CHECK(statuses("+---") == "up degraded degraded down");
  CHECK(statuses("+---++") == "up degraded degraded down degraded up");
  CHECK(statuses("+-+") == "up degraded degraded");
  CHECK(statuses("+-++") == "up degraded degraded up");
}

TEST_CASE("a flapping host neither comes up nor goes down") {
  CHECK(statuses("---+-+-+-+") ==
        "degraded degraded down degraded degraded degraded degraded degraded degraded "
        "degraded");
  CHECK(statuses("+-+-+-+-") == "up degraded degraded degraded degraded degraded degraded degraded");
}

TEST_CASE("the thresholds follow the rules") {
  DampingRules rules;
  rules.down_after = 1;
  rules.up_after = 3;
  CHECK(statuses("-+++", {}, rules) == "down degraded degraded up");
}

TEST_CASE("EMAs with alpha 0.2 from the original's start values; latency from successes only") {
  HostStats stats;
  stats = apply_probe_result(stats, ok(1000, 250), {});
  CHECK(stats.success_ema == Approx(0.88));
  CHECK(stats.latency_ms_ema == Approx(650));
  stats = apply_probe_result(stats, bad(2000), {});
  CHECK(stats.success_ema == Approx(0.704));
  CHECK(stats.latency_ms_ema == Approx(650));
  CHECK(stats.samples == 2);
  CHECK(stats.last_seen == 1000);
  CHECK(stats.last_probe == 2000);
  CHECK(stats.last_error == "HTTP status 500 (expected 200-299)");
}

TEST_CASE("going down starts the cooldown once; status_since marks each change") {
  DampingRules rules;
  HostStats stats;
  for (EpochMillis ts : {1000, 2000, 3000})
    stats = apply_probe_result(stats, bad(ts), rules);
  CHECK(stats.status == HostStatus::down);
  CHECK(stats.cooldown_until == 3000 + rules.cooldown_ms);
  CHECK(stats.status_since == 3000);
  stats = apply_probe_result(stats, bad(4000), rules);
  CHECK(stats.cooldown_until == 3000 + rules.cooldown_ms);
  CHECK(stats.status_since == 3000);
}

TEST_CASE("an up host whose latency EMA passes the slow limit is degraded") {
  DampingRules rules;
  rules.slow_ms = 800;
  HostStats stats;
  stats = apply_probe_result(stats, ok(1000, 700), rules);  // EMA 740
  CHECK(stats.status == HostStatus::up);
  stats = apply_probe_result(stats, ok(2000, 2000), rules);  // EMA 992
  CHECK(stats.status == HostStatus::degraded);
}
