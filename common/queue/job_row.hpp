#pragma once
// Turning store rows into Job and JobEvent values (columns as in queue_queries.hpp).

#include "queue/job.hpp"
#include "store/store.hpp"

namespace sheratan {

/// Reads a job from a statement whose row starts with sql::kJobColumns at column `first`.
Job read_job(const Statement& row, int first = 0);
JobEvent read_event(const Statement& row);

}  // namespace sheratan
