#pragma once
// The five system states and the transitions allowed between them (ORIGIN.md, with
// PAUSED → DEGRADED added). Pure rules, no store: the state machine applies them.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sheratan {

enum class SystemState { operational, degraded, reflective, recovery, paused };

/// "OPERATIONAL", "DEGRADED", ... as stored and printed.
std::string_view to_string(SystemState state);

/// Accepts any letter case ("paused", "PAUSED"); nullopt for anything else.
std::optional<SystemState> parse_system_state(std::string_view text);

/// Like parse_system_state, but throws Error(usage) naming the text and the states.
SystemState require_system_state(std::string_view text);

/// The states a system in `from` may move to, in a fixed order.
const std::vector<SystemState>& allowed_targets(SystemState from);

/// True when from → to is allowed. A same-state request is not a transition.
bool transition_allowed(SystemState from, SystemState to);

/// "OPERATIONAL, DEGRADED, PAUSED" for messages.
std::string join_states(const std::vector<SystemState>& states);

}  // namespace sheratan
