#pragma once
// POSTing JSON from a libuv loop: libcurl's multi interface driven by the caller's
// loop (one uv_poll per socket curl asks for, one uv_timer for curl's timeouts), as
// the prober does for GETs. Nothing blocks and nothing sleeps: a tool's loop (the
// worker's) keeps running while a request is in flight. A one-shot caller runs a loop
// of its own until the reply arrives (post_json_once).

#include <uv.h>

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "cli/duration.hpp"

namespace sheratan {

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
  struct Socket;

 private:
  static int on_socket(void* easy, int fd, int what, void* self, void* socket_data);
  static int on_curl_timer(void* multi, long timeout_ms, void* self);
  void socket_action(int fd, int flags);
  void finish(Transfer* transfer, int code);

  uv_loop_t* loop_;
  Millis timeout_ms_;
  void* multi_;  // CURLM*
  uv_timer_t* timer_;
  std::set<Transfer*> running_;
};

/// One POST on a loop of its own, for one-shot tools: returns when it has ended.
HttpReply post_json_once(const std::string& url, const std::string& body, const std::optional<std::string>& token,
                         Millis timeout_ms);

/// The bearer token in a file: its first line without surrounding blanks. Throws
/// Error(failed) when it cannot be read, Error(bad_input) when it is empty.
std::string read_token_file(const std::string& path);

}  // namespace sheratan
