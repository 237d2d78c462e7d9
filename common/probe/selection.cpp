#include "probe/selection.hpp"

#include <algorithm>
#include <cmath>

namespace sheratan {

namespace {

double clamp01(double value) {
  return std::clamp(value, 0.0, 1.0);
}

double rounded(double value) {
  return std::round(value * 10000.0) / 10000.0;
}

std::vector<std::string> exclusions(const HostRegistry::Offer& offer, EpochMillis now, const SelectionRules& rules) {
  const HostStats& stats = offer.host.stats;
  std::vector<std::string> why;
  if (stats.status == HostStatus::down) why.emplace_back("down");
  if (!stats.last_seen)
    why.emplace_back("never seen");
  else if (now - *stats.last_seen > rules.seen_within_ms)
    why.emplace_back("not seen for " + format_duration(now - *stats.last_seen));
  if (stats.cooldown_until && *stats.cooldown_until > now)
    why.emplace_back("cooling down until " + format_rfc3339(*stats.cooldown_until));
  if (stats.samples >= rules.reliability_samples && stats.success_ema < rules.min_success_ema)
    why.emplace_back("unreliable (success_ema below " + std::to_string(rules.min_success_ema).substr(0, 4) + ")");
  if (offer.active_jobs >= rules.max_active_jobs)
    why.emplace_back(std::to_string(offer.active_jobs) + " jobs in flight");
  return why;
}

}  // namespace

Json Candidate::to_json() const {
  Json out{{"name", offer.host.spec.name},
           {"url", offer.host.spec.url},
           {"cost", format_money(offer.cost)},
           {"eligible", eligible()},
           {"score", rounded(score)},
           {"cost_part", rounded(cost_part)},
           {"success_part", rounded(success_part)},
           {"latency_part", rounded(latency_part)},
           {"status", std::string(to_string(offer.host.stats.status))},
           {"active_jobs", offer.active_jobs}};
  if (!eligible()) out["excluded_because"] = excluded_because;
  return out;
}

std::vector<Candidate> rank_candidates(const std::vector<HostRegistry::Offer>& offers, EpochMillis now,
                                       const SelectionRules& rules) {
  std::vector<Candidate> candidates;
  std::optional<MoneyUnits> min_cost;
  for (const auto& offer : offers) {
    Candidate candidate{offer, exclusions(offer, now, rules)};
    if (candidate.eligible() && (!min_cost || offer.cost < *min_cost)) min_cost = offer.cost;
    candidates.push_back(std::move(candidate));
  }
  for (auto& candidate : candidates) {
    const HostStats& stats = candidate.offer.host.stats;
    const MoneyUnits cost = candidate.offer.cost;
    candidate.cost_part =
        cost <= 0 ? 1.0 : clamp01(static_cast<double>(min_cost.value_or(cost)) / static_cast<double>(cost));
    candidate.success_part = clamp01(stats.success_ema);
    candidate.latency_part = clamp01(1.0 - stats.latency_ms_ema / rules.latency_scale_ms);
    candidate.score = 0.45 * candidate.cost_part + 0.40 * candidate.success_part + 0.15 * candidate.latency_part;
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.eligible() != b.eligible()) return a.eligible();
    if (a.score != b.score) return a.score > b.score;
    return a.offer.host.spec.name < b.offer.host.spec.name;
  });
  return candidates;
}

}  // namespace sheratan
