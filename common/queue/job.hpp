#pragma once
// The job model: what a client asks for (JobSpec) and what the store holds (Job).
// Statuses, exactly: pending (delayed, backing off, or waiting for dependencies),
// ready, leased, done, dead (attempts spent), canceled, blocked (a dependency ended
// dead or canceled), quarantined (held by an admission gate until approved or rejected).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/duration.hpp"
#include "cli/error.hpp"
#include "cli/money.hpp"
#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"

namespace sheratan {

enum class JobStatus { pending, ready, leased, done, dead, canceled, blocked, quarantined };
inline constexpr JobStatus kAllJobStatuses[] = {JobStatus::pending, JobStatus::ready,      JobStatus::leased,
                                                JobStatus::done,    JobStatus::dead,       JobStatus::canceled,
                                                JobStatus::blocked, JobStatus::quarantined};

/// Where a job entered the queue. The entry point sets it; a job cannot name its own.
enum class JobSource { cli, ingest, api, followup };

std::string_view to_string(JobSource source);
/// Throws Error(usage) listing the sources when the name is unknown.
JobSource parse_job_source(std::string_view name);

std::string_view to_string(JobStatus status);
/// Throws Error(usage) listing the statuses when the name is unknown.
JobStatus parse_job_status(std::string_view name);
bool is_terminal(JobStatus status);  // done, dead, canceled

struct JobDefaults {
  std::string queue = "default";
  std::int64_t priority = 10;  // normal
  std::int64_t max_attempts = 5;
  Millis timeout_ms = 300'000;
  Millis backoff_ms = 500;
  Millis backoff_max_ms = 300'000;
};

/// A job as submitted: validated, with defaults filled in.
struct JobSpec {
  std::string kind;
  Json params = Json::object();
  std::string queue;
  std::int64_t priority = 10;
  std::optional<EpochMillis> run_at;  // absolute; a delay is turned into this on push
  std::vector<std::string> depends_on;
  std::optional<std::string> idempotency_key;
  std::int64_t max_attempts = 5;
  Millis timeout_ms = 300'000;
  Millis backoff_ms = 500;
  Millis backoff_max_ms = 300'000;
  Json labels = Json::object();
  std::optional<MoneyUnits> cost;

  /// The canonical payload compared for idempotency: every field but the key and the
  /// moment to run (a retried push a second later is still the same job).
  Json payload() const;
  /// The fields a JobDefaults gives, as this spec has them: a spec parsed from sample
  /// settings turns them into defaults for other jobs.
  JobDefaults defaults() const;
};

/// A bad field of a job: the message names it, and field() gives it to the gates' report.
class FieldError : public Error {
 public:
  FieldError(std::string field, const std::string& message)
      : Error(ExitCode::bad_input, message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

/// Parses one job from JSON (a push line). Throws FieldError (bad_input) naming the field:
/// unknown fields, wrong types, out-of-range values. `now` turns a delay into run_at.
JobSpec parse_job_spec(const Json& input, const JobDefaults& defaults, EpochMillis now);

/// "critical" 30, "high" 20, "normal" 10, "low" 0, or an integer.
std::int64_t parse_priority(const Json& value);

/// A job as stored.
struct Job {
  std::int64_t seq = 0;
  std::string id;
  JobSpec spec;
  JobStatus status = JobStatus::pending;
  EpochMillis run_at = 0;
  EpochMillis created_at = 0;
  EpochMillis updated_at = 0;
  std::int64_t attempts = 0;
  std::int64_t waiting_deps = 0;
  std::optional<std::string> worker;
  std::optional<std::string> lease_token;
  std::optional<EpochMillis> lease_until;
  std::optional<std::string> error;
  std::optional<std::string> result;  // JSON text as stored
  std::optional<std::string> result_hash;
  std::optional<EpochMillis> finished_at;
  JobSource source = JobSource::cli;
  std::optional<std::string> gate_report;  // JSON text: the admission report of a WARN or PAUSE

  /// The JSON line the tools print for a job (see sheratan-jsonl(5)).
  Json to_json() const;
  /// Appends to_json().dump() (keys sorted, no spaces, bad UTF-8 replaced) to out,
  /// written directly: a fraction of the cost, for rounds and listings of many jobs.
  void append_json_text(std::string& out) const;
};

/// The job a tool printed (Job::to_json), read back: a remote worker's claimed jobs.
/// Throws Error(bad_input) naming the field that is missing or of the wrong type.
Job job_from_json(const Json& line);

/// One change of a job's status.
struct JobEvent {
  std::int64_t id = 0;  // increasing across the store: a cursor for watch
  std::string job_id;
  EpochMillis ts = 0;
  std::optional<std::string> from;
  std::string to;
  std::optional<std::string> worker;
  std::optional<std::string> detail;

  Json to_json() const;
};

}  // namespace sheratan
