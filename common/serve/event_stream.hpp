#pragma once
// The store's events for GET /v1/events: job events, state transitions, probe results
// and ledger journal entries, each kind read in its own order after a cursor that
// holds one sequence number per kind. The cursor travels as an SSE event id
// ("job.state.host.ledger"), so that a client that reconnects with Last-Event-ID
// misses nothing and sees nothing twice.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/timestamp.hpp"
#include "store/store.hpp"

namespace sheratan::serve {

enum class EventKind { job, state, host, ledger };
inline constexpr std::array<EventKind, 4> kEventKinds{EventKind::job, EventKind::state, EventKind::host,
                                                      EventKind::ledger};
std::string_view to_string(EventKind kind);

/// Which kinds a stream carries, from "job,state,..." (Error(bad_input) naming an unknown
/// kind); empty text means all.
std::array<bool, 4> parse_event_kinds(std::string_view list);

struct EventCursor {
  std::array<std::int64_t, 4> after{};  // by EventKind

  std::string to_string() const;
  /// "j.s.h.l" with four non-negative integers; Error(bad_input) otherwise.
  static EventCursor parse(std::string_view text);
  /// Where the store stands now.
  static EventCursor now(Store& store);
};

struct StreamEvent {
  EventKind kind;
  std::string id;    // the cursor just past this event
  std::string data;  // one JSON object
};

/// Up to limit events of the wanted kinds after cursor, which moves past them. One read
/// transaction, so the kinds are read at one moment of the store.
std::vector<StreamEvent> read_events(Store& store, EventCursor& cursor, const std::array<bool, 4>& wanted,
                                     std::int64_t limit, const Clock& clock);

/// An event in the text/event-stream format, with its blank line.
std::string format_sse(const StreamEvent& event);

}  // namespace sheratan::serve
