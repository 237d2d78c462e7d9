#include "queue/job_row.hpp"

#include "json/flat_object.hpp"

namespace sheratan {
namespace {

// Reads a stored object into `into`, which holds an empty object already (JobSpec's
// default). Most jobs have no labels and small flat params: "{}" is left as it is, and
// a flat object takes the fast path.
void read_object(std::string_view text, Json& into) {
  if (text == "{}") return;
  if (auto flat = parse_flat_object(text))
    into = std::move(*flat);
  else
    into = Json::parse(text);
}

std::vector<std::string> parse_ids(std::string_view text) {
  if (text == "[]") return {};
  return Json::parse(text).get<std::vector<std::string>>();
}

}  // namespace

Job read_job(const Statement& row, int c) {
  Job job;
  job.seq = row.integer(c + 0);
  job.id = row.text(c + 1);
  job.spec.kind = row.text(c + 2);
  job.spec.queue = row.text(c + 3);
  read_object(row.text_view(c + 4), job.spec.params);
  read_object(row.text_view(c + 5), job.spec.labels);
  job.spec.priority = row.integer(c + 6);
  job.status = parse_job_status(row.text_view(c + 7));
  job.run_at = row.integer(c + 8);
  job.spec.run_at = job.run_at;
  job.created_at = row.integer(c + 9);
  job.updated_at = row.integer(c + 10);
  job.attempts = row.integer(c + 11);
  job.spec.max_attempts = row.integer(c + 12);
  job.spec.timeout_ms = row.integer(c + 13);
  job.spec.backoff_ms = row.integer(c + 14);
  job.spec.backoff_max_ms = row.integer(c + 15);
  job.spec.depends_on = parse_ids(row.text_view(c + 16));
  job.waiting_deps = row.integer(c + 17);
  job.spec.idempotency_key = row.optional_text(c + 18);
  job.spec.cost = row.optional_integer(c + 19);
  job.worker = row.optional_text(c + 20);
  job.lease_token = row.optional_text(c + 21);
  job.lease_until = row.optional_integer(c + 22);
  job.error = row.optional_text(c + 23);
  job.result = row.optional_text(c + 24);
  job.result_hash = row.optional_text(c + 25);
  job.finished_at = row.optional_integer(c + 26);
  job.source = parse_job_source(row.text_view(c + 27));
  job.gate_report = row.optional_text(c + 28);
  return job;
}

JobEvent read_event(const Statement& row) {
  JobEvent event;
  event.id = row.integer(0);
  event.job_id = row.text(1);
  event.ts = row.integer(2);
  event.from = row.optional_text(3);
  event.to = row.text(4);
  event.worker = row.optional_text(5);
  event.detail = row.optional_text(6);
  return event;
}

}  // namespace sheratan
