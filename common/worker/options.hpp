#pragma once
// What a worker is told on its command line (and by SHERATAN_* / the config file),
// resolved once in the tool and passed down.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/duration.hpp"

namespace sheratan {

enum class WorkerMode {
  forever,  // until signalled
  drain,    // until nothing is ready, then exit (for cron)
  once,     // wait for one job, run it, exit
};

struct ChainLimits {
  std::int64_t max_depth = 5;  // follow-ups of follow-ups ... at most this deep
  std::int64_t max_jobs = 25;  // follow-ups one chain may enqueue in all
};

/// --identity with --heartbeat-to: signed heartbeats to sheratan-serve.
struct HeartbeatOptions {
  std::string identity_path;
  std::string url;                   // the server's base URL
  std::optional<std::string> token;  // bearer token (scope work)
  std::string host;                  // the name the heartbeats carry
  Millis every_ms = 15'000;
};

struct WorkerOptions {
  std::string id;  // the lease holder's name
  std::string queue = "default";
  std::vector<std::string> kinds;  // empty: any kind (built-ins, or anything with --exec)
  std::int64_t concurrency = 1;
  std::int64_t prefetch = 256;  // most jobs claimed ahead of free slots (see Worker)
  Millis lease_ms = 60'000;
  Millis grace_ms = 30'000;         // after SIGTERM, how long running jobs may finish
  Millis kill_grace_ms = 5'000;     // after SIGTERM to a job's process group, before SIGKILL
  std::string root = ".";           // file actions stay inside
  std::optional<std::string> exec;  // run every job with this command (sh -c)
  WorkerMode mode = WorkerMode::forever;
  bool hold_cost = false;                     // the broker holds a job's cost at claim (StoreBrokerOptions)
  std::optional<HeartbeatOptions> heartbeat;  // send signed heartbeats from the loop
};

}  // namespace sheratan
