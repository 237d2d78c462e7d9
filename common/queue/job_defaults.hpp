#pragma once
// The job defaults an entry point takes from the config (queue.default or
// SHERATAN_QUEUE, queue.max_attempts, queue.timeout), checked as a job's own fields.

#include "cli/config.hpp"
#include "queue/job.hpp"

namespace sheratan {

/// Throws Error(bad_input) naming the config file for a value a job could not have.
JobDefaults job_defaults_from(const Config& config);

}  // namespace sheratan
