#pragma once
// Chains (LCP): a done job whose result is an envelope
//   {"lcp_version":"1","type":"followup_jobs","jobs":[{"kind","params"},...]}
// enqueues child jobs that depend on it; {"lcp_version":"1","type":"final_answer",...}
// closes its chain: the chain's unfinished jobs are canceled and no further follow-up
// is taken.
// A chain's id is labels.chain of its jobs (the root job's own id unless the root
// carries a chain label), so `sheratan-queue ls --chain ID` lists it. Children carry
// labels chain, chain_parent and chain_depth, and the parent's other labels.
// Each child's idempotency key is "lcp:" + SHA-256 of the canonical
// {parent_job_id, kind, params}: the same follow-up from the same parent, asked twice
// (in one result or by a re-run of the parent), is enqueued once.
// Limits: children deeper than max_depth, or past max_jobs follow-ups in one chain,
// are not enqueued, and the chain ends with the reason recorded.
// Follow-ups pass the admission gates with the source "followup": a refused one ends the
// chain (nothing of that result is enqueued, the report is kept under "gate"); a paused
// one is enqueued quarantined and listed under "quarantined".
// What happened is recorded in the parent's result under "chain".

#include <optional>
#include <string>

#include "gates/admission.hpp"
#include "json/jsonl.hpp"
#include "queue/queue.hpp"
#include "worker/options.hpp"

namespace sheratan {

/// "lcp:" + SHA-256 of the canonical {parent_job_id, kind, params}.
std::string followup_key(const std::string& parent_job_id, const std::string& kind, const Json& params);

/// True for an LCP envelope (lcp_version "1" and a type).
bool is_lcp_envelope(const Json& result);

/// Carries out what a done job's result asks of its chain, in the caller's
/// transaction: pushes follow-ups or cancels the rest of a closed chain. Adds the
/// record to result["chain"] and returns it; null when the result is no envelope.
/// Call it before acking the parent, in the same transaction.
Json apply_chain(JobQueue& queue, const Job& parent, Json& result, const ChainLimits& limits, const Gates& gates,
                 EpochMillis now);

}  // namespace sheratan
