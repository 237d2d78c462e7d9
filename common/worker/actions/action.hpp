#pragma once
// The built-in actions (the original's LCP actions): a table of name → function.
// An action gets the job's params and a context; it returns the result or throws
// ActionFailure, temporary (retried with the job's backoff) or permanent (the job
// is dead at once: bad params, a refused path, a missing file).
// Actions run off the worker's loop (on a thread of their own), so they may block;
// they must look at stop_requested when they wait on the outside world.

#include <atomic>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cli/duration.hpp"
#include "json/jsonl.hpp"
#include "worker/actions/sandbox.hpp"

namespace sheratan {

class ActionFailure : public std::runtime_error {
 public:
  ActionFailure(const std::string& message, bool temporary) : std::runtime_error(message), temporary_(temporary) {}
  bool temporary() const { return temporary_; }

 private:
  bool temporary_;
};

[[noreturn]] inline void refuse(const std::string& message) {
  throw ActionFailure(message, false);
}

struct ActionContext {
  const Sandbox& root;
  const std::atomic<bool>& stop_requested;
  Millis timeout_ms = 300'000;  // the job's timeout: an outside call never waits longer
};

using ActionFunction = Json (*)(const Json& params, const ActionContext& context);

struct ActionSpec {
  std::string_view name;
  ActionFunction run;
  bool blocking;  // false: so quick that it runs on the loop itself (noop)
};

/// The action for a job kind, or nullptr.
const ActionSpec* find_action(std::string_view kind);
std::vector<std::string_view> action_names();

// Reading params, each refusing (permanently) with a message naming the field.
std::string param_string(const Json& params, const char* field);
std::string param_string_or(const Json& params, const char* field, std::string fallback);
std::int64_t param_integer_or(const Json& params, const char* field, std::int64_t fallback, std::int64_t low,
                              std::int64_t high);
bool param_bool_or(const Json& params, const char* field, bool fallback);
/// Refuses params that are not listed, so that a typo is an error, not a default.
void known_params(const Json& params, std::initializer_list<const char*> names);

// The actions themselves, one file each.
Json run_noop(const Json& params, const ActionContext& context);
Json run_list_files(const Json& params, const ActionContext& context);
Json run_walk_tree(const Json& params, const ActionContext& context);
Json run_read_file(const Json& params, const ActionContext& context);
Json run_read_file_batch(const Json& params, const ActionContext& context);
Json run_write_file(const Json& params, const ActionContext& context);
Json run_patch_file(const Json& params, const ActionContext& context);
Json run_http(const Json& params, const ActionContext& context);
Json run_llm_call(const Json& params, const ActionContext& context);
Json run_agent_plan(const Json& params, const ActionContext& context);

}  // namespace sheratan
