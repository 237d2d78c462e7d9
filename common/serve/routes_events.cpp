// GET /v1/events: the store's events as Server-Sent Events, woken by the change feed.
// The stream runs in the request's thread, on that thread's store connection, for as
// long as the client stays; see serve/event_stream.hpp for the events and the cursor.
// GET /v1/changes: only that the store changed, for clients that look again when woken.
#include <chrono>
#include <functional>
#include <string>

#include "serve/event_stream.hpp"
#include "serve/query_params.hpp"
#include "serve/router.hpp"

namespace sheratan::serve {

namespace {

// Events sent per look at the store: a long backlog goes out in pieces, not in one string.
constexpr std::int64_t kEventsPerLook = 500;
// A comment line this often keeps proxies from closing an idle stream and finds
// clients that have gone (the write fails).
constexpr auto kKeepAlive = std::chrono::seconds(15);

/// What a stream has to send after a look: text, or nothing yet. Given the change
/// feed's generation read just before the look.
using NextText = std::function<std::string(std::uint64_t generation)>;

/// Answers with a Server-Sent Events stream: ": open", then whatever next has each time
/// the change feed moves (waiting, not polling, while it has nothing), a comment every
/// kKeepAlive, and the end when the server stops. It runs on the request's thread.
void serve_stream(Call& call, NextText next) {
  const ServeShared* shared = &call.shared;
  bool opened = false;
  call.response.set_header("Cache-Control", "no-store");
  call.response.set_header("X-Accel-Buffering", "no");
  auto& open_streams = call.shared.counters.event_streams;
  ++open_streams;
  call.response.set_chunked_content_provider(
      "text/event-stream",
      [shared, next = std::move(next), opened](std::size_t, httplib::DataSink& sink) mutable {
        if (!opened) {
          opened = true;
          static constexpr std::string_view kOpen = ": open\n\n";
          return sink.write(kOpen.data(), kOpen.size());
        }
        const ChangeFeed& feed = shared->feed;
        const auto keep_alive_at = std::chrono::steady_clock::now() + kKeepAlive;
        for (;;) {
          if (feed.stopping()) {
            sink.done();
            return true;
          }
          const auto seen = feed.generation();  // before the look: a commit after it wakes us
          if (std::string text = next(seen); !text.empty()) return sink.write(text.data(), text.size());
          if (std::chrono::steady_clock::now() >= keep_alive_at) {
            static constexpr std::string_view kAlive = ": keep-alive\n\n";
            return sink.write(kAlive.data(), kAlive.size());
          }
          feed.wait(seen, keep_alive_at);
        }
      },
      [&open_streams](bool) { --open_streams; });  // runs when the answer is done with, however it ended
}

void stream_events(Call& call) {
  const auto wanted = parse_event_kinds(query_text(call.request, "types").value_or(""));
  // A browser that reconnects sends the last id it saw; that wins over the query.
  std::string resume = call.request.get_header_value("Last-Event-ID");
  if (resume.empty()) resume = query_text(call.request, "after").value_or("");
  EventCursor cursor = resume.empty() ? EventCursor::now(call.store) : EventCursor::parse(resume);
  Store* store = &call.store;  // the thread's connection; the stream runs on this thread
  const Clock* clock = &call.shared.clock;
  serve_stream(call, [store, clock, wanted, cursor](std::uint64_t) mutable {
    std::string text;
    for (const auto& event : read_events(*store, cursor, wanted, kEventsPerLook, *clock))
      text += format_sse(event);
    return text;
  });
}

/// One "change" event per move of the change feed's generation: a remote worker needs
/// to know that it should look again, not what happened. Reading and sending every job
/// event instead cost the server about a fifth of its time in a busy worker's rounds.
void stream_changes(Call& call) {
  serve_stream(call, [last = call.shared.feed.generation()](std::uint64_t generation) mutable {
    if (generation == last) return std::string();
    last = generation;
    return "event: change\ndata: " + std::to_string(generation) + "\n\n";
  });
}

}  // namespace

void add_event_routes(Router& router) {
  // A remote worker (scope work) is woken by these as a local one by the store.
  router.get("/v1/events", Scopes(Scope::read) | Scope::work, stream_events);
  router.get("/v1/changes", Scopes(Scope::read) | Scope::work, stream_changes);
}

}  // namespace sheratan::serve
