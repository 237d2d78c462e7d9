// POST /v1/heartbeat: signed heartbeats from hosts (scope work), and GET /v1/audit:
// the audit log that refused heartbeats are written to (scope admin).
// Answers: 200 {"host","verdict":"accepted"|"pinned","fingerprint","counter"};
// 400 malformed; 401 bad_signature or key_mismatch (an impostor, or a host whose key
// changed: an operator unpins it); 409 stale or replay (authentic but not current:
// the sender's clock, or a copy sent again).
#include "identity/heartbeat_book.hpp"
#include "serve/http_error.hpp"
#include "serve/query_params.hpp"
#include "serve/request_body.hpp"
#include "serve/router.hpp"

namespace sheratan::serve {

namespace {

void receive_heartbeat(Call& call) {
  Heartbeat heartbeat = parse_heartbeat(parse_json_object_body(call.request_body));
  HeartbeatBook book(call.store, call.shared.clock);
  HeartbeatOutcome outcome = book.receive(heartbeat, call.shared.settings.heartbeat_window_ms, call.caller.name);
  if (!outcome.ok()) {
    const bool forged =
        outcome.verdict == HeartbeatVerdict::bad_signature || outcome.verdict == HeartbeatVerdict::key_mismatch;
    throw HttpError(forged ? 401 : 409, std::string(to_string(outcome.verdict)), outcome.message);
  }
  call.reply_json(200, Json{{"host", heartbeat.fields.host},
                            {"verdict", std::string(to_string(outcome.verdict))},
                            {"fingerprint", key_fingerprint(heartbeat.public_key)},
                            {"counter", heartbeat.fields.counter}});
}

void audit_log(Call& call) {
  auto after = query_integer(call.request, "after", 0, std::int64_t{1} << 62).value_or(0);
  auto limit = query_integer(call.request, "limit", 1, 100'000).value_or(1000);
  HeartbeatBook book(call.store, call.shared.clock);
  std::vector<std::string> records;
  for (const auto& event : book.audit(after, limit))
    records.push_back(event.to_json().dump());
  call.reply_lines(records);
}

}  // namespace

void add_heartbeat_routes(Router& router) {
  router.post("/v1/heartbeat", Scope::work, receive_heartbeat);
  router.get("/v1/audit", Scope::admin, audit_log);
}

}  // namespace sheratan::serve
