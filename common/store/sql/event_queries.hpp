#pragma once
// SQL of sheratan-serve's event stream: where each kind of event stands now, so that a
// stream without a cursor starts with what is recorded next.

#include <string_view>

namespace sheratan::sql {

inline constexpr std::string_view kEventCursorNow =
    "SELECT (SELECT COALESCE(MAX(seq), 0) FROM job_events), (SELECT COALESCE(MAX(seq), 0) FROM state_events), "
    "(SELECT COALESCE(MAX(seq), 0) FROM probe_results), (SELECT COALESCE(MAX(seq), 0) FROM ledger_journal)";

}  // namespace sheratan::sql
