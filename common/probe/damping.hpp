#pragma once
// What one probe result does to a host's status and statistics. Pure: no store, no
// clock; the registry applies it inside the transaction that records the result.
//
// Status rules (damped, so that a flapping host does not flap its status):
// - a failure makes an up or unknown host degraded; down_after failures in a row make
//   it down and start a cooldown;
// - a success makes an unknown host up; a degraded or down host is up again only after
//   up_after successes in a row (a down host is degraded meanwhile);
// - an up host whose latency EMA is above slow_ms is degraded.
// The EMAs use α = 0.2; the latency EMA follows successful probes only (a refused
// connection's few microseconds say nothing about the host's speed).

#include <cstdint>
#include <optional>
#include <string>

#include "cli/duration.hpp"
#include "probe/host.hpp"

namespace sheratan {

inline constexpr double kEmaAlpha = 0.2;

struct DampingRules {
  std::int64_t down_after = 3;
  std::int64_t up_after = 2;
  Millis cooldown_ms = 300'000;
  Millis slow_ms = 1'500;
};

struct ProbeResult {
  std::string host;
  EpochMillis ts = 0;
  bool ok = false;
  std::optional<long> http_status;
  std::int64_t latency_ms = 0;
  std::optional<std::string> error;
  Json to_json() const;
};

HostStats apply_probe_result(const HostStats& before, const ProbeResult& result, const DampingRules& rules);

}  // namespace sheratan
