#pragma once
// POSTing JSON from a libuv loop: libcurl's multi interface driven by the caller's
// loop (one uv_poll per socket curl asks for, one uv_timer for curl's timeouts), as
// the prober does for GETs. Nothing blocks and nothing sleeps: a tool's loop (the
// worker's) keeps running while a request is in flight. A one-shot caller runs a loop
// of its own until the reply arrives (post_json_once).

#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "cli/duration.hpp"

namespace sheratan {

class CurlOnLoop;

struct HttpReply {
  long status = 0;                   // 0 when no answer came
  std::string body;                  // the answer's body
  std::optional<std::string> error;  // a transport error (connect, timeout), lowercase
};

class HttpPoster {
 public:
  using Handler = std::function<void(HttpReply)>;

  HttpPoster(uv_loop_t* loop, Millis timeout_ms);
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  /// Starts a POST of body (application/json) to url, with "Authorization: Bearer
  /// token" when a token is given; on_reply runs once on the loop when it ends.
  void post(const std::string& url, const std::string& body, const std::optional<std::string>& token, Handler on_reply);
  std::size_t in_flight() const { return running_.size(); }

  struct Transfer;

 private:
  void finish(Transfer* transfer, int code);

  uv_loop_t* loop_;
  Millis timeout_ms_;
  std::unique_ptr<CurlOnLoop> curl_;
  std::set<Transfer*> running_;
};

/// One POST on a loop of its own, for one-shot tools: returns when it has ended.
HttpReply post_json_once(const std::string& url, const std::string& body, const std::optional<std::string>& token,
                         Millis timeout_ms);

}  // namespace sheratan
