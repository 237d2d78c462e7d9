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

/// The metrics text; requests are the server's answers so far as (status, count).
std::string render_metrics(Store& store, const Clock& clock,
                           const std::vector<std::pair<int, std::uint64_t>>& requests);

}  // namespace sheratan::serve
