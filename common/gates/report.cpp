#include "gates/report.hpp"

namespace sheratan {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass:
      return "PASS";
    case Verdict::warn:
      return "WARN";
    case Verdict::pause:
      return "PAUSE";
    case Verdict::fail:
      return "FAIL";
  }
  return "FAIL";
}

std::string_view action_of(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass:
    case Verdict::warn:
      return "ALLOW";
    case Verdict::pause:
      return "QUARANTINE";
    case Verdict::fail:
      return "REFUSE";
  }
  return "REFUSE";
}

Json Finding::to_json() const {
  return Json{{"gate", gate},
              {"code", code},
              {"verdict", to_string(verdict)},
              {"field", field.empty() ? Json(nullptr) : Json(field)},
              {"message", message}};
}

void GateReport::add(Finding finding) {
  if (finding.verdict > verdict) verdict = finding.verdict;
  findings.push_back(std::move(finding));
}

const Finding* GateReport::decisive() const {
  for (const auto& finding : findings)
    if (finding.verdict == verdict) return &finding;
  return nullptr;
}

std::string GateReport::summary() const {
  const Finding* finding = decisive();
  if (!finding) return "passed every gate";
  return finding->gate + " " + finding->code + ": " + finding->message;
}

Json GateReport::to_json() const {
  Json list = Json::array();
  for (const auto& finding : findings)
    list.push_back(finding.to_json());
  return Json{{"verdict", to_string(verdict)},
              {"action", action_of(verdict)},
              {"source", to_string(source)},
              {"findings", std::move(list)}};
}

}  // namespace sheratan
