#pragma once
// The names of the worker's built-in actions, apart from the actions themselves: the
// admission gates need to know a kind is built in, and must not drag the actions'
// code (and libcurl with it, for http and llm_call) into every tool that pushes a job.
// action.cpp checks at compile time that its table names the same actions.

#include <algorithm>
#include <iterator>
#include <string_view>

namespace sheratan {

inline constexpr std::string_view kBuiltinActionNames[] = {
    "noop",       "list_files", "walk_tree", "read_file", "read_file_batch",
    "write_file", "patch_file", "http",      "llm_call",  "agent_plan",
};

inline bool is_builtin_action(std::string_view kind) {
  return std::find(std::begin(kBuiltinActionNames), std::end(kBuiltinActionNames), kind) !=
         std::end(kBuiltinActionNames);
}

}  // namespace sheratan
