#pragma once
// The REFLECTIVE flow of the original: enter REFLECTIVE, diagnose the system (store
// integrity, the ledger when the store holds one, queue and probe health), compute a
// health score in [0, 1] and leave for OPERATIONAL (> 0.9), DEGRADED (> 0.7) or
// RECOVERY, with the findings as the meta of the leaving event.

#include <optional>
#include <string>
#include <vector>

#include "state/health_facts.hpp"
#include "state/state_machine.hpp"

namespace sheratan {

struct HealthCheck {
  std::string name;
  double weight = 0;
  std::optional<double> score;  // none: skipped, left out of the score
  std::string detail;
  Json to_json() const;
};

struct Diagnosis {
  std::vector<HealthCheck> checks;
  double score = 1;  // weighted mean of the checks that ran
  SystemState verdict = SystemState::operational;
  Json to_json() const;
};

/// Runs the checks (reads only).
Diagnosis diagnose(Store& store, EpochMillis now, const HealthLimits& limits);

/// The state a score leads to: OPERATIONAL above 0.9, DEGRADED above 0.7, else RECOVERY.
SystemState state_for_score(double score);

/// The combination of checks into a score and a verdict (weights of skipped checks
/// are left out).
void score_diagnosis(Diagnosis& diagnosis);

struct Reflection {
  StateEvent entered;
  Diagnosis diagnosis;
  StateEvent left;
  Json to_json() const;
};

/// The whole flow. Throws Error(conflict) when REFLECTIVE cannot be entered from the
/// current state, or when another process changed the state during the diagnosis
/// (the leaving transition is then not made).
Reflection reflect(StateMachine& machine, Store& store, const Clock& clock, const HealthLimits& limits,
                   const std::string& actor);

}  // namespace sheratan
