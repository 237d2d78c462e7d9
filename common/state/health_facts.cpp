#include "state/health_facts.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "store/sql/state_queries.hpp"

namespace sheratan {

namespace {

Millis duration_key(const Config& config, const std::string& key, Millis fallback) {
  auto text = config.text(std::nullopt, nullptr, key);
  if (!text) return fallback;
  try {
    return parse_duration(*text);
  } catch (const Error& error) {
    fail(ExitCode::bad_input, "config " + quote(config.source()) + ": " + key + ": " + error.what());
  }
}

}  // namespace

HealthLimits HealthLimits::from_config(const Config& config) {
  HealthLimits limits;
  limits.max_dead_jobs = config.integer(std::nullopt, nullptr, "state.max_dead_jobs").value_or(0);
  if (limits.max_dead_jobs < 0)
    fail(ExitCode::bad_input, "config " + quote(config.source()) + ": state.max_dead_jobs must not be negative");
  limits.dead_window_ms = duration_key(config, "state.dead_window", limits.dead_window_ms);
  limits.max_ready_age_ms = duration_key(config, "state.max_ready_age", limits.max_ready_age_ms);
  return limits;
}

Json HealthLimits::to_json() const {
  return Json{{"max_dead_jobs", max_dead_jobs},
              {"dead_window", format_duration(dead_window_ms)},
              {"max_ready_age", format_duration(max_ready_age_ms)}};
}

Json HealthFacts::to_json() const {
  return Json{{"critical_down", critical_down},
              {"hosts", hosts},
              {"hosts_up", hosts_up},
              {"hosts_degraded", hosts_degraded},
              {"hosts_down", hosts_down},
              {"dead_jobs", dead_jobs},
              {"oldest_ready_age_ms", oldest_ready_age_ms ? Json(*oldest_ready_age_ms) : Json(nullptr)}};
}

HealthFacts gather_health_facts(Store& store, EpochMillis now, const HealthLimits& limits) {
  return store.read([&] {
    HealthFacts facts;
    auto hosts = store.use(sql::kHostStatusCounts);
    while (hosts.step()) {
      const auto status = hosts.text_view(0);
      ++facts.hosts;
      if (status == "up") ++facts.hosts_up;
      if (status == "degraded") ++facts.hosts_degraded;
      if (status == "down") {
        ++facts.hosts_down;
        if (hosts.integer(1) != 0) facts.critical_down.push_back(hosts.text(2));
      }
    }
    auto dead = store.use(sql::kDeadJobsSince);
    dead.bind(1, now - limits.dead_window_ms);
    dead.step();
    facts.dead_jobs = dead.integer(0);
    auto ready = store.use(sql::kOldestReadyRunAt);
    if (ready.step() && !ready.is_null(0)) facts.oldest_ready_age_ms = std::max<Millis>(0, now - ready.integer(0));
    return facts;
  });
}

std::string Verdict::reason() const {
  if (findings.empty()) return "all healthy";
  std::string text;
  for (const auto& finding : findings) {
    if (!text.empty()) text += "; ";
    text += finding;
  }
  return text;
}

Verdict judge(const HealthFacts& facts, const HealthLimits& limits) {
  Verdict verdict;
  for (const auto& name : facts.critical_down)
    verdict.findings.push_back("critical host " + quote(name) + " down");
  if (facts.dead_jobs > limits.max_dead_jobs)
    verdict.findings.push_back(std::to_string(facts.dead_jobs) + " dead jobs in the last " +
                               format_duration(limits.dead_window_ms) + " (limit " +
                               std::to_string(limits.max_dead_jobs) + ")");
  if (facts.oldest_ready_age_ms && *facts.oldest_ready_age_ms > limits.max_ready_age_ms)
    verdict.findings.push_back("a ready job has waited " + format_duration(*facts.oldest_ready_age_ms) + " (limit " +
                               format_duration(limits.max_ready_age_ms) + ")");
  verdict.state = verdict.findings.empty() ? SystemState::operational : SystemState::degraded;
  return verdict;
}

}  // namespace sheratan
