#pragma once
// libcurl's multi interface on a libuv loop. Curl names the sockets to watch and its
// next timeout; a uv_poll per socket and one uv_timer do the waiting, and each
// finished transfer comes back through on_done with its easy handle and result code.
// The prober (a thousand probes at once) and the heartbeat poster both drive their
// transfers through it.
// Lifetime: the owner removes (and cleans up) its easy handles before destroying this;
// the destructor closes the timer, so the owner's loop must run afterwards.

#include <curl/curl.h>
#include <uv.h>

#include <functional>
#include <string>

#include "cli/duration.hpp"

namespace sheratan {

class CurlOnLoop {
 public:
  using Done = std::function<void(CURL* easy, CURLcode code)>;

  /// Throws Error(failed) when libcurl cannot be initialised.
  CurlOnLoop(uv_loop_t* loop, Done on_done);
  ~CurlOnLoop();
  CurlOnLoop(const CurlOnLoop&) = delete;
  CurlOnLoop& operator=(const CurlOnLoop&) = delete;

  /// Starts a transfer; false when curl refuses it.
  bool add(CURL* easy);
  /// Stops a transfer, finished or not; curl lets go of its sockets.
  void remove(CURL* easy);

  /// What every transfer of Sheratan's sets alike: no signals, the timeout for
  /// connecting and for the whole, no redirects, http and https only, the user agent.
  static void set_common_options(CURL* easy, Millis timeout_ms, const std::string& user_agent);

  struct Socket;

 private:
  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  void socket_action(curl_socket_t fd, int flags);

  uv_loop_t* loop_;
  Done on_done_;
  CURLM* multi_ = nullptr;
  uv_timer_t* timer_ = nullptr;
};

}  // namespace sheratan
