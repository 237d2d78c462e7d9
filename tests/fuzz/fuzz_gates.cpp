// libFuzzer target: the admission gates on any job a client could send. Each input
// line that is JSON is judged from every source; a report must be consistent (the
// verdict is the worst finding, the gates stop at the first FAIL or PAUSE) and must
// serialise, and the path and phrase rules must take any text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "gates/gates.hpp"
#include "gates/path_check.hpp"
#include "gates/phrases.hpp"

namespace {

using namespace sheratan;

void check_report(const GateReport& report) {
  Verdict worst = Verdict::pass;
  for (std::size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& finding = report.findings[i];
    if (finding.verdict > worst) worst = finding.verdict;
    const bool stops = finding.verdict == Verdict::fail || finding.verdict == Verdict::pause;
    if (stops && i + 1 != report.findings.size()) std::abort();  // nothing after a FAIL or PAUSE
  }
  if (worst != report.verdict) std::abort();
  (void)report.to_json().dump();  // throws on text that is not UTF-8
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Gates gates(GatePolicy::defaults());
  static const PhraseSet phrases(GatePolicy::defaults().hard_phrases, GatePolicy::defaults().soft_phrases);
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)check_path(text, gates.policy().forbidden_paths, true);
  (void)check_path(text, gates.policy().forbidden_paths, false);
  (void)phrases.find_in(text);
  Json job = Json::parse(text, nullptr, false);
  if (job.is_discarded()) return 0;
  for (auto source : {JobSource::cli, JobSource::ingest, JobSource::api, JobSource::followup}) {
    std::optional<JobSpec> spec;
    GateReport report = gates.judge(job, source, JobDefaults{}, 1'764'184'800'000, spec);
    check_report(report);
    if (report.verdict != Verdict::fail && !spec) std::abort();  // admitted means parsed
  }
  return 0;
}
