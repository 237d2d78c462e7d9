#pragma once
// Every SQL statement of the system state machine (sheratan-state) and of the facts it
// derives a verdict from. The current state is the next_state of the latest event.
#include <string_view>

namespace sheratan::sql {

#define SHERATAN_STATE_EVENT_COLUMNS "seq, ts, prev_state, next_state, reason, actor, meta"

inline constexpr std::string_view kLatestStateEvent =
    "SELECT " SHERATAN_STATE_EVENT_COLUMNS " FROM state_events ORDER BY seq DESC LIMIT 1";
// The latest event that changed the state (no-ops do not): the transition that made
// the state what it is, and its ts when the state began.
inline constexpr std::string_view kLatestStateChange =
    "SELECT " SHERATAN_STATE_EVENT_COLUMNS
    " FROM state_events WHERE prev_state IS NULL OR prev_state <> next_state ORDER BY seq DESC LIMIT 1";
inline constexpr std::string_view kInsertStateEvent =
    "INSERT INTO state_events (ts, prev_state, next_state, reason, actor, meta) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "RETURNING " SHERATAN_STATE_EVENT_COLUMNS;
inline constexpr std::string_view kStateEventsAfter =
    "SELECT " SHERATAN_STATE_EVENT_COLUMNS " FROM state_events WHERE seq > ?1 ORDER BY seq LIMIT ?2";
inline constexpr std::string_view kLastStateEventSeq = "SELECT coalesce(max(seq), 0) FROM state_events";
// History: the last ?2 events at or after ?1, oldest first.
inline constexpr std::string_view kStateHistory =
    "SELECT * FROM (SELECT " SHERATAN_STATE_EVENT_COLUMNS
    " FROM state_events WHERE ts >= ?1 ORDER BY seq DESC LIMIT ?2) ORDER BY seq";

// Facts for eval and reflect. jobs_finished serves the dead count, jobs_ready the age.
inline constexpr std::string_view kDeadJobsSince =
    "SELECT count(*) FROM jobs WHERE finished_at >= ?1 AND status = 'dead'";
inline constexpr std::string_view kOldestReadyRunAt = "SELECT min(run_at) FROM jobs WHERE status = 'ready'";
inline constexpr std::string_view kHostStatusCounts = "SELECT status, critical, name FROM hosts ORDER BY name";
inline constexpr std::string_view kQuickCheck = "PRAGMA quick_check";

}  // namespace sheratan::sql
