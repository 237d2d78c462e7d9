#pragma once
// A job's cost held while it runs (sheratan-worker --hold-cost). At claim the job's
// cost is held from its payer (labels.payer) for system:operator; at ack the hold is
// posted, and that post is the job's charge; at a failure, a release or a lost lease
// the hold is voided; a hold nobody ends expires by itself.
// Exactly once with settle: settle charges a job only when no hold of it was posted
// (else it only pays the worker), and an ack posts only when the job has not been
// charged by settle meanwhile (else it voids). Both run in write transactions, so
// one of them sees what the other did.
// Each claim holds under its own id, settle:JOB:hold:LEASE-TOKEN, so that a job
// released and claimed again gets a fresh hold.

#include <optional>
#include <string>

#include "ledger/ledger_writer.hpp"
#include "queue/job.hpp"

namespace sheratan::ledger {

struct JobCost {
  std::string payer;
  MoneyUnits amount = 0;
};

/// The cost to hold: a positive cost and a string labels.payer, else nullopt.
std::optional<JobCost> job_cost(const Job& job);

/// The id under which the claim of the job (by its lease token) holds the cost.
std::string cost_hold_id(const Job& job);

/// Holds the job's cost until expires_at. Throws Error as LedgerWriter::apply does:
/// conflict for insufficient funds, failed for an unknown payer.
void hold_job_cost(LedgerWriter& writer, const Job& job, EpochMillis expires_at);

/// At ack: posts the claim's hold (the charge), or voids it when settle has charged
/// the job already. A hold that is not pending any more (it expired) is left alone:
/// settle charges the job as if it had never been held. Returns what it did: "posted",
/// "voided" or "none".
const char* post_job_cost(LedgerWriter& writer, const Job& job);

/// At a failure or release: voids the claim's hold if it is pending.
const char* void_job_cost(LedgerWriter& writer, const Job& job);

}  // namespace sheratan::ledger
