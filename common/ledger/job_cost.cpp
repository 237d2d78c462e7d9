#include "ledger/job_cost.hpp"

#include <algorithm>

namespace sheratan::ledger {

std::optional<JobCost> job_cost(const Job& job) {
  if (!job.spec.cost || *job.spec.cost <= 0) return std::nullopt;
  auto payer = job.spec.labels.find("payer");
  if (payer == job.spec.labels.end() || !payer->is_string()) return std::nullopt;
  return JobCost{payer->get<std::string>(), *job.spec.cost};
}

std::string cost_hold_id(const Job& job) {
  return cost_hold_prefix(job.id) + job.lease_token.value_or("");
}

void hold_job_cost(LedgerWriter& writer, const Job& job, EpochMillis expires_at) {
  auto cost = job_cost(job);
  if (!cost) return;
  Operation hold;
  hold.op = OpType::hold;
  hold.id = cost_hold_id(job);
  hold.from = cost->payer;
  hold.to = std::string(kOperator);
  hold.amount = cost->amount;
  hold.reason = "job cost";
  hold.job = job.id;
  hold.expires_ms = std::max<EpochMillis>(expires_at - writer.now(), 1);
  writer.apply_reserved(hold);
}

namespace {

/// The claim's hold, when it is pending.
bool pending_hold(LedgerWriter& writer, const std::string& id) {
  const HoldState* hold = writer.state().hold(id);
  return hold && hold->status == HoldStatus::pending;
}

const char* end_hold(LedgerWriter& writer, const std::string& id, OpType how) {
  Operation end;
  end.op = how;
  end.id = id;
  writer.apply(end);
  return how == OpType::post ? "posted" : "voided";
}

}  // namespace

const char* post_job_cost(LedgerWriter& writer, const Job& job) {
  const std::string id = cost_hold_id(job);
  if (!job_cost(job) || !pending_hold(writer, id)) return "none";
  return end_hold(writer, id, writer.job_charge(job.id) ? OpType::void_hold : OpType::post);
}

const char* void_job_cost(LedgerWriter& writer, const Job& job) {
  const std::string id = cost_hold_id(job);
  if (!job_cost(job) || !pending_hold(writer, id)) return "none";
  return end_hold(writer, id, OpType::void_hold);
}

}  // namespace sheratan::ledger
