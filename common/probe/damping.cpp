#include "probe/damping.hpp"

namespace sheratan {

namespace {

double ema(double previous, double sample) {
  return (1 - kEmaAlpha) * previous + kEmaAlpha * sample;
}

HostStatus after_failure(const HostStats& stats, const DampingRules& rules) {
  if (stats.status == HostStatus::down || stats.consecutive_failures >= rules.down_after) return HostStatus::down;
  return HostStatus::degraded;
}

HostStatus after_success(const HostStats& before, const HostStats& stats, const DampingRules& rules) {
  HostStatus status = before.status;
  if (status == HostStatus::unknown || status == HostStatus::up)
    status = HostStatus::up;
  else if (stats.consecutive_successes >= rules.up_after)
    status = HostStatus::up;
  else
    status = HostStatus::degraded;
  if (status == HostStatus::up && stats.latency_ms_ema > static_cast<double>(rules.slow_ms))
    status = HostStatus::degraded;
  return status;
}

}  // namespace

Json ProbeResult::to_json() const {
  return Json{{"host", host},
              {"ts", format_rfc3339(ts)},
              {"ok", ok},
              {"http_status", http_status ? Json(*http_status) : Json(nullptr)},
              {"latency_ms", latency_ms},
              {"error", error ? Json(*error) : Json(nullptr)}};
}

HostStats apply_probe_result(const HostStats& before, const ProbeResult& result, const DampingRules& rules) {
  HostStats stats = before;
  ++stats.samples;
  stats.last_probe = result.ts;
  stats.success_ema = ema(stats.success_ema, result.ok ? 1.0 : 0.0);
  if (result.ok) {
    stats.consecutive_failures = 0;
    ++stats.consecutive_successes;
    stats.latency_ms_ema = ema(stats.latency_ms_ema, static_cast<double>(result.latency_ms));
    stats.last_seen = result.ts;
    stats.last_error.reset();
    stats.status = after_success(before, stats, rules);
  } else {
    stats.consecutive_successes = 0;
    ++stats.consecutive_failures;
    stats.last_error = result.error;
    stats.status = after_failure(stats, rules);
    if (stats.status == HostStatus::down && before.status != HostStatus::down)
      stats.cooldown_until = result.ts + rules.cooldown_ms;
  }
  if (stats.status != before.status) stats.status_since = result.ts;
  return stats;
}

}  // namespace sheratan
