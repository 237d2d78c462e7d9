#pragma once
// Probing many hosts at once: libcurl's multi interface driven by a libuv loop that
// the caller runs (one uv_poll per socket curl asks for, one uv_timer for curl's
// timeouts). At most `concurrency` transfers run at a time; the rest start as others
// end. Each transfer has the whole timeout for connecting and answering. Nothing
// sleeps: the loop wakes on socket readiness or curl's next deadline.

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/duration.hpp"
#include "probe/damping.hpp"

namespace sheratan {

class CurlOnLoop;

struct ProbeTarget {
  std::string host;
  std::string url;
  int expect_low = 200, expect_high = 299;
};

class HttpProber {
 public:
  using ResultHandler = std::function<void(ProbeResult)>;

  HttpProber(uv_loop_t* loop, const Clock& clock, std::int64_t concurrency, Millis timeout_ms);
  ~HttpProber();
  HttpProber(const HttpProber&) = delete;
  HttpProber& operator=(const HttpProber&) = delete;

  /// Starts a round over the targets: on_result runs once per target as it ends,
  /// on_done once after the last. A round must end before the next starts.
  void start_round(std::vector<ProbeTarget> targets, ResultHandler on_result, std::function<void()> on_done);
  /// Abandons the transfers of the current round (no more callbacks).
  void cancel();
  bool busy() const { return active_ > 0 || !pending_.empty(); }

  struct Transfer;

 private:
  void start_pending();
  void finish(Transfer* transfer, int code);

  uv_loop_t* loop_;
  const Clock& clock_;
  std::int64_t concurrency_;
  Millis timeout_ms_;
  std::unique_ptr<CurlOnLoop> curl_;
  std::deque<ProbeTarget> pending_;
  std::int64_t active_ = 0;
  std::set<Transfer*> running_;
  ResultHandler on_result_;
  std::function<void()> on_done_;
};

}  // namespace sheratan
