#pragma once
// GET /metrics: the store's figures in the Prometheus text format (version 0.0.4),
// every series named sheratan_*. Read in one snapshot of the store.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cli/timestamp.hpp"
#include "store/store.hpp"

namespace sheratan::serve {

/// What the server adds of its own: answers so far as (status, count), held claims.
struct ServerFigures {
  std::vector<std::pair<int, std::uint64_t>> requests;
  std::int64_t claims_waiting = 0;
  std::int64_t event_streams = 0;
  std::string claim_latency;  // the histogram's family, rendered
};

std::string render_metrics(Store& store, const Clock& clock, const ServerFigures& server);

}  // namespace sheratan::serve
