#!/usr/bin/env bats
# GET /v1/events: the store's events as Server-Sent Events, woken by commits of any
# process, resumable from an event id. GET /v1/changes: only that the store changed.

load ../lib
load serve_lib

# stream_to FILE [QUERY] [CURL ARGS...]: curl -N on /v1/events in the background; returns
# once the stream is open. ROUTE=/v1/changes streams that instead.
stream_to() {
  local out=$1 query=${2:-}
  shift 2 || shift $#
  bg_start "$out" curl -sSN "$@" "$url${ROUTE:-/v1/events}$query"
  wait_until 10 grep -q '^: open' "$out"
}

# events FILE TYPE: the data of the TYPE events received so far, one JSON a line.
events() { awk -v t="event: $2" '$0 == t { getline; sub(/^data: /, ""); print }' "$1"; }
has_events() { [ "$(events "$1" "$2" | wc -l)" -ge "$3" ]; }

@test "a stream carries job, state, host and ledger events that other processes commit" {
  start_server
  stream_to "$dir/ev"
  q push build >/dev/null
  "$STATE" set PAUSED --reason maintenance >/dev/null
  "$LEDGER" open alice >/dev/null
  "$PROBE" add web http://127.0.0.1:1 >/dev/null
  "$PROBE" run --once --timeout 1s -q || true
  wait_until 10 has_events "$dir/ev" host 1
  wait_until 10 has_events "$dir/ev" ledger 1
  assert_json '.to == "ready" and (.job | length) > 0' "$(events "$dir/ev" job)"
  assert_json '.next_state == "PAUSED" and .reason == "maintenance"' "$(events "$dir/ev" state)"
  assert_json '.type == "open" and .id == "alice" and .seq == 1 and (.hash | length) == 64' "$(events "$dir/ev" ledger)"
  assert_json '.host == "web" and .ok == false' "$(events "$dir/ev" host)"
  # Only what was recorded after the stream opened: not the store's first state event.
  assert_equal "$(events "$dir/ev" state | wc -l)" 1
  # Every event has an id, the cursor just past it.
  run grep -c '^id: [0-9]*\.[0-9]*\.[0-9]*\.[0-9]*$' "$dir/ev"
  assert_equal "$output" 4
}

@test "the answer is text/event-stream, uncached; /metrics counts the open streams" {
  start_server
  assert_equal "$(metric sheratan_event_streams)" 0
  stream_to "$dir/ev" "" -D "$dir/h"
  wait_until 10 grep -qi '^content-type: text/event-stream' "$dir/h"
  grep -qi '^cache-control: no-store' "$dir/h"
  stream_to "$dir/ev2"
  assert_equal "$(metric sheratan_event_streams)" 2
}

@test "after= and Last-Event-ID resume a stream: nothing missed, nothing twice" {
  start_server
  for kind in a b c; do q push "$kind" >/dev/null; done
  stream_to "$dir/all" '?after=0.0.0.0&types=job'
  wait_until 10 has_events "$dir/all" job 3
  assert_equal "$(events "$dir/all" job | jq -r .to | tr '\n' ' ')" "ready ready ready "
  # The id of the first event: resuming there gives the other two and then the new one.
  first=$(grep -m1 '^id: ' "$dir/all" | cut -d' ' -f2)
  stream_to "$dir/resumed" "?types=job" -H "Last-Event-ID: $first"
  wait_until 10 has_events "$dir/resumed" job 2
  q push d >/dev/null
  wait_until 10 has_events "$dir/resumed" job 3
  wait_until 10 has_events "$dir/all" job 4
  assert_equal "$(events "$dir/resumed" job | jq -r .id | tr '\n' ' ')" \
    "$(events "$dir/all" job | tail -n 3 | jq -r .id | tr '\n' ' ')"
  # Last-Event-ID wins over after=.
  stream_to "$dir/both" "?types=job&after=0.0.0.0" -H "Last-Event-ID: $first"
  wait_until 10 has_events "$dir/both" job 3
  assert_equal "$(events "$dir/both" job | wc -l)" 3
}

@test "types= narrows the stream; a bad type or cursor is 400 naming it" {
  start_server
  stream_to "$dir/ev" '?types=state'
  q push build >/dev/null
  "$STATE" set PAUSED --reason x >/dev/null
  wait_until 10 has_events "$dir/ev" state 1
  assert_equal "$(events "$dir/ev" job | wc -l)" 0
  api GET '/v1/events?types=state,jobs'
  assert_error 400 bad_request "'jobs'"
  api GET '/v1/events?after=1.2.3'
  assert_error 400 bad_request "'1.2.3'"
  api GET '/v1/events?after=1.2.3.-4'
  assert_error 400 bad_request
  api GET /v1/events -H 'Last-Event-ID: x'
  assert_error 400 bad_request "'x'"
}

@test "a stream needs the read or the work scope (a remote worker is woken by it)" {
  write_tokens
  echo "pusher submit pusher-token-0123456789abcdef" >>"$dir/tokens"
  start_server --tokens "$dir/tokens"
  api GET /v1/events
  assert_error 401 unauthorized
  api GET /v1/events -H "Authorization: Bearer pusher-token-0123456789abcdef"
  assert_error 403 forbidden "lacks scope 'work' or 'read'"
  stream_to "$dir/ev" "" -H "Authorization: Bearer $TOKEN_SUBMIT"
  stream_to "$dir/ev-work" "" -H "Authorization: Bearer $TOKEN_WORK"
}

@test "open streams end when the server is stopped" {
  start_server
  stream_to "$dir/ev"
  curl_pid=$bg_pid
  kill -TERM "$serve_pid"
  wait_exit "$serve_pid" 10
  assert_equal "$bg_status" 143
  wait_exit "$curl_pid" 10
}

@test "/v1/changes tells of each commit by any process with a change event and nothing to read" {
  write_tokens
  echo "pusher submit pusher-token-0123456789abcdef" >>"$dir/tokens"
  start_server --tokens "$dir/tokens"
  ROUTE=/v1/changes stream_to "$dir/ch" "" -H "Authorization: Bearer $TOKEN_WORK"
  changes() { grep -c '^event: change$' "$dir/ch"; }
  changes_at_least() { [ "$(changes)" -ge "$1" ]; }
  assert_equal "$(changes)" 0
  q push build >/dev/null
  wait_until 10 changes_at_least 1
  local after_push
  after_push=$(grep -m1 '^data: ' "$dir/ch" | cut -d' ' -f2)
  [[ "$after_push" =~ ^[0-9]+$ ]]
  "$STATE" set PAUSED --reason maintenance >/dev/null
  wait_until 10 changes_at_least 2
  # The counter grows; the events carry no job or state.
  [ "$(grep '^data: ' "$dir/ch" | tail -1 | cut -d' ' -f2)" -gt "$after_push" ]
  run grep -c '"job"\|"next_state"' "$dir/ch"
  assert_equal "$output" 0
  api GET /v1/changes -H "Authorization: Bearer pusher-token-0123456789abcdef"
  assert_error 403 forbidden "lacks scope 'work' or 'read'"
}
