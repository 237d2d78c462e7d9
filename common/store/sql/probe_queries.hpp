#pragma once
// Every SQL statement of the host registry and the probe results (sheratan-probe).
// Columns of a host row, in the order read_host() expects them:
#include <string_view>

namespace sheratan::sql {

#define SHERATAN_HOST_COLUMNS                                                                              \
  "name, url, path, expect_low, expect_high, critical, created_at, status, status_since, latency_ms_ema, " \
  "success_ema, samples, consecutive_failures, consecutive_successes, last_seen, last_probe, last_error, " \
  "cooldown_until, (SELECT json_group_array(json_object('kind', kind, 'cost', cost)) FROM "                \
  "(SELECT kind, cost FROM host_capabilities c WHERE c.host = hosts.name ORDER BY kind))"

inline constexpr std::string_view kUpsertHost =
    "INSERT INTO hosts (name, url, path, expect_low, expect_high, critical, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO UPDATE SET url = excluded.url, "
    "path = excluded.path, expect_low = excluded.expect_low, expect_high = excluded.expect_high, "
    "critical = excluded.critical";
inline constexpr std::string_view kDeleteCapabilities = "DELETE FROM host_capabilities WHERE host = ?1";
inline constexpr std::string_view kInsertCapability =
    "INSERT INTO host_capabilities (host, kind, cost) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view kDeleteHost = "DELETE FROM hosts WHERE name = ?1";
inline constexpr std::string_view kHostByName = "SELECT " SHERATAN_HOST_COLUMNS " FROM hosts WHERE name = ?1";
inline constexpr std::string_view kAllHosts = "SELECT " SHERATAN_HOST_COLUMNS " FROM hosts ORDER BY name";
inline constexpr std::string_view kHostsOffering =
    "SELECT " SHERATAN_HOST_COLUMNS
    ", o.cost FROM host_capabilities o JOIN hosts ON hosts.name = o.host WHERE o.kind = ?1 ORDER BY hosts.name";
inline constexpr std::string_view kUpdateHostStats =
    "UPDATE hosts SET status = ?2, status_since = ?3, latency_ms_ema = ?4, success_ema = ?5, samples = ?6, "
    "consecutive_failures = ?7, consecutive_successes = ?8, last_seen = ?9, last_probe = ?10, last_error = ?11, "
    "cooldown_until = ?12 WHERE name = ?1";
// Jobs a host has in flight: those leased by a worker named as the host.
inline constexpr std::string_view kLeasedByWorker = "SELECT count(*) FROM jobs WHERE status = 'leased' AND worker = ?1";

inline constexpr std::string_view kInsertProbeResult =
    "INSERT INTO probe_results (host, ts, ok, http_status, latency_ms, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
// Retention: keep the newest ?2 results of a host (probe_results_by_host serves both).
inline constexpr std::string_view kTrimProbeResults =
    "DELETE FROM probe_results WHERE host = ?1 AND seq <= "
    "(SELECT seq FROM probe_results WHERE host = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)";
inline constexpr std::string_view kProbeResultsOfHost =
    "SELECT host, ts, ok, http_status, latency_ms, error FROM probe_results WHERE host = ?1 "
    "ORDER BY seq DESC LIMIT ?2";
// The results recorded after seq ?1, oldest first (the event stream's host events).
inline constexpr std::string_view kProbeResultsAfter =
    "SELECT host, ts, ok, http_status, latency_ms, error, seq FROM probe_results WHERE seq > ?1 "
    "ORDER BY seq LIMIT ?2";

}  // namespace sheratan::sql
