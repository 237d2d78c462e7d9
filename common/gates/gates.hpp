#pragma once
// The admission gates G0-G4 of the original, run in order on one job as submitted,
// stopping at the first FAIL or PAUSE (sheratan-queue(1), "Admission gates"):
//   G0 source zone, G1 schema, G2 kind, G3 paths, G4 escalation.

#include <optional>
#include <string>
#include <unordered_set>

#include "gates/phrases.hpp"
#include "gates/policy.hpp"
#include "gates/report.hpp"
#include "queue/job.hpp"

namespace sheratan {

class Gates {
 public:
  explicit Gates(GatePolicy policy);

  /// Judges one job as submitted (a push line). The parsed job is stored in `spec`
  /// when G1 passed. `defaults` and `now` are those of parse_job_spec.
  GateReport judge(const Json& job, JobSource source, const JobDefaults& defaults, EpochMillis now,
                   std::optional<JobSpec>& spec) const;

  const GatePolicy& policy() const { return policy_; }

 private:
  void source_zone(const JobSpec& spec, const std::string& kind, JobSource source, GateReport& report) const;
  void schema(const Json& job, const JobDefaults& defaults, EpochMillis now, std::optional<JobSpec>& spec,
              GateReport& report) const;
  void kind(const JobSpec& spec, const std::string& kind, GateReport& report) const;
  void paths(const JobSpec& spec, GateReport& report) const;
  void escalation(const JobSpec& spec, GateReport& report) const;

  GatePolicy policy_;
  KindSet followup_kinds_, kinds_, forbidden_kinds_;
  std::unordered_set<std::string> path_params_;
  PhraseSet phrases_;
};

}  // namespace sheratan
