#pragma once
// The durable job queue on the shared store. Every method is one transaction (or joins
// the caller's, so that a batch of acks commits once); every status change writes a
// job event in the same transaction.
// Promises: a job is leased to one worker at a time; a lease token that is wrong or has
// run out changes nothing; a job with dependencies becomes ready only when all of them
// are done, and is blocked when one ends dead or canceled.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "queue/job.hpp"
#include "store/store.hpp"
#include "store/wakeup.hpp"

namespace sheratan {

/// A job to push, as an entry point admitted it (see gates/admission.hpp): the queue
/// writes what the gates decided and does not judge again.
struct PushItem {
  PushItem() = default;
  PushItem(JobSpec job, std::size_t input_line = 0) : spec(std::move(job)), line(input_line) {}

  JobSpec spec;
  std::size_t line = 0;  // input line, for messages; 0 when from flags
  JobSource source = JobSource::cli;
  bool quarantine = false;                 // the gates paused it: admitted as quarantined
  std::optional<std::string> gate_report;  // JSON text, kept on the job (WARN or PAUSE)
};

struct PushOutcome {
  std::string id;
  JobStatus status;
  bool duplicate = false;
  Json to_json() const;
};

struct ClaimRequest {
  std::string worker;
  std::string queue = "default";
  std::vector<std::string> kinds;  // empty: any kind
  std::int64_t limit = 1;
  Millis lease_ms = 60'000;
};

struct LeaseRef {
  std::string id;
  std::string token;
};

/// The lease a claimed job was handed (its id and fencing token).
inline LeaseRef lease_of(const Job& job) {
  return {job.id, job.lease_token.value_or("")};
}

struct AckRequest {
  LeaseRef lease;
  Json result;
  std::size_t line = 0;  // input line, for messages; 0 when from flags
};

struct QueueStats {
  struct Row {
    std::string queue;
    std::string status;
    std::int64_t count;
  };
  std::vector<Row> counts;
  std::vector<std::pair<std::string, Millis>> oldest_ready_age;  // per queue
  Json to_json() const;
};

struct ListFilter {
  std::optional<JobStatus> status;
  std::optional<std::string> queue;
  std::optional<std::string> kind;
  std::vector<std::pair<std::string, std::string>> labels;  // key=value, all must match
  std::optional<std::string> chain;
  std::optional<std::int64_t> limit;
};

struct ReapCounts {
  std::int64_t ready = 0;
  std::int64_t dead = 0;
};

class JobQueue {
 public:
  JobQueue(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  /// Pushes jobs in one transaction. A job whose idempotency key exists with the same
  /// payload is reported as a duplicate; with a different payload it is a conflict
  /// (exit 3) and nothing of the batch is written. max_depth, when set, refuses the
  /// batch (exit 5) if it would take a queue past that many unfinished jobs.
  /// `at` is the moment of the push (default: the clock's now); pass the moment the
  /// specs were parsed with, so that a delay counts from the job's created_at.
  std::vector<PushOutcome> push(const std::vector<PushItem>& items, std::optional<std::int64_t> max_depth,
                                std::optional<EpochMillis> at = std::nullopt);

  /// Leases up to limit ready jobs, highest priority first, then oldest. Reaps expired
  /// leases and promotes due pending jobs first.
  std::vector<Job> claim(const ClaimRequest& request);

  /// Whether a claim could lease something now, and else when to look again.
  WaitCheck claimable(const ClaimRequest& request);

  /// Compiles the statements a claim of up to request.limit jobs runs, so that a claim
  /// that waits spends its wake-up leasing, not preparing SQL (a few hundred µs).
  void prepare_claim(const ClaimRequest& request);

  /// Lease operations; each throws Error(conflict) for a wrong or expired token and
  /// Error(failed) when the job does not exist.
  Job ack(const LeaseRef& lease, const Json& result);
  /// Acks many jobs in one transaction (a few UPDATEs for the batch); all or nothing.
  /// Returns the jobs in request order, or nothing with AckReply::none: a caller that
  /// prints no jobs (a worker) then spares reading each one whole.
  enum class AckReply { jobs, none };
  std::vector<Job> ack_all(const std::vector<AckRequest>& acks, AckReply reply = AckReply::jobs);
  Job fail(const LeaseRef& lease, const std::string& error, bool retry);
  Job extend(const LeaseRef& lease, Millis lease_ms);
  /// Throws Error(bad input) naming source ("--lease", "field 'lease'") unless the lease
  /// is longer than 0: claim and extend check it too, callers to name it.
  static void check_lease(Millis lease_ms, std::string_view source);
  Job release(const LeaseRef& lease);
  /// Runs change (extend or release) on each lease in one transaction. A lease the
  /// queue refuses (Error conflict or failed: a stale token, an unknown job) changes
  /// nothing and gets nullopt, while the others go through; any other error (a busy
  /// store) throws and nothing lands.
  std::vector<std::optional<Job>> each_lease(const std::vector<LeaseRef>& leases,
                                             const std::function<Job(const LeaseRef&)>& change);

  Job cancel(const std::string& id, const std::string& reason);
  /// Decides on quarantined jobs, all or none in one transaction: approve makes each
  /// ready (or pending or blocked, as its run time and dependencies say), reject cancels
  /// it and blocks its dependents. The decision is added to the job's report under
  /// "review" and recorded in its events. Error(failed) for an unknown id,
  /// Error(conflict) for a job that is not quarantined.
  std::vector<Job> review(const std::vector<std::string>& ids, bool approve, const std::string& reason,
                          const std::string& actor);
  Job retry(const std::string& id);
  ReapCounts reap();
  std::int64_t purge(Millis older_than);

  /// Streams jobs matching the filter, oldest first, without holding them all in memory.
  void list(const ListFilter& filter, const std::function<void(const Job&)>& emit);
  /// The job, or nullopt.
  std::optional<Job> find(const std::string& id);
  std::vector<JobEvent> events_of(const std::string& id);
  std::vector<JobEvent> events_after(std::int64_t event_id, std::int64_t limit);
  std::int64_t last_event_seq();
  QueueStats stats();

  /// Backoff before attempt n+1 after n failed attempts: backoff · 2^(n−1), capped.
  static Millis backoff_delay(Millis backoff, Millis backoff_max, std::int64_t failed_attempts);

 private:
  struct NewJob;
  /// Counts one new job of the push into its queue's depth (read from the store at the
  /// queue's first); throws Error(unavailable) when the queue holds max_depth already.
  void count_toward_depth(const std::string& queue, std::int64_t max_depth,
                          std::map<std::string, std::int64_t>& depths);
  PushOutcome admit(const PushItem& item, EpochMillis now, std::int64_t& next_seq, std::vector<NewJob>& fresh,
                    std::unordered_map<std::string_view, std::size_t>& fresh_by_key);
  void write_new_jobs(const std::vector<NewJob>& fresh, EpochMillis now);
  void record_event(std::int64_t job_seq, EpochMillis now, std::optional<std::string_view> from, std::string_view to,
                    const std::optional<std::string>& worker, const std::optional<std::string>& detail);
  /// The lease columns of a job, read once per lease operation.
  struct LeaseHolder {
    std::int64_t seq = 0;
    std::string status, token, result_hash;
    EpochMillis lease_until = 0;
    std::int64_t attempts = 0, max_attempts = 0;
    Millis backoff_ms = 0, backoff_max_ms = 0;
    std::optional<std::string> worker;
    /// Throws Error(conflict) unless the job is leased, to this token, until later than now.
    void require_live(const LeaseRef& lease, EpochMillis now) const;
  };
  LeaseHolder lease_holder(const LeaseRef& lease);
  static LeaseHolder read_lease_holder(const Statement& row);
  Job job_by_seq(std::int64_t seq);
  /// Each returns how many jobs it changed, at most limit.
  std::size_t reap_expired(EpochMillis now, std::int64_t limit, ReapCounts* counts);
  std::size_t promote_due(EpochMillis now, std::int64_t limit);
  void on_done(const std::vector<std::int64_t>& done, EpochMillis now);
  /// Throws unless the events just inserted, `count` in one transaction, took the seqs
  /// first, first + 1, ... that their jobs' last_event were set to.
  void check_event_seqs(std::int64_t first, std::size_t count);
  void block_dependents(std::int64_t seq, EpochMillis now);
  void unblock_dependents(std::int64_t seq, EpochMillis now);
  JobStatus status_from_dependencies(std::int64_t seq, std::int64_t waiting_deps, EpochMillis run_at, EpochMillis now);

  Store& store_;
  const Clock& clock_;
};

}  // namespace sheratan
