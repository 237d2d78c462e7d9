#pragma once
// Admission at an entry point (push, ingest, a chain's follow-up, sheratan-serve): the
// gates judge each job as submitted and decide what the queue writes. PASS and WARN
// are admitted (WARN with its report on the job), PAUSE is admitted as quarantined
// with its report, FAIL is refused with GateRefusal, so that nothing of the batch is
// written.

#include <optional>

#include "cli/error.hpp"
#include "gates/gates.hpp"
#include "queue/queue.hpp"

namespace sheratan {

/// A job the gates refused: exit 4, with the report (on standard error, or in a response).
class GateRefusal : public Error {
 public:
  GateRefusal(const std::string& message, Json report)
      : Error(ExitCode::bad_input, message, report.dump()), report_(std::move(report)) {}
  const Json& report() const { return report_; }

 private:
  Json report_;
};

struct Admitted {
  PushItem item;
  GateReport report;
};

class Admission {
 public:
  Admission(const Gates& gates, JobSource source, JobDefaults defaults)
      : gates_(gates), source_(source), defaults_(std::move(defaults)) {}

  /// Judges one submitted job (line: its input line, 0 when from flags). Throws
  /// GateRefusal on FAIL, its message naming the line, gate, code and field.
  Admitted admit(const Json& job, std::size_t line, EpochMillis now) const;

  /// The report alone (a dry run); the report's JSON gains "line" when line > 0.
  GateReport judge(const Json& job, EpochMillis now) const;

  JobSource source() const { return source_; }

 private:
  const Gates& gates_;
  JobSource source_;
  JobDefaults defaults_;
};

}  // namespace sheratan
