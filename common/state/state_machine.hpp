#pragma once
// The system state in the store: every transition is an event in state_events, and the
// current state is the next_state of the latest one. Transitions are checked against
// the rules in system_state.hpp inside the write transaction that records them, so two
// processes racing to change the state cannot both pass the check on a stale state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/timestamp.hpp"
#include "json/jsonl.hpp"
#include "state/system_state.hpp"
#include "store/store.hpp"

namespace sheratan {

struct StateEvent {
  std::int64_t id = 0;
  EpochMillis ts = 0;
  std::optional<SystemState> prev;  // none for the store's first event
  SystemState next = SystemState::operational;
  std::string reason;
  std::string actor;
  Json meta = Json::object();

  bool noop() const { return prev && *prev == next; }
  Json to_json() const;
};

struct TransitionRequest {
  SystemState to = SystemState::operational;
  std::string reason;
  std::string actor;
  Json meta = Json::object();
  /// When set, the transition is made only if the state is still this one, else
  /// Error(conflict): a flow (reflect) must not undo an operator's change.
  std::optional<SystemState> expect_from;
};

class StateMachine {
 public:
  StateMachine(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  /// The latest event (the store always has one: migrations record the first).
  StateEvent latest();
  /// The latest event that changed the state, skipping no-ops: the transition that made
  /// the state what it is.
  StateEvent latest_change();
  SystemState current() { return latest().next; }
  /// When the current state began: the last event that changed the state.
  EpochMillis since();

  /// Records a transition. Throws Error(usage) for an empty reason, Error(bad_input)
  /// for meta that is not an object, Error(conflict) for a pair the rules forbid
  /// (naming the allowed targets) or an expect_from that no longer holds. A request
  /// for the current state is recorded as a no-op event.
  StateEvent transition(const TransitionRequest& request);

  /// The last `limit` events at or after `since_ms`, oldest first.
  std::vector<StateEvent> history(std::optional<std::int64_t> limit, EpochMillis since_ms);
  std::vector<StateEvent> events_after(std::int64_t after_id, std::int64_t limit);
  std::int64_t last_event_id();

 private:
  Store& store_;
  const Clock& clock_;
};

/// True while the system is PAUSED: the gate of claims. Joins an open transaction.
bool system_paused(Store& store);

}  // namespace sheratan
