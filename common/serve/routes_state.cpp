// GET /v1/state, POST /v1/state, GET /v1/state/history: the state machine over HTTP.
#include "cli/error.hpp"
#include "serve/body_fields.hpp"
#include "serve/http_error.hpp"
#include "serve/query_params.hpp"
#include "serve/request_body.hpp"
#include "serve/router.hpp"
#include "state/state_machine.hpp"

namespace sheratan::serve {

namespace {

void get_state(Call& call) {
  StateMachine machine(call.store, call.shared.clock);
  auto [last, since] = call.store.read([&] { return std::pair{machine.latest(), machine.since()}; });
  const Millis duration = std::max<Millis>(0, call.shared.clock.now() - since);
  call.reply_json(200, Json{{"state", std::string(to_string(last.next))},
                            {"since", format_rfc3339(since)},
                            {"duration_ms", duration},
                            {"duration", format_duration(duration)},
                            {"last", last.to_json()}});
}

void set_state(Call& call) {
  Json body = parse_json_object_body(call.request_body);
  reject_unknown_fields(body, {"state", "reason", "actor", "meta"});
  TransitionRequest request;
  request.to = require_system_state(required_string(body, "state"));
  request.reason = required_string(body, "reason");
  // Checked here as fields: StateMachine's own messages name sheratan-state's flags.
  if (request.reason.find_first_not_of(" \t\r\n") == std::string::npos)
    throw HttpError(400, "bad_request", "field 'reason' must not be empty: say why the state changes");
  request.actor = optional_string(body, "actor").value_or("api:" + call.caller.name);
  if (auto meta = body.find("meta"); meta != body.end() && !meta->is_null()) {
    if (!meta->is_object()) throw HttpError(400, "bad_request", "field 'meta' must be a JSON object");
    request.meta = *meta;
  }
  StateMachine machine(call.store, call.shared.clock);
  call.reply_json(200, machine.transition(request).to_json());
}

void state_history(Call& call) {
  auto limit = query_integer(call.request, "limit", 1, std::int64_t{1} << 40);
  auto since = query_text(call.request, "since");
  StateMachine machine(call.store, call.shared.clock);
  std::vector<std::string> records;
  for (const auto& event : machine.history(limit, since ? parse_rfc3339(*since) : 0))
    records.push_back(event.to_json().dump());
  call.reply_lines(records);
}

}  // namespace

void add_state_routes(Router& router) {
  router.get("/v1/state", Scope::read, get_state);
  router.post("/v1/state", Scope::admin, set_state);
  router.get("/v1/state/history", Scope::read, state_history);
}

}  // namespace sheratan::serve
