#pragma once
// Picking a host for a kind of job, by the original's rules (ORIGIN.md).
// Eligible: not down, seen within 120 s, not cooling down, not unreliable (after 5
// samples, success_ema at least 0.60) and fewer than 3 jobs in flight.
// Score = 0.45·(min_cost/cost) + 0.40·success_ema + 0.15·(1 − latency_ms_ema/1500),
// each part clamped to [0, 1]; min_cost is the least cost among the eligible hosts.

#include <string>
#include <vector>

#include "probe/registry.hpp"

namespace sheratan {

struct SelectionRules {
  Millis seen_within_ms = 120'000;
  std::int64_t reliability_samples = 5;
  double min_success_ema = 0.60;
  std::int64_t max_active_jobs = 3;
  double latency_scale_ms = 1500;
};

struct Candidate {
  HostRegistry::Offer offer;
  std::vector<std::string> excluded_because;  // empty: eligible
  double cost_part = 0, success_part = 0, latency_part = 0, score = 0;
  bool eligible() const { return excluded_because.empty(); }
  Json to_json() const;
};

/// Every offer judged and scored; eligible ones first, best first (ties by name).
std::vector<Candidate> rank_candidates(const std::vector<HostRegistry::Offer>& offers, EpochMillis now,
                                       const SelectionRules& rules = {});

}  // namespace sheratan
