#include "queue/job.hpp"

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "cli/text.hpp"

namespace sheratan {
namespace {

constexpr std::string_view kStatusNames[] = {"pending", "ready",    "leased",  "done",
                                             "dead",    "canceled", "blocked", "quarantined"};
constexpr std::string_view kSourceNames[] = {"cli", "ingest", "api", "followup"};

[[noreturn]] void bad_field(std::string_view field, const std::string& why) {
  throw FieldError(std::string(field), "field " + quote(field) + " " + why);
}

std::string require_string(const Json& value, std::string_view field, std::size_t max_length = 256) {
  if (!value.is_string()) bad_field(field, std::string("must be a string, not ") + json_type_name(value));
  const auto& text = value.get_ref<const std::string&>();
  if (text.empty()) bad_field(field, "must not be empty");
  if (text.size() > max_length) bad_field(field, "is longer than " + std::to_string(max_length) + " bytes");
  // A flag's value reaches here unchecked; JSON text was checked by its parser.
  if (!is_valid_utf8(text)) bad_field(field, "is not valid UTF-8");
  return text;
}

std::int64_t require_integer(const Json& value, std::string_view field, std::int64_t low, std::int64_t high) {
  if (!value.is_number_integer()) bad_field(field, std::string("must be an integer, not ") + json_type_name(value));
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(high))
    bad_field(field, "must be at most " + std::to_string(high));
  auto number = value.get<std::int64_t>();
  if (number < low || number > high)
    bad_field(field, "must be between " + std::to_string(low) + " and " + std::to_string(high));
  return number;
}

Millis field_duration(const Json& value, std::string_view field) {
  try {
    return parse_duration_json(value);
  } catch (const Error& error) {
    bad_field(field, error.what());
  }
}

}  // namespace

std::string_view to_string(JobStatus status) {
  return kStatusNames[static_cast<std::size_t>(status)];
}

JobStatus parse_job_status(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kStatusNames); ++i)
    if (kStatusNames[i] == name) return static_cast<JobStatus>(i);
  fail(ExitCode::usage, "unknown status " + quote(name) +
                            " (one of pending, ready, leased, done, dead, canceled, blocked, quarantined)");
}

std::string_view to_string(JobSource source) {
  return kSourceNames[static_cast<std::size_t>(source)];
}

JobSource parse_job_source(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kSourceNames); ++i)
    if (kSourceNames[i] == name) return static_cast<JobSource>(i);
  fail(ExitCode::usage, "unknown source " + quote(name) + " (one of cli, ingest, api, followup)");
}

bool is_terminal(JobStatus status) {
  return status == JobStatus::done || status == JobStatus::dead || status == JobStatus::canceled;
}

std::int64_t parse_priority(const Json& value) {
  if (value.is_string()) {
    const auto& name = value.get_ref<const std::string&>();
    if (name == "critical") return 30;
    if (name == "high") return 20;
    if (name == "normal") return 10;
    if (name == "low") return 0;
    bad_field("priority", "must be an integer or one of critical, high, normal, low, not " + quote(name));
  }
  return require_integer(value, "priority", -1'000'000, 1'000'000);
}

JobSpec parse_job_spec(const Json& input, const JobDefaults& defaults, EpochMillis now) {
  JobSpec spec;
  spec.queue = defaults.queue;
  spec.priority = defaults.priority;
  spec.max_attempts = defaults.max_attempts;
  spec.timeout_ms = defaults.timeout_ms;
  spec.backoff_ms = defaults.backoff_ms;
  spec.backoff_max_ms = defaults.backoff_max_ms;
  bool has_kind = false, has_delay = false;
  for (auto it = input.begin(); it != input.end(); ++it) {
    const std::string& field = it.key();
    const Json& value = it.value();
    if (field == "kind") {
      spec.kind = require_string(value, field, 128);
      has_kind = true;
    } else if (field == "params") {
      if (!value.is_object()) bad_field(field, std::string("must be an object, not ") + json_type_name(value));
      spec.params = value;
    } else if (field == "queue") {
      spec.queue = require_string(value, field, 128);
    } else if (field == "priority") {
      spec.priority = parse_priority(value);
    } else if (field == "run_at") {
      try {
        spec.run_at = parse_rfc3339(require_string(value, field, 64));
      } catch (const Error& error) {
        bad_field(field, error.what());
      }
    } else if (field == "delay") {
      has_delay = true;
      spec.run_at = now + field_duration(value, field);
    } else if (field == "depends_on") {
      if (!value.is_array()) bad_field(field, std::string("must be an array of job ids, not ") + json_type_name(value));
      // A job listed twice is still one dependency (and is waited for once).
      std::unordered_set<std::string_view> listed;
      for (const auto& id : value) {
        require_string(id, field, 64);
        if (listed.insert(id.get_ref<const std::string&>()).second)
          spec.depends_on.push_back(id.get_ref<const std::string&>());
        if (spec.depends_on.size() > 1000) bad_field(field, "lists more than 1000 jobs");
      }
    } else if (field == "idempotency_key") {
      spec.idempotency_key = require_string(value, field, 512);
    } else if (field == "max_attempts") {
      spec.max_attempts = require_integer(value, field, 1, 1000);
    } else if (field == "timeout") {
      spec.timeout_ms = field_duration(value, field);
      if (spec.timeout_ms <= 0) bad_field(field, "must be positive");
    } else if (field == "backoff") {
      spec.backoff_ms = field_duration(value, field);
    } else if (field == "backoff_max") {
      spec.backoff_max_ms = field_duration(value, field);
    } else if (field == "labels") {
      if (!value.is_object())
        bad_field(field, std::string("must be an object of strings, not ") + json_type_name(value));
      for (auto label = value.begin(); label != value.end(); ++label) {
        if (!is_valid_utf8(label.key())) bad_field(field, "has a key that is not valid UTF-8: " + quote(label.key()));
        if (!label.value().is_string())
          bad_field("labels." + label.key(), std::string("must be a string, not ") + json_type_name(label.value()));
        if (!is_valid_utf8(label.value().get_ref<const std::string&>()))
          bad_field("labels." + label.key(), "is not valid UTF-8");
      }
      spec.labels = value;
    } else if (field == "cost") {
      try {
        spec.cost = parse_money_json(value);
      } catch (const Error& error) {
        bad_field(field, error.what());
      }
      if (*spec.cost < 0) bad_field(field, "must not be negative");
    } else {
      bad_field(field,
                "is unknown (kind, params, queue, priority, run_at, delay, depends_on, idempotency_key, "
                "max_attempts, timeout, backoff, backoff_max, labels, cost)");
    }
  }
  if (!has_kind) bad_field("kind", "is required");
  if (has_delay && input.contains("run_at")) bad_field("delay", "cannot be combined with run_at");
  if (spec.backoff_max_ms < spec.backoff_ms) spec.backoff_max_ms = spec.backoff_ms;
  return spec;
}

JobDefaults JobSpec::defaults() const {
  return {queue, priority, max_attempts, timeout_ms, backoff_ms, backoff_max_ms};
}

Json JobSpec::payload() const {
  Json payload = {{"kind", kind},
                  {"params", params},
                  {"queue", queue},
                  {"priority", priority},
                  {"depends_on", depends_on},
                  {"max_attempts", max_attempts},
                  {"timeout_ms", timeout_ms},
                  {"backoff_ms", backoff_ms},
                  {"backoff_max_ms", backoff_max_ms},
                  {"labels", labels}};
  if (cost) payload["cost"] = format_money(*cost);
  return payload;
}

namespace {
Json optional_json(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json(nullptr);
}
Json optional_time(const std::optional<EpochMillis>& value) {
  return value ? Json(format_rfc3339(*value)) : Json(nullptr);
}
}  // namespace

Json Job::to_json() const {
  Json out = Json::object();
  out["id"] = id;
  out["kind"] = spec.kind;
  out["queue"] = spec.queue;
  out["status"] = to_string(status);
  out["priority"] = spec.priority;
  out["params"] = spec.params;
  out["labels"] = spec.labels;
  out["depends_on"] = spec.depends_on;
  out["idempotency_key"] = optional_json(spec.idempotency_key);
  out["attempts"] = attempts;
  out["max_attempts"] = spec.max_attempts;
  out["timeout"] = format_duration(spec.timeout_ms);
  out["backoff"] = format_duration(spec.backoff_ms);
  out["backoff_max"] = format_duration(spec.backoff_max_ms);
  out["cost"] = spec.cost ? Json(format_money(*spec.cost)) : Json(nullptr);
  out["run_at"] = format_rfc3339(run_at);
  out["created_at"] = format_rfc3339(created_at);
  out["updated_at"] = format_rfc3339(updated_at);
  out["worker"] = optional_json(worker);
  if (status == JobStatus::leased) {
    out["lease_token"] = optional_json(lease_token);
    out["lease_until"] = optional_time(lease_until);
  }
  out["error"] = optional_json(error);
  if (result) {
    // A stored result that is not JSON (changed behind the queue's back) is shown as
    // the string it is: the output stays JSON, and show's hash check flags it.
    Json parsed = Json::parse(*result, nullptr, false);
    out["result"] = parsed.is_discarded() ? Json(*result) : std::move(parsed);
  } else {
    out["result"] = nullptr;
  }
  out["result_hash"] = optional_json(result_hash);
  out["finished_at"] = optional_time(finished_at);
  out["source"] = to_string(source);
  out["gate"] = gate_report ? Json::parse(*gate_report, nullptr, false) : Json(nullptr);
  return out;
}

namespace {

const Json& field_of(const Json& line, const char* name) {
  auto found = line.find(name);
  if (found == line.end()) fail(ExitCode::bad_input, std::string("job: field '") + name + "' is missing");
  return *found;
}

std::string text_of(const Json& line, const char* name) {
  const Json& value = field_of(line, name);
  if (!value.is_string()) fail(ExitCode::bad_input, std::string("job: field '") + name + "' must be a string");
  return value.get<std::string>();
}

std::optional<std::string> optional_text(const Json& line, const char* name) {
  auto found = line.find(name);
  if (found == line.end() || found->is_null()) return std::nullopt;
  return text_of(line, name);
}

std::int64_t integer_of(const Json& line, const char* name) {
  const Json& value = field_of(line, name);
  if (!value.is_number_integer())
    fail(ExitCode::bad_input, std::string("job: field '") + name + "' must be an integer");
  return value.get<std::int64_t>();
}

}  // namespace

Job job_from_json(const Json& line) {
  if (!line.is_object()) fail(ExitCode::bad_input, "job: expected a JSON object");
  Job job;
  job.id = text_of(line, "id");
  job.spec.kind = text_of(line, "kind");
  job.spec.queue = text_of(line, "queue");
  job.status = parse_job_status(text_of(line, "status"));
  job.spec.priority = integer_of(line, "priority");
  job.spec.params = field_of(line, "params");
  job.spec.labels = field_of(line, "labels");
  const Json& depends_on = field_of(line, "depends_on");
  if (!depends_on.is_array()) fail(ExitCode::bad_input, "job: field 'depends_on' must be an array of job ids");
  for (const auto& dependency : depends_on) {
    if (!dependency.is_string()) fail(ExitCode::bad_input, "job: field 'depends_on' must be an array of job ids");
    job.spec.depends_on.push_back(dependency.get<std::string>());
  }
  job.spec.idempotency_key = optional_text(line, "idempotency_key");
  job.attempts = integer_of(line, "attempts");
  job.spec.max_attempts = integer_of(line, "max_attempts");
  job.spec.timeout_ms = parse_duration(text_of(line, "timeout"));
  job.spec.backoff_ms = parse_duration(text_of(line, "backoff"));
  job.spec.backoff_max_ms = parse_duration(text_of(line, "backoff_max"));
  if (auto cost = optional_text(line, "cost")) job.spec.cost = parse_money(*cost);
  job.run_at = parse_rfc3339(text_of(line, "run_at"));
  job.spec.run_at = job.run_at;
  job.created_at = parse_rfc3339(text_of(line, "created_at"));
  job.updated_at = parse_rfc3339(text_of(line, "updated_at"));
  job.worker = optional_text(line, "worker");
  job.lease_token = optional_text(line, "lease_token");
  if (auto until = optional_text(line, "lease_until")) job.lease_until = parse_rfc3339(*until);
  job.error = optional_text(line, "error");
  if (auto found = line.find("result"); found != line.end() && !found->is_null()) job.result = found->dump();
  job.result_hash = optional_text(line, "result_hash");
  if (auto finished = optional_text(line, "finished_at")) job.finished_at = parse_rfc3339(*finished);
  job.source = parse_job_source(text_of(line, "source"));
  if (auto found = line.find("gate"); found != line.end() && !found->is_null()) job.gate_report = found->dump();
  return job;
}

Json JobEvent::to_json() const {
  return Json{{"id", id},
              {"job", job_id},
              {"ts", format_rfc3339(ts)},
              {"from", optional_json(from)},
              {"to", to},
              {"worker", optional_json(worker)},
              {"detail", optional_json(detail)}};
}

}  // namespace sheratan
