#pragma once
// The server's side of signed heartbeats: the pinned key, last counter and last
// heartbeat of each host (host_keys), and the audit log of what was refused
// (audit_events).
// Rules, checked in this order on a heartbeat whose form is right:
//   1. the signature must verify with the public_key it carries   (else bad_signature)
//   2. a host with a pinned key must use that key                  (else key_mismatch)
//   3. ts must lie within the window of the server's clock         (else stale)
//   4. the counter must be greater than the host's last one        (else replay)
// A host's first heartbeat that passes them pins its key (trust on first use). A
// refusal is written to the audit log in the same transaction that checks it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/duration.hpp"
#include "identity/identity.hpp"
#include "store/store.hpp"

namespace sheratan {

enum class HeartbeatVerdict { accepted, pinned, bad_signature, key_mismatch, stale, replay };
std::string_view to_string(HeartbeatVerdict verdict);

struct HostKey {
  std::string host;
  std::string public_key;
  std::string fingerprint;
  EpochMillis pinned_at = 0;
  std::int64_t last_counter = 0;
  EpochMillis last_ts = 0;
  EpochMillis last_seen = 0;
  Json last_heartbeat;
  std::int64_t heartbeats = 0;
  /// {fingerprint, pinned_at, last_ts, last_seen, counter, heartbeats, status, facts}
  Json to_json() const;
};

struct HeartbeatOutcome {
  HeartbeatVerdict verdict = HeartbeatVerdict::accepted;
  std::string message;  // why it was refused, for the answer
  bool ok() const { return verdict == HeartbeatVerdict::accepted || verdict == HeartbeatVerdict::pinned; }
};

struct AuditEvent {
  std::int64_t seq = 0;
  EpochMillis ts = 0;
  std::string kind;
  std::optional<std::string> subject, actor;
  Json detail;
  Json to_json() const;
};

class HeartbeatBook {
 public:
  HeartbeatBook(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

  /// Applies the rules to a parsed heartbeat from caller; records it (accepted) or an
  /// audit event (refused) in one transaction.
  HeartbeatOutcome receive(const Heartbeat& heartbeat, Millis window_ms, const std::string& caller);

  std::optional<HostKey> find(const std::string& host);
  std::vector<HostKey> list();
  /// Audit events after seq `after`, oldest first, at most limit.
  std::vector<AuditEvent> audit(std::int64_t after, std::int64_t limit);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace sheratan
