#pragma once
// The facts in the store that the system state follows (critical hosts down, dead
// jobs, the age of the oldest ready job), the limits they are judged against, and the
// verdict of `sheratan-state eval`: DEGRADED when a fact passes its limit, else
// OPERATIONAL.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/config.hpp"
#include "cli/duration.hpp"
#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"
#include "state/system_state.hpp"
#include "store/store.hpp"

namespace sheratan {

struct HealthLimits {
  std::int64_t max_dead_jobs = 0;     // dead jobs within dead_window that are tolerated
  Millis dead_window_ms = 3'600'000;  // how far back dead jobs count
  Millis max_ready_age_ms = 300'000;  // how long a ready job may wait for a worker

  /// From the config keys state.max_dead_jobs, state.dead_window, state.max_ready_age;
  /// throws Error(bad_input) naming the key for a bad value.
  static HealthLimits from_config(const Config& config);
  Json to_json() const;
};

struct HealthFacts {
  std::vector<std::string> critical_down;  // names of critical hosts that are down
  std::int64_t hosts = 0, hosts_up = 0, hosts_degraded = 0, hosts_down = 0;
  std::int64_t dead_jobs = 0;                 // within the dead window
  std::optional<Millis> oldest_ready_age_ms;  // none when nothing is ready

  Json to_json() const;
};

/// Reads the facts in one snapshot.
HealthFacts gather_health_facts(Store& store, EpochMillis now, const HealthLimits& limits);

struct Verdict {
  SystemState state = SystemState::operational;
  std::vector<std::string> findings;  // one sentence per fact past its limit
  /// "critical host 'a' down; 3 dead jobs in the last 1h (limit 0)", or "all healthy".
  std::string reason() const;
};

Verdict judge(const HealthFacts& facts, const HealthLimits& limits);

}  // namespace sheratan
