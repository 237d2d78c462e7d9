// Unit tests for common/serve/event_stream: the cursor's text form, the kinds filter,
// and reading each kind after a cursor that moves past what it read.
#include "serve/event_stream.hpp"

#include <catch2/catch.hpp>

#include "cli/error.hpp"
#include "state/state_machine.hpp"
#include "support/test_support.hpp"

using namespace sheratan::serve;
using sheratan::Error;
using sheratan::Store;
using sheratan::StoreOptions;
using sheratan::testing::TempDir;

TEST_CASE("an event cursor reads back what it writes and refuses anything else") {
  EventCursor cursor;
  cursor.after = {12, 0, 7, 4'000'000'000'000};
  CHECK(cursor.to_string() == "12.0.7.4000000000000");
  CHECK(EventCursor::parse(cursor.to_string()).after == cursor.after);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "1..3.4", "1.2.3.x", "1.2.3.-4", "+1.2.3.4", "1.2.3.4 ",
                          "99999999999999999999.0.0.0"}) {
    INFO(bad);
    CHECK_THROWS_AS(EventCursor::parse(bad), Error);
  }
}

TEST_CASE("the kinds filter takes a comma-separated subset and names an unknown kind") {
  CHECK(parse_event_kinds("") == std::array<bool, 4>{true, true, true, true});
  CHECK(parse_event_kinds("ledger,job") == std::array<bool, 4>{true, false, false, true});
  CHECK_THROWS_WITH(parse_event_kinds("job,jobs"), Catch::Contains("'jobs'"));
  CHECK_THROWS_AS(parse_event_kinds("job,"), Error);
}

TEST_CASE("read_events gives what follows the cursor, each with the cursor past it") {
  TempDir dir;
  auto store = Store::open(StoreOptions{dir.file("s.db"), true});
  sheratan::SystemClock clock;
  EventCursor cursor = EventCursor::now(*store);
  CHECK(cursor.after == std::array<std::int64_t, 4>{0, 1, 0, 0});  // the store's first state event
  CHECK(read_events(*store, cursor, {true, true, true, true}, 100, clock).empty());

  sheratan::StateMachine machine(*store, clock);
  machine.transition({sheratan::SystemState::paused, "r", "a", sheratan::Json::object(), std::nullopt});
  auto events = read_events(*store, cursor, {true, true, true, true}, 100, clock);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == EventKind::state);
  CHECK(events[0].id == "0.2.0.0");
  CHECK(cursor.to_string() == "0.2.0.0");
  CHECK(format_sse(events[0]).rfind("id: 0.2.0.0\nevent: state\ndata: {", 0) == 0);
  CHECK(format_sse(events[0]).ends_with("}\n\n"));

  // A kind left out is not read, and its part of the cursor stays.
  EventCursor from_start;
  CHECK(read_events(*store, from_start, {true, false, true, true}, 100, clock).empty());
  CHECK(from_start.to_string() == "0.0.0.0");
}
