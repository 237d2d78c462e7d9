#include "gates/admission.hpp"

namespace sheratan {

Admitted Admission::admit(const Json& job, std::size_t line, EpochMillis now) const {
  std::optional<JobSpec> spec;
  GateReport report = gates_.judge(job, source_, defaults_, now, spec);
  if (report.verdict == Verdict::fail) {
    Json json = report.to_json();
    if (line > 0) json["line"] = line;
    std::string message = "refused by gate " + report.summary();
    throw GateRefusal(line > 0 ? at_line(line, message) : message, std::move(json));
  }
  Admitted admitted{PushItem(std::move(*spec), line), std::move(report)};
  admitted.item.source = source_;
  admitted.item.quarantine = admitted.report.verdict == Verdict::pause;
  if (admitted.report.verdict != Verdict::pass) admitted.item.gate_report = admitted.report.to_json().dump();
  return admitted;
}

GateReport Admission::judge(const Json& job, EpochMillis now) const {
  std::optional<JobSpec> spec;
  return gates_.judge(job, source_, defaults_, now, spec);
}

}  // namespace sheratan
