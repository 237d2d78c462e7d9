#include "gates/policy.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>

#include "cli/error.hpp"
#include "cli/message.hpp"

namespace sheratan {
namespace {

constexpr std::int64_t kPatchOpsCeiling = 50;  // the original's limit; a policy can only lower it

[[noreturn]] void bad_key(const Config& config, const std::string& key, const std::string& why) {
  fail(ExitCode::bad_input, "config " + quote("gates." + key) + " in " + quote(config.source()) + " " + why);
}

std::vector<std::string> string_list(const Config& config, const std::string& key, const Json& value) {
  if (!value.is_array()) bad_key(config, key, "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty())
      bad_key(config, key, "must be an array of non-empty strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

GatePolicy GatePolicy::defaults() {
  GatePolicy policy;
  policy.sources = {JobSource::cli, JobSource::ingest, JobSource::api, JobSource::followup};
  // A follow-up comes from a job's result, which nobody reviewed: unreviewed, it may only read.
  policy.followup_kinds = {"noop", "list_files", "walk_tree", "read_file", "read_file_batch", "llm_call", "agent_plan"};
  policy.forbidden_kinds = {// shell execution
                            "shell", "sh", "bash", "exec", "shell_exec", "run_command", "system", "cmd", "powershell",
                            // deleting trees
                            "delete_tree", "rmtree", "rm_rf", "remove_tree",
                            // registry edits
                            "registry_edit",
                            // self-modification
                            "self_modify", "self_update", "edit_policy", "disable_gates",
                            // executing from output
                            "execute_output", "exec_output", "run_output", "eval"};
  policy.path_params = {"path", "paths", "file",   "files",  "dir",         "directory", "root",
                        "src",  "dst",   "source", "target", "destination", "cwd"};
  policy.forbidden_paths = {".git/", ".env", "build/"};
  policy.hard_phrases = {"ignore policy", "ignore previous instructions", "disable gate", "disable gates",
                         "bypass gates",  "execute from output",          "self modify",  "override safety"};
  policy.soft_phrases = {"bypass", "no confirmation", "without review", "force", "sudo"};
  return policy;  // kind patterns are written normalised already
}

GatePolicy GatePolicy::from_config(const Config& config) {
  GatePolicy policy = defaults();
  if (const Json* gates = config.find("gates")) {
    if (!gates->is_object())
      fail(ExitCode::bad_input, "config 'gates' in " + quote(config.source()) + " must be an object");
    for (auto it = gates->begin(); it != gates->end(); ++it) {
      const std::string& key = it.key();
      const Json& value = it.value();
      if (key == "sources") {
        policy.sources.clear();
        for (const auto& name : string_list(config, key, value)) {
          try {
            policy.sources.push_back(parse_job_source(name));
          } catch (const Error& error) {
            bad_key(config, key, error.what());
          }
        }
      } else if (key == "followup_kinds") {
        policy.followup_kinds = string_list(config, key, value);
      } else if (key == "kinds") {
        policy.kinds = string_list(config, key, value);
      } else if (key == "forbidden_kinds") {
        policy.forbidden_kinds = string_list(config, key, value);
      } else if (key == "path_params") {
        policy.path_params = string_list(config, key, value);
      } else if (key == "forbidden_paths") {
        policy.forbidden_paths = string_list(config, key, value);
      } else if (key == "case_insensitive_paths") {
        if (!value.is_boolean()) bad_key(config, key, "must be true or false");
        policy.case_insensitive_paths = value.get<bool>();
      } else if (key == "hard_phrases") {
        policy.hard_phrases = string_list(config, key, value);
      } else if (key == "soft_phrases") {
        policy.soft_phrases = string_list(config, key, value);
      } else if (key == "max_patch_ops") {
        if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > kPatchOpsCeiling)
          bad_key(config, key, "must be an integer from 0 to " + std::to_string(kPatchOpsCeiling));
        policy.max_patch_ops = value.get<std::int64_t>();
      } else if (key == "reviewer") {
        if (!value.is_string() || value.get_ref<const std::string&>().empty())
          bad_key(config, key, "must be a command (a non-empty string)");
        policy.reviewer = value.get<std::string>();
      } else {
        bad_key(config, key,
                "is unknown (sources, followup_kinds, kinds, forbidden_kinds, path_params, forbidden_paths, "
                "case_insensitive_paths, hard_phrases, soft_phrases, max_patch_ops, reviewer)");
      }
    }
  }
  if (const char* kinds = std::getenv("SHERATAN_GATES_KINDS"); kinds && *kinds) policy.kinds = comma_list(kinds);
  for (auto* patterns : {&policy.followup_kinds, &policy.kinds, &policy.forbidden_kinds})
    for (auto& pattern : *patterns)
      pattern = normalised_kind(pattern);
  return policy;
}

std::string normalised_kind(std::string_view kind) {
  std::string out(kind);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '-' || c == '.' || c == ' ') c = '_';
  }
  return out;
}

KindSet::KindSet(const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    if (pattern.find_first_of("*?[") == std::string::npos)
      names_.insert(pattern);
    else
      globs_.push_back(pattern);
  }
}

bool KindSet::contains(const std::string& normalised) const {
  if (names_.count(normalised)) return true;
  return std::any_of(globs_.begin(), globs_.end(), [&](const std::string& pattern) {
    return fnmatch(pattern.c_str(), normalised.c_str(), FNM_NOESCAPE) == 0;
  });
}

}  // namespace sheratan
