#include "state/state_machine.hpp"

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "store/sql/state_queries.hpp"

namespace sheratan {

namespace {

SystemState stored_state(std::string_view text) {
  if (auto state = parse_system_state(text)) return *state;
  fail(ExitCode::failed, "the store holds an unknown system state " + quote(text));
}

StateEvent read_event(const Statement& row) {
  StateEvent event;
  event.id = row.integer(0);
  event.ts = row.integer(1);
  if (!row.is_null(2)) event.prev = stored_state(row.text_view(2));
  event.next = stored_state(row.text_view(3));
  event.reason = row.text(4);
  event.actor = row.text(5);
  event.meta = Json::parse(row.text_view(6), nullptr, false);
  if (event.meta.is_discarded()) event.meta = Json::object();
  return event;
}

bool blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

Json StateEvent::to_json() const {
  return Json{{"id", id},
              {"ts", format_rfc3339(ts)},
              {"prev_state", prev ? Json(std::string(to_string(*prev))) : Json(nullptr)},
              {"next_state", std::string(to_string(next))},
              {"reason", reason},
              {"actor", actor},
              {"meta", meta},
              {"noop", noop()}};
}

StateEvent StateMachine::latest() {
  return store_.read([&] {
    auto row = store_.use(sql::kLatestStateEvent);
    if (!row.step()) fail(ExitCode::failed, "the store has no system state (state_events is empty)");
    return read_event(row);
  });
}

StateEvent StateMachine::latest_change() {
  return store_.read([&] {
    auto row = store_.use(sql::kLatestStateChange);
    if (!row.step()) fail(ExitCode::failed, "the store has no system state (state_events is empty)");
    return read_event(row);
  });
}

EpochMillis StateMachine::since() {
  return store_.read([&] {
    auto row = store_.use(sql::kLatestStateChange);
    return row.step() ? read_event(row).ts : EpochMillis{0};
  });
}

StateEvent StateMachine::transition(const TransitionRequest& request) {
  if (blank(request.reason)) fail(ExitCode::usage, "--reason must not be empty: say why the state changes");
  if (!request.meta.is_object()) fail(ExitCode::bad_input, "--meta must be a JSON object");
  return store_.write([&] {
    const SystemState from = latest().next;
    if (request.expect_from && *request.expect_from != from)
      fail(ExitCode::conflict, "the state changed to " + std::string(to_string(from)) + " meanwhile (expected " +
                                   std::string(to_string(*request.expect_from)) + "): nothing recorded");
    if (from != request.to && !transition_allowed(from, request.to))
      fail(ExitCode::conflict, "cannot go from " + std::string(to_string(from)) + " to " +
                                   std::string(to_string(request.to)) +
                                   " (allowed: " + join_states(allowed_targets(from)) + ")");
    auto row = store_.use(sql::kInsertStateEvent);
    row.bind(1, clock_.now())
        .bind(2, to_string(from))
        .bind(3, to_string(request.to))
        .bind(4, request.reason)
        .bind(5, request.actor)
        .bind(6, request.meta.dump());
    if (!row.step()) fail(ExitCode::failed, "recording the state event returned nothing");
    StateEvent event = read_event(row);
    row.reset();
    return event;
  });
}

std::vector<StateEvent> StateMachine::history(std::optional<std::int64_t> limit, EpochMillis since_ms) {
  return store_.read([&] {
    std::vector<StateEvent> events;
    auto rows = store_.use(sql::kStateHistory);
    rows.bind(1, since_ms).bind(2, limit.value_or(-1));
    while (rows.step())
      events.push_back(read_event(rows));
    return events;
  });
}

std::vector<StateEvent> StateMachine::events_after(std::int64_t after_id, std::int64_t limit) {
  return store_.read([&] {
    std::vector<StateEvent> events;
    auto rows = store_.use(sql::kStateEventsAfter);
    rows.bind(1, after_id).bind(2, limit);
    while (rows.step())
      events.push_back(read_event(rows));
    return events;
  });
}

std::int64_t StateMachine::last_event_id() {
  return store_.read([&] {
    auto row = store_.use(sql::kLastStateEventSeq);
    row.step();
    return row.integer(0);
  });
}

bool system_paused(Store& store) {
  return store.read([&] {
    auto row = store.use(sql::kLatestStateEvent);
    return row.step() && row.text_view(3) == "PAUSED";
  });
}

}  // namespace sheratan
