#include "worker/round_json.hpp"

#include <map>

#include "cli/error.hpp"

namespace sheratan {

namespace {

const char* outcome_name(RunOutcome::Kind kind) {
  switch (kind) {
    case RunOutcome::Kind::done:
      return "done";
    case RunOutcome::Kind::retry:
      return "retry";
    case RunOutcome::Kind::failed:
      break;
  }
  return "failed";
}

std::string required_text(const Json& object, const char* name, const char* what) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_string())
    fail(ExitCode::bad_input, std::string(what) + ": field '" + name + "' must be a string");
  return found->get<std::string>();
}

}  // namespace

Json report_to_json(const WorkReport& report) {
  Json line{{"id", report.job.id},
            {"token", report.job.lease_token.value_or("")},
            {"outcome", outcome_name(report.outcome.kind)},
            {"ms", report.ms}};
  if (report.outcome.kind == RunOutcome::Kind::done)
    line["result"] = report.outcome.result;
  else
    line["error"] = report.outcome.error;
  return line;
}

ReportLine report_from_json(const Json& line) {
  if (!line.is_object()) fail(ExitCode::bad_input, "report: expected a JSON object");
  for (const auto& [key, value] : line.items())
    if (key != "id" && key != "token" && key != "outcome" && key != "result" && key != "error" && key != "ms")
      fail(ExitCode::bad_input, "report: unknown field '" + key + "'");
  ReportLine report;
  report.id = required_text(line, "id", "report");
  report.token = required_text(line, "token", "report");
  const std::string outcome = required_text(line, "outcome", "report");
  if (auto ms = line.find("ms"); ms != line.end()) {
    if (!ms->is_number_integer() || ms->get<std::int64_t>() < 0)
      fail(ExitCode::bad_input, "report: field 'ms' must be a whole number of milliseconds");
    report.ms = ms->get<std::int64_t>();
  }
  if (outcome == "done") {
    report.outcome = RunOutcome::success(line.value("result", Json(nullptr)));
  } else if (outcome == "retry" || outcome == "failed") {
    std::string error = line.contains("error") ? required_text(line, "error", "report") : "failed";
    report.outcome = outcome == "retry" ? RunOutcome::temporary(error) : RunOutcome::permanent(error);
  } else {
    fail(ExitCode::bad_input, "report: field 'outcome' must be done, retry or failed, not '" + outcome + "'");
  }
  return report;
}

std::string round_to_json(const Exchange& round, EpochMillis now) {
  auto text = [](const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); };
  Json events = Json::array();
  for (const auto& event : round.events) {
    Json line = event.extra.is_object() ? event.extra : Json::object();
    line["event"] = event.name;
    line["id"] = event.job->id;
    events.push_back(std::move(line));
  }
  Json check = nullptr;
  if (round.check) {
    check = Json{{"done", round.check->done}, {"due_in", nullptr}};
    if (round.check->next_due) check["due_in"] = std::max<std::int64_t>(0, *round.check->next_due - now);
  }
  Json unreported = Json::array();
  for (const auto& report : round.unreported)
    unreported.push_back(report.job.id);
  // Written in the order of a std::map's keys, as Json::dump would; the claimed jobs,
  // most of the answer, are written directly (Job::append_json_text).
  std::string out = "{\"check\":" + text(check) + ",\"claim_unavailable\":" +
                    (round.claim_unavailable ? text(Json(*round.claim_unavailable)) : "null") + ",\"claimed\":[";
  for (std::size_t i = 0; i < round.claimed.size(); ++i) {
    if (i > 0) out += ',';
    round.claimed[i].append_json_text(out);
  }
  out += "],\"events\":" + text(events) + ",\"paused\":" + (round.paused ? "true" : "false") +
         ",\"unreported\":" + text(unreported) + "}";
  return out;
}

Exchange round_from_json(const Json& answer, std::vector<WorkReport>& reports, EpochMillis now) {
  if (!answer.is_object()) fail(ExitCode::bad_input, "the server's round: expected a JSON object");
  std::map<std::string, WorkReport*> by_id;
  for (auto& report : reports)
    by_id[report.job.id] = &report;
  auto report_of = [&](const Json& line) -> WorkReport& {
    const std::string id = required_text(line, "id", "the server's round");
    auto found = by_id.find(id);
    if (found == by_id.end()) fail(ExitCode::bad_input, "the server's round names job '" + id + "', not reported");
    return *found->second;
  };
  // The arrays are read where they are: value() would copy them, jobs and all.
  static const Json kNone = Json::array();
  auto array_of = [&](const char* name) -> const Json& {
    auto found = answer.find(name);
    if (found == answer.end() || found->is_null()) return kNone;
    if (!found->is_array())
      fail(ExitCode::bad_input, std::string("the server's round: '") + name + "' must be an array");
    return *found;
  };
  Exchange round;
  for (const auto& line : array_of("events")) {
    WorkReport& report = report_of(line);
    Json extra = line;
    extra.erase("event");
    extra.erase("id");
    round.events.push_back({required_text(line, "event", "the server's round"), &report.job, std::move(extra)});
  }
  for (const auto& line : array_of("claimed"))
    round.claimed.push_back(job_from_json(line));
  round.paused = answer.value("paused", false);
  if (auto check = answer.find("check"); check != answer.end() && check->is_object()) {
    WaitCheck wait;
    wait.done = check->value("done", false);
    if (auto due = check->find("due_in"); due != check->end() && due->is_number_integer())
      wait.next_due = now + due->get<std::int64_t>();
    round.check = wait;
  }
  if (auto why = answer.find("claim_unavailable"); why != answer.end() && why->is_string())
    round.claim_unavailable = why->get<std::string>();
  for (const auto& id : array_of("unreported"))
    round.unreported.push_back(report_of(Json{{"id", id}}));
  return round;
}

}  // namespace sheratan
