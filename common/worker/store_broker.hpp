#pragma once
// The worker's broker on the store itself: rounds, lease renewals and releases are
// transactions of this process, chains are carried out in the report's transaction,
// and --hold-cost holds and posts job costs in the ledger beside them. sheratan-serve
// runs one for each remote worker's round (POST /v1/work), so that a worker behind
// HTTP reports and claims exactly as a local one does.

#include <deque>
#include <map>

#include "cli/config.hpp"
#include "gates/gates.hpp"
#include "store/store.hpp"
#include "worker/job_broker.hpp"
#include "worker/options.hpp"

namespace sheratan {

struct StoreBrokerOptions {
  ChainLimits chain;
  std::shared_ptr<const Gates> gates;  // follow-ups pass the admission gates
  bool hold_cost = false;              // hold a job's cost at claim, post it at ack (ledger/job_cost.hpp)
};

/// Chain limits from flags, else the config's worker.max_chain_depth and
/// worker.max_chain_jobs, else 5 and 25. sheratan-serve applies its own config's.
ChainLimits chain_limits(const Config& config, std::optional<std::int64_t> max_depth,
                         std::optional<std::int64_t> max_jobs);

class StoreBroker final : public JobBroker {
 public:
  /// Throws Error(usage) for --hold-cost on a ledger replica.
  StoreBroker(Store& store, const Clock& clock, StoreBrokerOptions options);

  Exchange exchange(std::vector<WorkReport>& reports, const ClaimRequest& claim) override;
  std::optional<std::set<std::string>> extend(const std::vector<Job*>& jobs, Millis lease_ms) override;
  std::optional<std::set<std::string>> release(const std::vector<Job*>& jobs) override;
  std::unique_ptr<ChangeWatch> watch(uv_loop_t* loop, std::function<void()> on_change) override;

 private:
  /// Reports and claims in one transaction; the caller has looked (or has reports).
  Exchange report_and_claim(std::vector<WorkReport>& reports, const ClaimRequest& claim);
  /// Claims in the caller's transaction, the system's gate read in it: nothing is
  /// leased after a pause commits.
  void gated_claim(const ClaimRequest& claim, Exchange& round);
  /// JobQueue::each_lease on the jobs' leases: each job after, nullopt where refused;
  /// nullopt in all (after a warning) when the store stayed busy.
  std::optional<std::vector<std::optional<Job>>> on_each_lease(const std::vector<Job*>& jobs,
                                                               const std::function<Job(const LeaseRef&)>& change,
                                                               const char* what);

  // store_broker_report.cpp: results into the store, in batches
  std::vector<WorkEvent> apply_reports(std::vector<WorkReport>& batch);
  std::vector<WorkEvent> apply_one_by_one(std::vector<WorkReport>& batch, Exchange& round);
  static WorkEvent event_for_failure(const WorkReport& report, const Job& after);

  // store_broker_cost.cpp: --hold-cost, inside the claim's and the reports' transactions
  /// Holds the cost of claimed jobs that have one; a job whose cost cannot be held is
  /// failed as temporary and taken out of claimed. Returns the events for those.
  std::vector<WorkEvent> hold_costs(std::vector<Job>& claimed, Millis lease_ms);
  /// Posts the holds of done jobs and voids the others'; returns job id → what it did.
  std::map<std::string, std::string> end_cost_holds(const std::vector<WorkReport>& batch);
  /// Voids the holds of released or lost jobs, in a transaction of its own.
  void void_cost_holds(const std::vector<const Job*>& jobs);
  void require_ledger_writer();

  Store& store_;
  const Clock& clock_;
  StoreBrokerOptions options_;
  JobQueue queue_;
  std::deque<Job> refused_jobs_;  // claimed, but their cost could not be held: until the next round
};

}  // namespace sheratan
