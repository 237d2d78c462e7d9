#pragma once
// Sending signed heartbeats to sheratan-serve from a libuv loop: one uv_timer fires
// every interval (the first at once) and POSTs a heartbeat through HttpPoster; the
// loop never blocks on the network. A heartbeat still in flight when the next is due
// makes that one wait for the next interval rather than pile up.
// The counter is the wall clock in milliseconds, and always greater than the last one
// this sender used: it grows across restarts and across senders sharing a key (a
// worker and a cron job), with no state file to lose or corrupt.

#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cli/duration.hpp"
#include "identity/identity.hpp"
#include "net/http_post.hpp"

namespace sheratan {

struct HeartbeatTarget {
  std::string url;                   // the server's base URL; /v1/heartbeat is added
  std::optional<std::string> token;  // bearer token (scope work)
  std::string host;                  // the name the heartbeats carry
  Millis every_ms = 15'000;
  Millis timeout_ms = 10'000;
};

/// base URL ("http://h:8001" or ".../") joined with /v1/heartbeat.
std::string heartbeat_url(std::string base);

/// The next counter: the clock's milliseconds, or last + 1 when that is not greater.
std::int64_t next_heartbeat_counter(EpochMillis now, std::int64_t last);

class HeartbeatSender {
 public:
  /// What was sent and what came back, for the caller to report.
  using ReplyHandler = std::function<void(const Json& sent, const HttpReply& reply)>;
  /// The status and facts of the next heartbeat.
  using Describe = std::function<std::pair<std::string, Json>()>;

  HeartbeatSender(uv_loop_t* loop, const Clock& clock, Identity identity, HeartbeatTarget target, Describe describe,
                  ReplyHandler on_reply);
  ~HeartbeatSender();
  HeartbeatSender(const HeartbeatSender&) = delete;
  HeartbeatSender& operator=(const HeartbeatSender&) = delete;

  /// Sends one now, then one every interval.
  void start();

 private:
  void send();

  const Clock& clock_;
  Identity identity_;
  HeartbeatTarget target_;
  std::string url_;
  Describe describe_;
  ReplyHandler on_reply_;
  HttpPoster poster_;
  uv_timer_t* timer_;
  std::int64_t last_counter_ = 0;
};

}  // namespace sheratan
