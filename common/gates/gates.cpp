#include "gates/gates.hpp"

#include <algorithm>

#include "cli/message.hpp"
#include "gates/path_check.hpp"
#include "worker/actions/action_names.hpp"

namespace sheratan {
namespace {

enum class ParamType { string, string_array, array };

struct ParamRule {
  std::string_view kind;
  const char* param;
  ParamType type;
};

// What the built-in actions cannot run without (their own checks, at run time, are
// stricter); caught here so that a job that can only fail never enters the queue.
constexpr ParamRule kRequiredParams[] = {
    {"read_file", "path", ParamType::string},  {"read_file_batch", "paths", ParamType::string_array},
    {"write_file", "path", ParamType::string}, {"write_file", "content", ParamType::string},
    {"patch_file", "path", ParamType::string}, {"patch_file", "ops", ParamType::array},
    {"http", "url", ParamType::string},
};

bool has_type(const Json& value, ParamType type) {
  switch (type) {
    case ParamType::string:
      return value.is_string();
    case ParamType::array:
      return value.is_array();
    case ParamType::string_array:
      return value.is_array() && std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); });
  }
  return false;
}

const char* type_name(ParamType type) {
  switch (type) {
    case ParamType::string:
      return "a string";
    case ParamType::array:
      return "an array";
    case ParamType::string_array:
      return "an array of strings";
  }
  return "?";
}

Finding finding(const char* gate, const char* code, Verdict verdict, std::string field, std::string message) {
  return Finding{gate, code, verdict, std::move(field), std::move(message)};
}

struct PhraseHit {
  const Json* value = nullptr;  // the string it was found in
  const std::string* phrase = nullptr;
};

/// Searches every string inside value, depth first, for the first soft and the first
/// hard phrase; stops at a hard one. Field names are made only for a hit (field_of).
void find_phrases(const Json& value, const PhraseSet& phrases, PhraseHit& soft, PhraseHit& hard) {
  if (value.is_string()) {
    PhraseSet::Found found = phrases.find_in(value.get_ref<const std::string&>());
    if (found.soft && !soft.value) soft = {&value, found.soft};
    if (found.hard) hard = {&value, found.hard};
    return;
  }
  if (value.is_structured())
    for (const auto& child : value) {
      find_phrases(child, phrases, soft, hard);
      if (hard.value) return;
    }
}

/// The name of target inside value, as "params.a[2].b", found by address.
bool field_of(const Json& value, const Json* target, std::string& field) {
  if (&value == target) return true;
  const std::size_t length = field.size();
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      field += "." + it.key();
      if (field_of(it.value(), target, field)) return true;
      field.resize(length);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      field += "[" + std::to_string(i) + "]";
      if (field_of(value[i], target, field)) return true;
      field.resize(length);
    }
  }
  return false;
}

}  // namespace

Gates::Gates(GatePolicy policy)
    : policy_(std::move(policy)),
      followup_kinds_(policy_.followup_kinds),
      kinds_(policy_.kinds),
      forbidden_kinds_(policy_.forbidden_kinds),
      path_params_(policy_.path_params.begin(), policy_.path_params.end()),
      phrases_(policy_.hard_phrases, policy_.soft_phrases) {}

GateReport Gates::judge(const Json& job, JobSource source, const JobDefaults& defaults, EpochMillis now,
                        std::optional<JobSpec>& spec) const {
  GateReport report;
  report.source = source;
  spec.reset();
  if (std::find(policy_.sources.begin(), policy_.sources.end(), source) == policy_.sources.end()) {
    report.add(finding("G0", "source_refused", Verdict::fail, "",
                       "jobs from " + quote(to_string(source)) + " are not admitted (gates.sources)"));
    return report;
  }
  schema(job, defaults, now, spec, report);
  if (report.stopped()) return report;
  const std::string kind_name = normalised_kind(spec->kind);
  source_zone(*spec, kind_name, source, report);
  if (report.stopped()) return report;
  kind(*spec, kind_name, report);
  if (report.stopped()) return report;
  paths(*spec, report);
  if (report.stopped()) return report;
  escalation(*spec, report);
  return report;
}

// G0 (after G1, which it needs for the kind): a follow-up is made from a job's result,
// the original's output zone; unreviewed, it may only be of the kinds the policy allows.
void Gates::source_zone(const JobSpec& spec, const std::string& kind_name, JobSource source, GateReport& report) const {
  if (source == JobSource::followup && !followup_kinds_.contains(kind_name))
    report.add(finding("G0", "followup_kind", Verdict::pause, "kind",
                       "a follow-up of kind " + quote(spec.kind) +
                           " comes from a job's result and needs review (gates.followup_kinds)"));
}

void Gates::schema(const Json& job, const JobDefaults& defaults, EpochMillis now, std::optional<JobSpec>& spec,
                   GateReport& report) const {
  if (!job.is_object()) {
    report.add(finding("G1", "schema", Verdict::fail, "",
                       std::string("a job must be a JSON object, not ") + json_type_name(job)));
    return;
  }
  try {
    spec = parse_job_spec(job, defaults, now);
  } catch (const FieldError& error) {
    report.add(finding("G1", "schema", Verdict::fail, error.field(), error.what()));
    return;
  }
  for (const auto& rule : kRequiredParams) {
    if (rule.kind != spec->kind) continue;
    const std::string field = std::string("params.") + rule.param;
    auto found = spec->params.find(rule.param);
    if (found == spec->params.end() || found->is_null()) {
      report.add(finding("G1", "param_missing", Verdict::fail, field,
                         "field " + quote(field) + " is required by kind " + quote(spec->kind)));
      return;
    }
    if (!has_type(*found, rule.type)) {
      report.add(
          finding("G1", "param_type", Verdict::fail, field,
                  "field " + quote(field) + " must be " + type_name(rule.type) + ", not " + json_type_name(*found)));
      return;
    }
  }
  if (spec->kind == "llm_call" || spec->kind == "agent_plan") {
    const bool prompt = spec->params.contains("prompt") && spec->params["prompt"].is_string();
    const bool messages = spec->params.contains("messages") && spec->params["messages"].is_array();
    if (!prompt && !messages)
      report.add(
          finding("G1", "param_missing", Verdict::fail, "params.prompt",
                  "kind " + quote(spec->kind) + " needs params.prompt (a string) or params.messages (an array)"));
  }
}

void Gates::kind(const JobSpec& spec, const std::string& kind_name, GateReport& report) const {
  if (forbidden_kinds_.contains(kind_name)) {
    report.add(finding("G2", "kind_forbidden", Verdict::pause, "kind",
                       "kind " + quote(spec.kind) + " is forbidden (gates.forbidden_kinds)"));
    return;
  }
  if (!is_builtin_action(spec.kind) && !kinds_.contains(kind_name))
    report.add(finding("G2", "kind_not_allowed", Verdict::fail, "kind",
                       "kind " + quote(spec.kind) +
                           " is neither a built-in action nor in gates.kinds (the kinds of --exec handlers)"));
}

void Gates::paths(const JobSpec& spec, GateReport& report) const {
  // A job has a few params and the policy a dozen path names: look each param up.
  for (auto param = spec.params.begin(); param != spec.params.end(); ++param) {
    if (param->is_null() || !path_params_.count(param.key())) continue;
    const std::string field = "params." + param.key();
    auto check = [&](const std::string& where, const Json& value) {
      if (!value.is_string()) {
        report.add(finding("G3", "path_type", Verdict::fail, where,
                           "field " + quote(where) + " must be a path (a string), not " + json_type_name(value)));
        return false;
      }
      auto problem =
          check_path(value.get_ref<const std::string&>(), policy_.forbidden_paths, policy_.case_insensitive_paths);
      if (problem) report.add(Finding{"G3", problem->code, Verdict::fail, where, problem->message});
      return !problem;
    };
    if (param->is_array()) {
      for (std::size_t i = 0; i < param->size(); ++i)
        if (!check(field + "[" + std::to_string(i) + "]", (*param)[i])) return;
    } else if (!check(field, *param)) {
      return;
    }
  }
}

void Gates::escalation(const JobSpec& spec, GateReport& report) const {
  // The patch-size limit holds whatever the phrases say.
  if (auto ops = spec.params.find("ops");
      ops != spec.params.end() && ops->is_array() && static_cast<std::int64_t>(ops->size()) > policy_.max_patch_ops) {
    report.add(finding("G4", "patch_too_large", Verdict::pause, "params.ops",
                       "a patch of " + std::to_string(ops->size()) + " operations is more than " +
                           std::to_string(policy_.max_patch_ops) + " (gates.max_patch_ops)"));
    return;
  }
  // One pass over every string of params, then labels. A warning goes on record
  // first, beside a pause that follows.
  PhraseHit soft, hard;
  find_phrases(spec.params, phrases_, soft, hard);
  if (!hard.value) find_phrases(spec.labels, phrases_, soft, hard);
  auto name_of = [&](const Json* value) {
    std::string field = "params";
    if (field_of(spec.params, value, field)) return field;
    field = "labels";
    field_of(spec.labels, value, field);
    return field;
  };
  if (soft.value) {
    const std::string field = name_of(soft.value);
    report.add(finding("G4", "soft_phrase", Verdict::warn, field,
                       "field " + quote(field) + " says " + quote(*soft.phrase) + " (gates.soft_phrases)"));
  }
  if (hard.value) {
    const std::string field = name_of(hard.value);
    report.add(finding("G4", "hard_phrase", Verdict::pause, field,
                       "field " + quote(field) + " says " + quote(*hard.phrase) + " (gates.hard_phrases)"));
  }
}

}  // namespace sheratan
