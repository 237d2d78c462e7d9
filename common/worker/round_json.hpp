#pragma once
// A worker's round over HTTP (POST /v1/work, see sheratan-serve(1)): what RemoteBroker
// sends and sheratan-serve answers, so that a remote worker's reports and claims are
// one commit on the server, as a local worker's are on its store.
//
// Request: {"worker","queue","kinds","limit","lease","reports":[report...]}, a report
//   {"id","token","outcome":"done"|"retry"|"failed","result"|"error","ms"}.
// Answer: {"events":[{"event","id",...}],"claimed":[job...],"paused",
//   "check":{"done","due_in"}|null,"claim_unavailable":MSG|null,"unreported":[id...]}.
// due_in is in ms from the answer, so that the two machines' clocks need not agree.

#include "worker/job_broker.hpp"

namespace sheratan {

/// One report as the request carries it.
Json report_to_json(const WorkReport& report);

/// A report read back: the job's id and token, its outcome and run time. Throws
/// Error(bad_input) naming the field.
struct ReportLine {
  std::string id;
  std::string token;
  RunOutcome outcome;
  std::int64_t ms = 0;
};
ReportLine report_from_json(const Json& line);

/// The answer to a round, as JSON text (bytes that are no UTF-8 replaced). Events
/// name their job by id.
std::string round_to_json(const Exchange& round, EpochMillis now);

/// The answer read back against the reports sent: each event is tied to its report's
/// job. Throws Error(bad_input) for an answer that is not one.
Exchange round_from_json(const Json& answer, std::vector<WorkReport>& reports, EpochMillis now);

}  // namespace sheratan
