#pragma once
// Every SQL statement of signed heartbeats (host_keys) and the audit log (audit_events).
#include <string_view>

namespace sheratan::sql {

#define SHERATAN_HOST_KEY_COLUMNS \
  "host, public_key, fingerprint, pinned_at, last_counter, last_ts, last_seen, last_heartbeat, heartbeats"

inline constexpr std::string_view kHostKeyByHost =
    "SELECT " SHERATAN_HOST_KEY_COLUMNS " FROM host_keys WHERE host = ?1";
inline constexpr std::string_view kAllHostKeys = "SELECT " SHERATAN_HOST_KEY_COLUMNS " FROM host_keys ORDER BY host";
inline constexpr std::string_view kPinHostKey =
    "INSERT INTO host_keys (host, public_key, fingerprint, pinned_at, last_counter, last_ts, last_seen, "
    "last_heartbeat) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4, ?7)";
inline constexpr std::string_view kRecordHeartbeat =
    "UPDATE host_keys SET last_counter = ?2, last_ts = ?3, last_seen = ?4, last_heartbeat = ?5, "
    "heartbeats = heartbeats + 1 WHERE host = ?1";

inline constexpr std::string_view kInsertAuditEvent =
    "INSERT INTO audit_events (ts, kind, subject, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5)";
inline constexpr std::string_view kAuditEventsSince =
    "SELECT seq, ts, kind, subject, actor, detail FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2";

}  // namespace sheratan::sql
