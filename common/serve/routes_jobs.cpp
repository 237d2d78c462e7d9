// POST /v1/jobs, GET /v1/jobs, GET /v1/jobs/{id}, GET /v1/stats: the queue's push,
// ls, show and stats over HTTP.
#include "cli/error.hpp"
#include "cli/message.hpp"
#include "gates/admission.hpp"
#include "json/canonical.hpp"
#include "queue/queue.hpp"
#include "serve/http_error.hpp"
#include "serve/query_params.hpp"
#include "serve/request_body.hpp"
#include "serve/router.hpp"
#include "state/state_machine.hpp"

namespace sheratan::serve {

namespace {

constexpr std::int64_t kDefaultListLimit = 1000;

/// The Idempotency-Key header names the key of the one job of the body.
void apply_idempotency_header(const Call& call, JsonBody& body) {
  if (!call.request.has_header("Idempotency-Key")) return;
  const std::string key = call.request.get_header_value("Idempotency-Key");
  if (body.items.size() != 1)
    fail(ExitCode::bad_input, "the Idempotency-Key header names one job; give each job its own idempotency_key");
  Json& job = body.items.front().value;
  auto own = job.find("idempotency_key");
  if (own != job.end() && !(own->is_string() && own->get<std::string>() == key))
    fail(ExitCode::bad_input, "the Idempotency-Key header and field 'idempotency_key' differ");
  job["idempotency_key"] = key;
}

/// Each job passes the admission gates as from the api source: a refused one stops the
/// request (400 with the gates' report), a paused one is admitted as quarantined.
std::vector<Admitted> admit_all(const JsonBody& body, const Admission& admission, EpochMillis now) {
  std::vector<Admitted> admitted;
  admitted.reserve(body.items.size());
  for (const auto& input : body.items)
    admitted.push_back(admission.admit(input.value, input.line, now));
  return admitted;
}

std::string outcome_text(const PushOutcome& outcome, Verdict verdict) {
  // Ids, statuses and verdicts need no escaping: the hot path of a bulk push.
  return R"({"id":")" + outcome.id + R"(","status":")" + std::string(to_string(outcome.status)) + R"(","duplicate":)" +
         (outcome.duplicate ? "true" : "false") + R"(,"verdict":")" + std::string(to_string(verdict)) + "\"}";
}

void push_jobs(Call& call) {
  JsonBody body = parse_json_body(call.request_body, call.request.get_header_value("Content-Type"));
  apply_idempotency_header(call, body);
  const EpochMillis now = call.shared.clock.now();
  const Admission admission(*call.shared.settings.gates, JobSource::api, call.shared.settings.defaults);
  auto admitted = admit_all(body, admission, now);
  std::vector<PushItem> items;
  items.reserve(admitted.size());
  for (auto& one : admitted)
    items.push_back(std::move(one.item));
  JobQueue queue(call.store, call.shared.clock);
  auto outcomes = call.store.write([&] {
    if (system_paused(call.store))
      throw HttpError(503, "paused", "the system is PAUSED: taking no jobs (GET /v1/state tells why)", 1);
    try {
      return queue.push(items, call.shared.settings.max_depth, now);
    } catch (const Error& error) {
      // Inside the transaction the store is ours: "unavailable" is the depth limit.
      if (error.code() == ExitCode::unavailable) throw HttpError(429, "queue_full", error.what(), 1);
      throw;
    }
  });
  std::vector<std::string> records;
  records.reserve(outcomes.size());
  bool created = false;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    records.push_back(outcome_text(outcomes[i], admitted[i].report.verdict));
    created = created || !outcomes[i].duplicate;
  }
  call.reply(created ? 201 : 200, render_records(body.shape, records), content_type_of(body.shape));
}

ListFilter list_filter_of(const httplib::Request& request) {
  ListFilter filter;
  if (auto status = query_text(request, "status")) filter.status = parse_job_status(*status);
  filter.queue = query_text(request, "queue");
  filter.kind = query_text(request, "kind");
  filter.chain = query_text(request, "chain");
  for (const auto& label : query_texts(request, "label")) {
    auto equals = label.find('=');
    if (equals == std::string::npos || equals == 0)
      fail(ExitCode::bad_input, "label " + quote(label) + " must be KEY=VALUE");
    filter.labels.emplace_back(label.substr(0, equals), label.substr(equals + 1));
  }
  filter.limit = query_integer(request, "limit", 1, std::int64_t{1} << 40).value_or(kDefaultListLimit);
  return filter;
}

void list_jobs(Call& call) {
  ListFilter filter = list_filter_of(call.request);
  JobQueue queue(call.store, call.shared.clock);
  std::vector<std::string> records;
  queue.list(filter, [&](const Job& job) {
    records.emplace_back();
    job.append_json_text(records.back());
  });
  call.reply_lines(records);
}

void show_job(Call& call) {
  const std::string id = call.match(1);
  JobQueue queue(call.store, call.shared.clock);
  auto [job, events] = call.store.read([&] { return std::pair{queue.find(id), queue.events_of(id)}; });
  if (!job) throw HttpError(404, "not_found", "no job " + quote(id));
  Json out = job->to_json();
  if (job->result) {
    auto stored = Json::parse(*job->result, nullptr, false);
    out["result_verified"] = !stored.is_discarded() && canonical_hash(stored) == job->result_hash.value_or("");
  }
  out["events"] = Json::array();
  for (const auto& event : events)
    out["events"].push_back(event.to_json());
  call.reply_json(200, out);
}

}  // namespace

void add_job_routes(Router& router) {
  router.post("/v1/jobs", Scope::submit, push_jobs);
  router.get("/v1/jobs", Scope::read, list_jobs);
  router.get(R"(/v1/jobs/([^/]+))", Scope::read, show_job);
  router.get("/v1/stats", Scope::read, [](Call& call) {
    JobQueue queue(call.store, call.shared.clock);
    call.reply_json(200, queue.stats().to_json());
  });
}

}  // namespace sheratan::serve
