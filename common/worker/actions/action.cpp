#include "worker/actions/action.hpp"

#include <algorithm>

#include "cli/message.hpp"
#include "worker/actions/action_names.hpp"

namespace sheratan {

namespace {
constexpr ActionSpec kActions[] = {
    {"noop", run_noop, false},
    {"list_files", run_list_files, true},
    {"walk_tree", run_walk_tree, true},
    {"read_file", run_read_file, true},
    {"read_file_batch", run_read_file_batch, true},
    {"write_file", run_write_file, true},
    {"patch_file", run_patch_file, true},
    {"http", run_http, true},
    {"llm_call", run_llm_call, true},
    {"agent_plan", run_agent_plan, true},
};

static_assert(
    [] {
      if (std::size(kActions) != std::size(kBuiltinActionNames)) return false;
      for (std::size_t i = 0; i < std::size(kActions); ++i)
        if (kActions[i].name != kBuiltinActionNames[i]) return false;
      return true;
    }(),
    "kActions and kBuiltinActionNames (action_names.hpp) must name the same actions in the same order");

[[noreturn]] void bad_param(const char* field, const std::string& why) {
  refuse("params." + std::string(field) + " " + why);
}
}  // namespace

const ActionSpec* find_action(std::string_view kind) {
  for (const auto& action : kActions)
    if (action.name == kind) return &action;
  return nullptr;
}

std::vector<std::string_view> action_names() {
  std::vector<std::string_view> names;
  for (const auto& action : kActions)
    names.push_back(action.name);
  return names;
}

std::string param_string(const Json& params, const char* field) {
  auto found = params.find(field);
  if (found == params.end() || found->is_null()) bad_param(field, "is required");
  if (!found->is_string()) bad_param(field, std::string("must be a string, not ") + json_type_name(*found));
  return found->get<std::string>();
}

std::string param_string_or(const Json& params, const char* field, std::string fallback) {
  auto found = params.find(field);
  if (found == params.end() || found->is_null()) return fallback;
  return param_string(params, field);
}

std::int64_t param_integer_or(const Json& params, const char* field, std::int64_t fallback, std::int64_t low,
                              std::int64_t high) {
  auto found = params.find(field);
  if (found == params.end() || found->is_null()) return fallback;
  if (!found->is_number_integer()) bad_param(field, std::string("must be an integer, not ") + json_type_name(*found));
  if (found->is_number_unsigned() && found->get<std::uint64_t>() > static_cast<std::uint64_t>(high))
    bad_param(field, "must be at most " + std::to_string(high));
  auto value = found->get<std::int64_t>();
  if (value < low || value > high)
    bad_param(field, "must be between " + std::to_string(low) + " and " + std::to_string(high));
  return value;
}

bool param_bool_or(const Json& params, const char* field, bool fallback) {
  auto found = params.find(field);
  if (found == params.end() || found->is_null()) return fallback;
  if (!found->is_boolean()) bad_param(field, std::string("must be true or false, not ") + json_type_name(*found));
  return found->get<bool>();
}

void known_params(const Json& params, std::initializer_list<const char*> names) {
  for (auto it = params.begin(); it != params.end(); ++it)
    if (std::none_of(names.begin(), names.end(), [&](const char* name) { return it.key() == name; })) {
      std::string list;
      for (const char* name : names)
        list += (list.empty() ? "" : ", ") + std::string(name);
      refuse("params." + it.key() + " is unknown (" + list + ")");
    }
}

// Takes any params and ignores them: tests and benchmarks push distinct noop jobs.
Json run_noop(const Json&, const ActionContext&) {
  return Json{{"ok", true}};
}

}  // namespace sheratan
