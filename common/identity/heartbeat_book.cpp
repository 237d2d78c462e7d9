#include "identity/heartbeat_book.hpp"

#include "cli/message.hpp"
#include "store/sql/heartbeat_queries.hpp"

namespace sheratan {

std::string_view to_string(HeartbeatVerdict verdict) {
  switch (verdict) {
    case HeartbeatVerdict::accepted:
      return "accepted";
    case HeartbeatVerdict::pinned:
      return "pinned";
    case HeartbeatVerdict::bad_signature:
      return "bad_signature";
    case HeartbeatVerdict::key_mismatch:
      return "key_mismatch";
    case HeartbeatVerdict::stale:
      return "stale";
    case HeartbeatVerdict::replay:
      return "replay";
  }
  return "unknown";
}

namespace {

HostKey read_host_key(const Statement& row) {
  HostKey key;
  key.host = row.text(0);
  key.public_key = row.text(1);
  key.fingerprint = row.text(2);
  key.pinned_at = row.integer(3);
  key.last_counter = row.integer(4);
  key.last_ts = row.integer(5);
  key.last_seen = row.integer(6);
  key.last_heartbeat = Json::parse(row.text(7));
  key.heartbeats = row.integer(8);
  return key;
}

}  // namespace

Json HostKey::to_json() const {
  Json out{{"fingerprint", fingerprint},
           {"public_key", public_key},
           {"pinned_at", format_rfc3339(pinned_at)},
           {"last_ts", format_rfc3339(last_ts)},
           {"last_seen", format_rfc3339(last_seen)},
           {"counter", last_counter},
           {"heartbeats", heartbeats}};
  if (auto it = last_heartbeat.find("status"); it != last_heartbeat.end()) out["status"] = *it;
  if (auto it = last_heartbeat.find("facts"); it != last_heartbeat.end()) out["facts"] = *it;
  return out;
}

Json AuditEvent::to_json() const {
  return Json{{"seq", seq},
              {"ts", format_rfc3339(ts)},
              {"kind", kind},
              {"subject", subject ? Json(*subject) : Json()},
              {"actor", actor ? Json(*actor) : Json()},
              {"detail", detail}};
}

HeartbeatOutcome HeartbeatBook::receive(const Heartbeat& heartbeat, Millis window_ms, const std::string& caller) {
  // The signature is checked outside the write transaction: it needs no store and
  // holding the write lock for it would slow every other writer.
  const bool signed_ok = verify_heartbeat(heartbeat);
  const auto& fields = heartbeat.fields;
  const std::string fingerprint = key_fingerprint(heartbeat.public_key);
  return store_.write([&] {
    const EpochMillis now = clock_.now();
    std::optional<HostKey> pinned;
    {
      auto row = store_.use(sql::kHostKeyByHost);
      row.bind(1, fields.host);
      if (row.step()) pinned = read_host_key(row);
    }
    HeartbeatOutcome outcome;
    Json detail{{"fingerprint", fingerprint}, {"counter", fields.counter}, {"ts", format_rfc3339(fields.ts)}};
    if (!signed_ok) {
      outcome = {HeartbeatVerdict::bad_signature, "the signature of the heartbeat of host " + quote(fields.host) +
                                                      " does not verify with its public_key"};
    } else if (pinned && pinned->public_key != heartbeat.public_key_base64) {
      outcome = {HeartbeatVerdict::key_mismatch,
                 "host " + quote(fields.host) + " is pinned to key " + pinned->fingerprint + ", not " + fingerprint};
      detail["pinned"] = pinned->fingerprint;
    } else if (fields.ts < now - window_ms || fields.ts > now + window_ms) {
      outcome = {HeartbeatVerdict::stale, "the heartbeat's ts " + format_rfc3339(fields.ts) + " is more than " +
                                              format_duration(window_ms) + " from the server's time " +
                                              format_rfc3339(now)};
      detail["server_ts"] = format_rfc3339(now);
    } else if (pinned && fields.counter <= pinned->last_counter) {
      outcome = {HeartbeatVerdict::replay, "counter " + std::to_string(fields.counter) +
                                               " is not greater than the last one of host " + quote(fields.host) +
                                               " (" + std::to_string(pinned->last_counter) + ")"};
      detail["last_counter"] = pinned->last_counter;
    } else if (pinned) {
      store_.use(sql::kRecordHeartbeat)
          .bind(1, fields.host)
          .bind(2, fields.counter)
          .bind(3, fields.ts)
          .bind(4, now)
          .bind(5, heartbeat.body.dump())
          .run();
      return HeartbeatOutcome{HeartbeatVerdict::accepted, {}};
    } else {
      store_.use(sql::kPinHostKey)
          .bind(1, fields.host)
          .bind(2, heartbeat.public_key_base64)
          .bind(3, fingerprint)
          .bind(4, now)
          .bind(5, fields.counter)
          .bind(6, fields.ts)
          .bind(7, heartbeat.body.dump())
          .run();
      return HeartbeatOutcome{HeartbeatVerdict::pinned, {}};
    }
    store_.use(sql::kInsertAuditEvent)
        .bind(1, now)
        .bind(2, "heartbeat." + std::string(to_string(outcome.verdict)))
        .bind(3, fields.host)
        .bind(4, caller)
        .bind(5, detail.dump())
        .run();
    return outcome;
  });
}

std::optional<HostKey> HeartbeatBook::find(const std::string& host) {
  return store_.read([&]() -> std::optional<HostKey> {
    auto row = store_.use(sql::kHostKeyByHost);
    row.bind(1, host);
    if (!row.step()) return std::nullopt;
    return read_host_key(row);
  });
}

std::vector<HostKey> HeartbeatBook::list() {
  return store_.read([&] {
    std::vector<HostKey> keys;
    auto row = store_.use(sql::kAllHostKeys);
    while (row.step())
      keys.push_back(read_host_key(row));
    return keys;
  });
}

std::vector<AuditEvent> HeartbeatBook::audit(std::int64_t after, std::int64_t limit) {
  return store_.read([&] {
    std::vector<AuditEvent> events;
    auto row = store_.use(sql::kAuditEventsSince);
    row.bind(1, after).bind(2, limit);
    while (row.step())
      events.push_back(AuditEvent{row.integer(0), row.integer(1), row.text(2), row.optional_text(3),
                                  row.optional_text(4), Json::parse(row.text(5))});
    return events;
  });
}

}  // namespace sheratan
