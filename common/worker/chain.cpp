#include "worker/chain.hpp"

#include <set>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "json/canonical.hpp"

namespace sheratan {

namespace {

struct ChainState {
  std::string id;
  std::int64_t depth = 0;  // of the parent
  std::int64_t followups = 0;
  std::set<std::string> keys;
  std::optional<std::string> closed_by;  // the job whose final_answer closed it
  std::vector<std::string> unfinished;
};

std::string label_of(const Job& job, const char* name) {
  auto found = job.spec.labels.find(name);
  return found != job.spec.labels.end() && found->is_string() ? found->get<std::string>() : "";
}

ChainState read_chain(JobQueue& queue, const Job& parent) {
  ChainState chain;
  chain.id = label_of(parent, "chain");
  if (chain.id.empty()) chain.id = parent.id;
  std::string depth = label_of(parent, "chain_depth");
  if (!depth.empty() && depth.find_first_not_of("0123456789") == std::string::npos && depth.size() < 10)
    chain.depth = std::stoll(depth);
  ListFilter filter;
  filter.chain = chain.id;
  queue.list(filter, [&](const Job& job) {
    if (!label_of(job, "chain_parent").empty()) ++chain.followups;
    if (job.spec.idempotency_key) chain.keys.insert(*job.spec.idempotency_key);
    if (job.id != parent.id && !is_terminal(job.status)) chain.unfinished.push_back(job.id);
    if (job.status == JobStatus::done && job.result) {
      Json result = Json::parse(*job.result, nullptr, false);
      if (is_lcp_envelope(result) && result["type"] == "final_answer") chain.closed_by = job.id;
    }
  });
  return chain;
}

/// A follow-up as a push line for the gates; throws Error(bad_input) naming what is wrong.
Json followup_job(const Job& parent, const ChainState& chain, const Json& item) {
  if (!item.is_object()) fail(ExitCode::bad_input, std::string("is a ") + json_type_name(item) + ", not an object");
  for (auto it = item.begin(); it != item.end(); ++it)
    if (it.key() != "kind" && it.key() != "params" && it.key() != "priority" && it.key() != "timeout")
      fail(ExitCode::bad_input, "field " + quote(it.key()) + " is unknown (kind, params, priority, timeout)");
  Json spec = item;
  if (!spec.contains("params")) spec["params"] = Json::object();
  Json labels = parent.spec.labels;
  labels["chain"] = chain.id;
  labels["chain_parent"] = parent.id;
  labels["chain_depth"] = std::to_string(chain.depth + 1);
  spec["labels"] = labels;
  spec["queue"] = parent.spec.queue;
  spec["depends_on"] = Json::array({parent.id});
  if (spec.contains("kind") && spec["kind"].is_string() && spec["params"].is_object())
    spec["idempotency_key"] = followup_key(parent.id, spec["kind"].get<std::string>(), spec["params"]);
  return spec;
}

Json enqueue_followups(JobQueue& queue, const Job& parent, const Json& result, const ChainLimits& limits,
                       const Gates& gates, ChainState& chain, EpochMillis now) {
  Json record{{"id", chain.id}, {"depth", chain.depth + 1}, {"enqueued", Json::array()}, {"duplicates", 0}};
  const Json& jobs = result.contains("jobs") ? result["jobs"] : Json();
  if (!jobs.is_array()) {
    record["ended"] = "followup_jobs without a jobs array";
    return record;
  }
  if (chain.closed_by) {
    record["ended"] = "chain closed by the final_answer of job " + *chain.closed_by;
    return record;
  }
  if (chain.depth + 1 > limits.max_depth) {
    record["ended"] = "depth limit " + std::to_string(limits.max_depth) + " reached";
    return record;
  }
  JobDefaults defaults;
  defaults.queue = parent.spec.queue;
  const Admission admission(gates, JobSource::followup, defaults);
  std::vector<PushItem> items;
  std::int64_t dropped = 0;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Admitted admitted;
    try {
      admitted = admission.admit(followup_job(parent, chain, jobs[i]), 0, now);
    } catch (const GateRefusal& refusal) {
      record["ended"] = "follow-up " + std::to_string(i + 1) + ": " + refusal.what();
      record["gate"] = refusal.report();
      return record;  // nothing of a refused request is enqueued
    } catch (const Error& error) {
      record["ended"] = "follow-up " + std::to_string(i + 1) + ": " + error.what();
      return record;  // nothing of a malformed request is enqueued
    }
    if (!chain.keys.insert(*admitted.item.spec.idempotency_key).second) {
      record["duplicates"] = record["duplicates"].get<std::int64_t>() + 1;
    } else if (chain.followups + static_cast<std::int64_t>(items.size()) >= limits.max_jobs) {
      ++dropped;
    } else {
      items.push_back(std::move(admitted.item));
    }
  }
  for (const auto& outcome : queue.push(items, std::nullopt)) {
    if (outcome.duplicate) {
      record["duplicates"] = record["duplicates"].get<std::int64_t>() + 1;
    } else {
      record["enqueued"].push_back(outcome.id);
      if (outcome.status == JobStatus::quarantined) record["quarantined"].push_back(outcome.id);
    }
  }
  if (dropped > 0)
    record["ended"] = "job limit " + std::to_string(limits.max_jobs) + " reached: " + std::to_string(dropped) +
                      " follow-up(s) not enqueued";
  return record;
}

}  // namespace

std::string followup_key(const std::string& parent_job_id, const std::string& kind, const Json& params) {
  return "lcp:" + canonical_hash(Json{{"parent_job_id", parent_job_id}, {"kind", kind}, {"params", params}});
}

bool is_lcp_envelope(const Json& result) {
  return result.is_object() && result.contains("lcp_version") && result["lcp_version"] == "1" &&
         result.contains("type") && result["type"].is_string();
}

Json apply_chain(JobQueue& queue, const Job& parent, Json& result, const ChainLimits& limits, const Gates& gates,
                 EpochMillis now) {
  if (!is_lcp_envelope(result)) return nullptr;
  const std::string type = result["type"].get<std::string>();
  ChainState chain = read_chain(queue, parent);
  Json record;
  if (type == "followup_jobs") {
    record = enqueue_followups(queue, parent, result, limits, gates, chain, now);
  } else if (type == "final_answer") {
    record = Json{{"id", chain.id}, {"closed", true}, {"canceled", Json::array()}};
    for (const auto& id : chain.unfinished) {
      queue.cancel(id, "chain " + chain.id + " closed by the final_answer of job " + parent.id);
      record["canceled"].push_back(id);
    }
  } else {
    record = Json{{"id", chain.id}, {"ended", "unknown envelope type " + quote(type)}};
  }
  result["chain"] = record;
  return record;
}

}  // namespace sheratan
