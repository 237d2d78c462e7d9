#include "serve/event_stream.hpp"

#include <charconv>

#include "cli/error.hpp"
#include "cli/message.hpp"
#include "ledger/ledger_read.hpp"
#include "probe/registry.hpp"
#include "queue/queue.hpp"
#include "state/state_machine.hpp"
#include "store/sql/event_queries.hpp"

namespace sheratan::serve {

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::job:
      return "job";
    case EventKind::state:
      return "state";
    case EventKind::host:
      return "host";
    case EventKind::ledger:
      return "ledger";
  }
  return "job";
}

std::array<bool, 4> parse_event_kinds(std::string_view list) {
  if (list.empty()) return {true, true, true, true};
  std::array<bool, 4> wanted{};
  for (std::size_t start = 0; start <= list.size();) {
    const auto comma = std::min(list.find(',', start), list.size());
    const std::string_view name = list.substr(start, comma - start);
    bool known = false;
    for (EventKind kind : kEventKinds)
      if (name == to_string(kind)) wanted[static_cast<std::size_t>(kind)] = known = true;
    if (!known) fail(ExitCode::bad_input, "unknown event type " + quote(name) + " (job, state, host, ledger)");
    start = comma + 1;
  }
  return wanted;
}

std::string EventCursor::to_string() const {
  return std::to_string(after[0]) + '.' + std::to_string(after[1]) + '.' + std::to_string(after[2]) + '.' +
         std::to_string(after[3]);
}

EventCursor EventCursor::parse(std::string_view text) {
  EventCursor cursor;
  std::string_view rest = text;
  bool good = true;
  for (std::size_t part = 0; part < cursor.after.size() && good; ++part) {
    const auto dot = rest.find('.');
    const bool last = part + 1 == cursor.after.size();
    // Every part but the last ends at a dot; the last ends the text.
    if (last != (dot == std::string_view::npos)) good = false;
    const std::string_view digits = rest.substr(0, dot);
    auto [end, problem] = std::from_chars(digits.data(), digits.data() + digits.size(), cursor.after[part]);
    if (digits.empty() || problem != std::errc{} || end != digits.data() + digits.size() || cursor.after[part] < 0)
      good = false;
    if (!last && good) rest = rest.substr(dot + 1);
  }
  if (!good)
    fail(ExitCode::bad_input, "event cursor " + quote(text) + " is not four sequence numbers job.state.host.ledger");
  return cursor;
}

EventCursor EventCursor::now(Store& store) {
  return store.read([&] {
    auto row = store.use(sql::kEventCursorNow);
    row.step();
    EventCursor cursor;
    for (std::size_t part = 0; part < cursor.after.size(); ++part)
      cursor.after[part] = row.integer(static_cast<int>(part));
    return cursor;
  });
}

std::vector<StreamEvent> read_events(Store& store, EventCursor& cursor, const std::array<bool, 4>& wanted,
                                     std::int64_t limit, const Clock& clock) {
  std::vector<StreamEvent> events;
  auto add = [&](EventKind kind, std::int64_t seq, std::string data) {
    cursor.after[static_cast<std::size_t>(kind)] = seq;
    events.push_back({kind, cursor.to_string(), std::move(data)});
  };
  store.read([&] {
    if (wanted[0]) {
      JobQueue queue(store, clock);
      for (const auto& event : queue.events_after(cursor.after[0], limit))
        add(EventKind::job, event.id, event.to_json().dump());
    }
    if (wanted[1]) {
      StateMachine machine(store, clock);
      for (const auto& event : machine.events_after(cursor.after[1], limit))
        add(EventKind::state, event.id, event.to_json().dump());
    }
    if (wanted[2]) {
      HostRegistry registry(store, clock);
      for (const auto& [seq, result] : registry.results_after(cursor.after[2], limit))
        add(EventKind::host, seq, result.to_json().dump());
    }
    if (wanted[3])
      ledger::for_each_entry_after(store, cursor.after[3], limit, [&](const ledger::JournalEntry& entry) {
        add(EventKind::ledger, entry.seq, entry.printed_text());
      });
  });
  return events;
}

std::string format_sse(const StreamEvent& event) {
  std::string text;
  text.reserve(event.data.size() + 48);
  text += "id: ";
  text += event.id;
  text += "\nevent: ";
  text += to_string(event.kind);
  text += "\ndata: ";
  text += event.data;  // compact JSON: no newline inside
  text += "\n\n";
  return text;
}

}  // namespace sheratan::serve
