#include "state/system_state.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {

namespace {

constexpr std::array<std::pair<SystemState, std::string_view>, 5> kNames = {{
    {SystemState::operational, "OPERATIONAL"},
    {SystemState::degraded, "DEGRADED"},
    {SystemState::reflective, "REFLECTIVE"},
    {SystemState::recovery, "RECOVERY"},
    {SystemState::paused, "PAUSED"},
}};

}  // namespace

std::string_view to_string(SystemState state) {
  for (const auto& [value, name] : kNames)
    if (value == state) return name;
  return "UNKNOWN";
}

std::optional<SystemState> parse_system_state(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (const auto& [value, name] : kNames)
    if (name == upper) return value;
  return std::nullopt;
}

SystemState require_system_state(std::string_view text) {
  if (auto state = parse_system_state(text)) return *state;
  fail(ExitCode::usage,
       "unknown state " + quote(text) + " (one of OPERATIONAL, DEGRADED, REFLECTIVE, RECOVERY, PAUSED)");
}

const std::vector<SystemState>& allowed_targets(SystemState from) {
  using S = SystemState;
  static const std::vector<S> from_paused = {S::recovery, S::operational, S::degraded};
  static const std::vector<S> from_operational = {S::degraded, S::reflective, S::recovery, S::paused};
  static const std::vector<S> from_degraded = {S::operational, S::reflective, S::recovery, S::paused};
  static const std::vector<S> from_reflective = {S::operational, S::degraded, S::recovery, S::paused};
  static const std::vector<S> from_recovery = {S::operational, S::degraded, S::paused};
  switch (from) {
    case S::paused:
      return from_paused;
    case S::operational:
      return from_operational;
    case S::degraded:
      return from_degraded;
    case S::reflective:
      return from_reflective;
    case S::recovery:
      return from_recovery;
  }
  return from_recovery;
}

bool transition_allowed(SystemState from, SystemState to) {
  const auto& targets = allowed_targets(from);
  return std::find(targets.begin(), targets.end(), to) != targets.end();
}

std::string join_states(const std::vector<SystemState>& states) {
  std::string text;
  for (auto state : states) {
    if (!text.empty()) text += ", ";
    text += to_string(state);
  }
  return text;
}

}  // namespace sheratan
