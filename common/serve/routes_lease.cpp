// POST /v1/claim (a long-poll woken by the store) and POST /v1/jobs/{id}/ack|fail|
// extend|release with the lease token: the queue's lease operations over HTTP. And
// for remote workers: POST /v1/work, a round (its reports and its next claim in one
// commit), and POST /v1/leases/extend|release, every lease a worker holds at once.
#include <algorithm>
#include <chrono>
#include <mutex>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "queue/queue.hpp"
#include "serve/body_fields.hpp"
#include "serve/http_error.hpp"
#include "serve/request_body.hpp"
#include "serve/router.hpp"
#include "state/state_machine.hpp"
#include "worker/chain.hpp"
#include "worker/round_json.hpp"
#include "worker/store_broker.hpp"

namespace sheratan::serve {

namespace {

struct ClaimCall {
  ClaimRequest request;
  std::optional<Millis> wait_ms;
};

/// The fields a claim shares with a round; limit from min_limit up, 1 when not given.
ClaimRequest parse_claim_request(const Json& body, const Call& call, std::int64_t min_limit) {
  ClaimRequest request;
  request.worker = optional_string(body, "worker").value_or(call.caller.name);
  request.queue = optional_string(body, "queue").value_or(call.shared.settings.defaults.queue);
  if (auto kinds = body.find("kinds"); kinds != body.end() && !kinds->is_null()) {
    if (!kinds->is_array()) fail(ExitCode::bad_input, "field 'kinds' must be an array of strings");
    for (const auto& kind : *kinds) {
      if (!kind.is_string()) fail(ExitCode::bad_input, "field 'kinds' must be an array of strings");
      request.kinds.push_back(kind.get<std::string>());
    }
  }
  request.limit = optional_integer(body, "limit", min_limit, 100'000).value_or(1);
  if (auto lease = body.find("lease"); lease != body.end()) {
    request.lease_ms = parse_duration_field(*lease, "lease");
    JobQueue::check_lease(request.lease_ms, "field 'lease'");
  }
  return request;
}

ClaimCall parse_claim(const Call& call) {
  Json body = parse_json_object_body(call.request_body);
  reject_unknown_fields(body, {"worker", "queue", "kinds", "limit", "lease", "wait"});
  ClaimCall claim;
  claim.request = parse_claim_request(body, call, 1);
  if (auto wait = body.find("wait"); wait != body.end() && !wait->is_null())
    claim.wait_ms = std::min(parse_duration_field(*wait, "wait"), call.shared.settings.max_wait_ms);
  return claim;
}

/// Waits for a claim to lease something: looks (a read) after every commit and at the
/// next due moment, and claims only when something is claimable.
class ClaimWait {
 public:
  ClaimWait(const Call& call, const ClaimRequest& request)
      : call_(call), request_(request), queue_(call.store, call.shared.clock) {}

  /// The gate and the claim share one transaction: nothing is leased after a pause commits.
  std::optional<std::vector<Job>> gated_claim() {
    return call_.store.write([&] {
      if (system_paused(call_.store)) return std::optional<std::vector<Job>>();
      return std::optional<std::vector<Job>>(queue_.claim(request_));
    });
  }

  std::vector<Job> until(ChangeFeed::TimePoint deadline) {
    const ChangeFeed& feed = call_.shared.feed;
    auto& waiting = call_.shared.counters.claims_waiting;
    ++waiting;
    struct Leave {
      std::atomic<std::int64_t>& count;
      ~Leave() { --count; }
    } leave{waiting};
    std::vector<Job> jobs;
    while (jobs.empty() && std::chrono::steady_clock::now() < deadline && !feed.stopping()) {
      const auto seen = feed.generation();
      auto wake_at = deadline;
      if (!system_paused(call_.store)) {  // paused: only a commit (the state's change) wakes us
        WaitCheck check = queue_.claimable(request_);
        if (check.done) {
          jobs = gated_claim().value_or(std::vector<Job>{});
          continue;
        }
        if (check.next_due) wake_at = std::min(wake_at, steady_time_of(*check.next_due));
      }
      feed.wait(seen, wake_at);
    }
    return jobs;
  }

 private:
  ChangeFeed::TimePoint steady_time_of(EpochMillis due) const {
    auto ahead = std::max<std::int64_t>(0, due - call_.shared.clock.now());
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(ahead);
  }

  const Call& call_;
  const ClaimRequest& request_;
  JobQueue queue_;
};

void claim_jobs(Call& call) {
  const ClaimCall claim = parse_claim(call);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(claim.wait_ms.value_or(0));
  ClaimWait wait(call, claim.request);
  auto first = wait.gated_claim();
  if (!first && !claim.wait_ms)
    throw HttpError(503, "paused", "the system is PAUSED: claiming nothing (GET /v1/state tells why)", 1);
  std::vector<Job> jobs = first.value_or(std::vector<Job>{});
  if (jobs.empty() && claim.wait_ms) jobs = wait.until(deadline);
  if (jobs.empty()) {
    if (call.shared.feed.stopping()) throw HttpError(503, "unavailable", "the server is stopping", 1);
    call.response.status = 204;
    return;
  }
  std::vector<std::string> records;
  const EpochMillis now = call.shared.clock.now();
  for (const auto& job : jobs) {
    call.shared.counters.claim_latency.observe(now - std::max(job.run_at, job.created_at));
    records.emplace_back();
    job.append_json_text(records.back());
  }
  call.reply_lines(records);
}

Job apply_lease_action(JobQueue& queue, const std::string& action, const LeaseRef& lease, const Json& body) {
  if (action == "ack") {
    reject_unknown_fields(body, {"token", "result"});
    return queue.ack(lease, body.value("result", Json(nullptr)));
  }
  if (action == "fail") {
    reject_unknown_fields(body, {"token", "error", "retry"});
    return queue.fail(lease, optional_string(body, "error").value_or("failed"),
                      optional_bool(body, "retry").value_or(true));
  }
  if (action == "extend") {
    reject_unknown_fields(body, {"token", "lease"});
    auto found = body.find("lease");
    const Millis lease_ms = found == body.end() ? 60'000 : parse_duration_field(*found, "lease");
    JobQueue::check_lease(lease_ms, "field 'lease'");
    return queue.extend(lease, lease_ms);
  }
  reject_unknown_fields(body, {"token"});
  return queue.release(lease);
}

void lease_action(Call& call) {
  Json body = parse_json_object_body(call.request_body);
  LeaseRef lease{call.match(1), required_string(body, "token")};
  JobQueue queue(call.store, call.shared.clock);
  call.reply_json(200, apply_lease_action(queue, call.match(2), lease, body).to_json());
}

/// The reports of a round, each with the token it names. A result that asks for
/// follow-ups gets its job as stored (the children take its labels and chain); the
/// others need only the id, which spares a read per report. An unknown id is left to
/// the ack to refuse.
std::vector<WorkReport> parse_reports(const Json& body, JobQueue& queue) {
  std::vector<WorkReport> reports;
  auto lines = body.find("reports");
  if (lines == body.end() || lines->is_null()) return reports;
  if (!lines->is_array()) fail(ExitCode::bad_input, "field 'reports' must be an array of reports");
  for (std::size_t index = 0; index < lines->size(); ++index) {
    ReportLine line;
    try {
      line = report_from_json((*lines)[index]);
    } catch (const Error& error) {
      fail(ExitCode::bad_input, "reports[" + std::to_string(index) + "]: " + error.what());
    }
    Job job;
    if (line.outcome.kind == RunOutcome::Kind::done && is_lcp_envelope(line.outcome.result))
      job = queue.find(line.id).value_or(Job{});
    job.id = line.id;
    job.lease_token = line.token;
    reports.push_back({std::move(job), std::move(line.outcome), line.ms});
  }
  return reports;
}

/// POST /v1/work (worker/round_json.hpp): carried out by the StoreBroker a local worker
/// uses, so that chains, retries and stale reports behave the same.
void work_round(Call& call) {
  Json body = parse_json_object_body(call.request_body);
  reject_unknown_fields(body, {"worker", "queue", "kinds", "limit", "lease", "reports"});
  const ClaimRequest claim = parse_claim_request(body, call, 0);
  JobQueue queue(call.store, call.shared.clock);
  std::vector<WorkReport> reports = parse_reports(body, queue);
  StoreBroker broker(call.store, call.shared.clock, {call.shared.settings.chain, call.shared.settings.gates, false});
  Exchange round;
  {
    std::lock_guard lock(call.shared.work_rounds);
    round = broker.exchange(reports, claim);
  }
  const EpochMillis now = call.shared.clock.now();
  for (const auto& job : round.claimed)
    call.shared.counters.claim_latency.observe(now - std::max(job.run_at, job.created_at));
  call.reply(200, round_to_json(round, now));
}

constexpr std::size_t kMostLeases = 100'000;  // in one POST /v1/leases/...

/// The leases a batch names: "leases":[{"id","token"}...].
std::vector<LeaseRef> parse_leases(const Json& body) {
  auto items = body.find("leases");
  if (items == body.end() || !items->is_array())
    fail(ExitCode::bad_input, R"(field 'leases' must be an array of {"id","token"})");
  if (items->size() > kMostLeases)
    fail(ExitCode::bad_input, "at most " + std::to_string(kMostLeases) + " leases in one request");
  std::vector<LeaseRef> leases;
  leases.reserve(items->size());
  for (std::size_t index = 0; index < items->size(); ++index) {
    const Json& item = (*items)[index];
    try {
      if (!item.is_object()) fail(ExitCode::bad_input, R"(expected {"id","token"})");
      reject_unknown_fields(item, {"id", "token"});
      leases.push_back({required_string(item, "id"), required_string(item, "token")});
    } catch (const Error& error) {
      fail(ExitCode::bad_input, "leases[" + std::to_string(index) + "]: " + error.what());
    }
  }
  return leases;
}

/// POST /v1/leases/extend|release: in one transaction; a lease that no longer holds
/// its job (or names none) is refused and changes nothing, the others go through.
void lease_batch(Call& call) {
  const bool extend = call.match(1) == "extend";
  Json body = parse_json_object_body(call.request_body);
  if (extend)
    reject_unknown_fields(body, {"lease", "leases"});
  else
    reject_unknown_fields(body, {"leases"});
  Millis lease_ms = 60'000;
  if (auto found = body.find("lease"); extend && found != body.end()) {
    lease_ms = parse_duration_field(*found, "lease");
    JobQueue::check_lease(lease_ms, "field 'lease'");
  }
  const std::vector<LeaseRef> leases = parse_leases(body);
  JobQueue queue(call.store, call.shared.clock);
  const auto after = queue.each_lease(
      leases, [&](const LeaseRef& lease) { return extend ? queue.extend(lease, lease_ms) : queue.release(lease); });
  Json changed = Json::array(), refused = Json::array();
  for (std::size_t i = 0; i < leases.size(); ++i) {
    if (!after[i])
      refused.push_back(leases[i].id);
    else if (extend)
      changed.push_back({{"id", leases[i].id}, {"lease_until", format_rfc3339(after[i]->lease_until.value_or(0))}});
    else
      changed.push_back(leases[i].id);
  }
  call.reply_json(200, Json{{extend ? "extended" : "released", std::move(changed)}, {"refused", std::move(refused)}});
}

}  // namespace

void add_lease_routes(Router& router) {
  router.post("/v1/claim", Scope::work, claim_jobs);
  router.post("/v1/work", Scope::work, work_round);
  router.post(R"(/v1/leases/(extend|release))", Scope::work, lease_batch);
  router.post(R"(/v1/jobs/([^/]+)/(ack|fail|extend|release))", Scope::work, lease_action);
}

}  // namespace sheratan::serve
