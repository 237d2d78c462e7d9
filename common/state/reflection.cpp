#include "state/reflection.hpp"

#include <cmath>

#include "cli/error.hpp"

#include "ledger/verify.hpp"
#include "store/sql/state_queries.hpp"

namespace sheratan {

namespace {

HealthCheck integrity_check(Store& store) {
  HealthCheck check{"integrity", 0.4, 1.0, "ok"};
  std::string problems;
  auto rows = store.use(sql::kQuickCheck);
  while (rows.step()) {
    std::string line = rows.text(0);
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  if (!problems.empty()) {
    check.score = 0.0;
    check.detail = problems;
  }
  return check;
}

HealthCheck ledger_check(Store& store) {
  // The whole chain and a replay of the journal against the stored balances.
  ledger::VerifyReport report = ledger::verify_ledger(store);
  // A store without a ledger has nothing to verify: skipped, not a free full score.
  if (report.ok && report.entries == 0) return {"ledger", 0.2, std::nullopt, "no ledger: nothing to verify"};
  if (report.ok) return {"ledger", 0.2, 1.0, std::to_string(report.entries) + " journal entries verified"};
  std::string where = report.bad_seq ? "seq " + std::to_string(*report.bad_seq) + ": " : "";
  return {"ledger", 0.2, 0.0, "verify failed: " + where + report.reason};
}

HealthCheck queue_check(const HealthFacts& facts, const HealthLimits& limits) {
  HealthCheck check{"queue", 0.2, 1.0, "within limits"};
  std::string detail;
  if (facts.dead_jobs > limits.max_dead_jobs) {
    *check.score -= 0.5;
    detail = std::to_string(facts.dead_jobs) + " dead jobs (limit " + std::to_string(limits.max_dead_jobs) + ")";
  }
  if (facts.oldest_ready_age_ms && *facts.oldest_ready_age_ms > limits.max_ready_age_ms) {
    *check.score -= 0.5;
    if (!detail.empty()) detail += "; ";
    detail += "oldest ready job " + format_duration(*facts.oldest_ready_age_ms) + " old (limit " +
              format_duration(limits.max_ready_age_ms) + ")";
  }
  if (!detail.empty()) check.detail = detail;
  return check;
}

HealthCheck probe_check(const HealthFacts& facts) {
  HealthCheck check{"probes", 0.2, 1.0, "no hosts registered"};
  if (facts.hosts == 0) return check;
  check.score = (static_cast<double>(facts.hosts_up) + 0.5 * static_cast<double>(facts.hosts_degraded)) /
                static_cast<double>(facts.hosts);
  check.detail = std::to_string(facts.hosts_up) + " of " + std::to_string(facts.hosts) + " hosts up, " +
                 std::to_string(facts.hosts_degraded) + " degraded, " + std::to_string(facts.hosts_down) + " down";
  if (!facts.critical_down.empty()) {
    check.score = 0.0;
    check.detail += " (a critical host is down)";
  }
  return check;
}

double rounded(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

}  // namespace

Json HealthCheck::to_json() const {
  return Json{{"name", name},
              {"weight", weight},
              {"score", score ? Json(rounded(*score)) : Json(nullptr)},
              {"skipped", !score.has_value()},
              {"detail", detail}};
}

Json Diagnosis::to_json() const {
  Json checks_json = Json::array();
  for (const auto& check : checks)
    checks_json.push_back(check.to_json());
  return Json{{"score", rounded(score)}, {"verdict", std::string(to_string(verdict))}, {"checks", checks_json}};
}

SystemState state_for_score(double score) {
  if (score > 0.9) return SystemState::operational;
  if (score > 0.7) return SystemState::degraded;
  return SystemState::recovery;
}

void score_diagnosis(Diagnosis& diagnosis) {
  double weighted = 0, weights = 0;
  for (const auto& check : diagnosis.checks) {
    if (!check.score) continue;
    weighted += check.weight * *check.score;
    weights += check.weight;
  }
  // In thousandths, as the reason prints it: 0.4 + 0.2 + 0.1 + 0.2 is 0.9000000000000001
  // in binary floating point, and must not pass the "> 0.9" a printed 0.900 fails.
  diagnosis.score = std::round((weights > 0 ? weighted / weights : 1.0) * 1000) / 1000;
  diagnosis.verdict = state_for_score(diagnosis.score);
}

Diagnosis diagnose(Store& store, EpochMillis now, const HealthLimits& limits) {
  return store.read([&] {
    Diagnosis diagnosis;
    const HealthFacts facts = gather_health_facts(store, now, limits);
    diagnosis.checks.push_back(integrity_check(store));
    diagnosis.checks.push_back(ledger_check(store));
    diagnosis.checks.push_back(queue_check(facts, limits));
    diagnosis.checks.push_back(probe_check(facts));
    score_diagnosis(diagnosis);
    return diagnosis;
  });
}

Json Reflection::to_json() const {
  Json out = diagnosis.to_json();
  out["events"] = Json::array({entered.to_json(), left.to_json()});
  return out;
}

Reflection reflect(StateMachine& machine, Store& store, const Clock& clock, const HealthLimits& limits,
                   const std::string& actor) {
  Reflection reflection;
  reflection.entered =
      machine.transition({SystemState::reflective, "self-diagnosis started", actor, Json::object(), std::nullopt});
  try {
    reflection.diagnosis = diagnose(store, clock.now(), limits);
  } catch (const Error& error) {
    // A diagnosis that cannot even run is the worst finding: leave for RECOVERY.
    if (error.code() == ExitCode::unavailable) throw;
    reflection.diagnosis.checks.push_back({"diagnosis", 1.0, 0.0, error.what()});
    score_diagnosis(reflection.diagnosis);
  }
  const Diagnosis& found = reflection.diagnosis;
  char score[16];
  std::snprintf(score, sizeof score, "%.3f", found.score);
  reflection.left = machine.transition(
      {found.verdict, std::string("self-diagnosis: health ") + score, actor, found.to_json(), SystemState::reflective});
  return reflection;
}

}  // namespace sheratan
