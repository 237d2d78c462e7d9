#pragma once
// Wakes its owner whenever a stream of sheratan-serve (GET /v1/changes or /v1/events, Server-Sent
// Events) delivers an event: a remote process's counterpart of StoreWatch. The stream
// is read on the owner's libuv loop (CurlOnLoop); comments (the server's keep-alives)
// wake nobody. When the stream ends or cannot be opened, it is opened again a second
// later, and the owner is woken then, since events may have been missed meanwhile.

#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sheratan {

class CurlOnLoop;

class EventStreamWatch {
 public:
  /// url: the full stream URL (".../v1/changes", or ".../v1/events?types=job").
  EventStreamWatch(uv_loop_t* loop, std::string url, std::optional<std::string> token, std::string user_agent,
                   std::function<void()> on_change);
  ~EventStreamWatch();
  EventStreamWatch(const EventStreamWatch&) = delete;
  EventStreamWatch& operator=(const EventStreamWatch&) = delete;

  struct Stream;

 private:
  std::unique_ptr<Stream> stream_;
};

}  // namespace sheratan
