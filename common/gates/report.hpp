#pragma once
// What the admission gates found about one job: findings in gate order and the verdict,
// which is the worst finding (PASS < WARN < PAUSE < FAIL for what happens to the job:
// admitted, admitted with the report kept, quarantined, refused).

#include <string>
#include <vector>

#include "json/jsonl.hpp"
#include "queue/job.hpp"

namespace sheratan {

enum class Verdict { pass, warn, pause, fail };

std::string_view to_string(Verdict verdict);
/// What an entry point does with the job: ALLOW, QUARANTINE or REFUSE.
std::string_view action_of(Verdict verdict);

struct Finding {
  std::string gate;  // "G0" ... "G4"
  std::string code;  // "kind_forbidden", "path_parent", ...
  Verdict verdict = Verdict::pass;
  std::string field;    // the job's field: "kind", "params.path", ... (may be empty)
  std::string message;  // for people
  Json to_json() const;
};

struct GateReport {
  JobSource source = JobSource::cli;
  Verdict verdict = Verdict::pass;
  std::vector<Finding> findings;

  void add(Finding finding);
  /// FAIL or PAUSE: the gates stop here.
  bool stopped() const { return verdict == Verdict::fail || verdict == Verdict::pause; }
  /// The first finding with the report's verdict (the reason in one line), or nullptr.
  const Finding* decisive() const;
  /// "G2 kind_forbidden: kind 'shell' is forbidden (gates.forbidden_kinds)".
  std::string summary() const;
  Json to_json() const;
};

}  // namespace sheratan
