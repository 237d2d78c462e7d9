#!/usr/bin/env bats
# sheratan-worker --server URL: a worker that reaches the queue through sheratan-serve
# (POST /v1/work rounds, lease renewals over HTTP, woken by GET /v1/events) behaves as
# a local one does: results, retries, chains, pauses, releases and lost leases.

load ../lib
load serve_lib

W="$SHERATAN_BIN/sheratan-worker"

# A handler that prints params.reply as the job's result, or fails for now (exit 75,
# EX_TEMPFAIL) when params.fail is set.
write_handler() {
  cat >"$dir/handler.sh" <<'SH'
job=$(cat)
if [ "$(printf '%s' "$job" | jq -r '.params.fail // empty')" = true ]; then echo "asked to fail" >&2; exit 75; fi
printf '%s' "$job" | jq -c '.params.reply // {"ok":true}'
SH
}

# write_held_handler RESULT: a handler that touches $dir/started, holds its job until
# $dir/go exists (or the test's folder is gone), then prints RESULT.
write_held_handler() {
  cat >"$dir/handler.sh" <<SH
touch "$dir/started"
until [ -e "$dir/go" ] || [ ! -d "$dir" ]; do read -r -t 0.05 <> <(:) || true; done
echo '$1'
SH
}

# remote ARGS...: a remote worker with the work token (exec: signals reach it).
remote() {
  exec "$W" --server "$url" --token-file "$dir/work.token" --exec "bash $dir/handler.sh" "$@"
}

start_secured_server() {
  write_tokens
  printf '%s\n' "$TOKEN_WORK" >"$dir/work.token"
  write_handler
  start_server --tokens "$dir/tokens" "$@"
}

event_streams_open() {
  [ "$(curl -sS -H "Authorization: Bearer $TOKEN_ADMIN" "$url/metrics" | sed -n 's/^sheratan_event_streams //p')" = "$1" ]
}

# finish_while_server_gone RESULT [WORKER ARGS...]: a remote worker ($worker_pid) takes a
# job ($id), the server stops, the job ends with RESULT, and the worker finds the server
# out of reach.
finish_while_server_gone() {
  local result=$1
  shift
  write_held_handler "$result"
  id=$(q push step | jq -r .id)
  bg_start "$dir/events" remote "$@"
  worker_pid=$bg_pid
  wait_until 10 test -e "$dir/started"
  kill -TERM "$serve_pid"
  wait_exit "$serve_pid" 10
  touch "$dir/go"
  wait_until 10 grep -q "cannot reach" "$dir/events.err"
}

status_is() { [ "$(job_field "$1" .status)" = "$2" ]; }
lease_moved() { [ "$(job_field "$1" .lease_until)" != "$2" ]; }

events_of() { jq -r "select(.job == \"$1\") | .event" "$dir/events" | tr '\n' ' '; }

@test "--drain works every ready job through the server: results stored and verified, events as a local worker prints" {
  start_secured_server
  for n in 1 2 3; do q push step -p "{\"reply\":{\"n\":$n}}" >/dev/null; done
  id=$(q push step -p '{"reply":{"n":4}}' | jq -r .id)
  run --separate-stderr remote --drain --id remote-1 --concurrency 2
  assert_status 0
  printf '%s\n' "$output" >"$dir/events"
  assert_equal "$(q ls --status done --json | wc -l)" 4
  assert_equal "$(events_of "$id")" "claimed done "
  assert_json ".status == \"done\" and .result == {\"n\":4} and .worker == \"remote-1\" and .result_verified == true" \
    "$(q show "$id")"
  assert_json '.event == "stopped" and .claimed == 4' "$(tail -1 "$dir/events")"
}

@test "4 remote workers drain 2,000 jobs at once: each job done exactly once, by one of them" {
  start_secured_server
  seq 1 2000 | jq -c '{kind:"noop",params:{n:.}}' | q push >/dev/null
  pids=()
  for w in 1 2 3 4; do
    # The built-in noop action: what is tested is the rounds, not a handler's start.
    bg_start "$dir/events-$w" "$W" --server "$url" --token-file "$dir/work.token" --drain --json \
      --id "remote-$w" --concurrency 4
    pids+=("$bg_pid")
  done
  for pid in "${pids[@]}"; do
    wait_exit "$pid" 120
    assert_equal "$bg_status" 0
  done
  assert_equal "$(q ls --status done --json | wc -l)" 2000
  assert_equal "$(cat "$dir"/events-* | jq -r 'select(.event == "done") | .job' | sort | uniq -d | wc -l)" 0
  assert_equal "$(cat "$dir"/events-* | jq -r 'select(.event == "done") | .job' | wc -l)" 2000
  assert_equal "$(q ls --status done --json | jq -r .attempts | sort -u)" 1
}

@test "a failed run is retried after the job's backoff (the server's due time wakes it), then dead" {
  start_secured_server
  id=$(q push step -p '{"fail":true}' --max-attempts 2 --backoff 300ms | jq -r .id)
  other=$(q push step --queue other | jq -r .id)
  bg_start "$dir/events" remote
  worker_pid=$bg_pid
  wait_until 10 status_is "$id" dead
  kill -TERM "$worker_pid"
  wait_exit "$worker_pid" 10
  assert_equal "$(events_of "$id")" "claimed retry claimed dead "
  assert_json '.status == "dead" and .attempts == 2 and (.error | contains("asked to fail"))' "$(q show "$id")"
  assert_equal "$(job_field "$other" .status)" ready
}

@test "a result with follow-up jobs enqueues them on the server, under the server's gates and chain limits" {
  echo '{"gates":{"followup_kinds":["*"]},"worker":{"max_chain_depth":1}}' >"$SHERATAN_CONFIG"
  start_secured_server
  root=$(q push plan -p '{"reply":{"lcp_version":"1","type":"followup_jobs","jobs":[
    {"kind":"step","params":{"reply":{"lcp_version":"1","type":"followup_jobs","jobs":[{"kind":"deeper"}]}}}]}}' |
    jq -r .id)
  run --separate-stderr remote --drain
  assert_status 0
  printf '%s\n' "$output" >"$dir/events"
  assert_equal "$(q ls --chain "$root" --json | wc -l)" 2
  assert_json '.labels.chain_parent == "'"$root"'" and .status == "done"' \
    "$(q ls --chain "$root" --json | jq -c 'select(.id != "'"$root"'")')"
  assert_json '.result.chain.enqueued | length == 1' "$(q show "$root")"
  assert_contains "$(q ls --chain "$root" --json | jq -c 'select(.kind == "step") | .result.chain')" "depth"
  grep -q '"event":"chain"' "$dir/events"
}

@test "an idle remote worker is woken by the server's event stream: a push runs at once; PAUSED holds it" {
  start_secured_server
  bg_start "$dir/events" remote --id remote-1
  worker_pid=$bg_pid
  wait_until 10 grep -q '"event":"started"' "$dir/events"
  wait_until 10 event_streams_open 1
  id=$(q push step -p '{"reply":"first"}' | jq -r .id)
  wait_until 10 status_is "$id" done
  "$STATE" set PAUSED --reason "maintenance" >/dev/null
  held=$(q push step | jq -r .id)
  wait_until 10 grep -q '"event":"paused"' "$dir/events"
  assert_equal "$(job_field "$held" .status)" ready
  "$STATE" set OPERATIONAL --reason "done" >/dev/null
  wait_until 10 status_is "$held" done
  grep -q '"event":"resumed"' "$dir/events"
  kill -TERM "$worker_pid"
  wait_exit "$worker_pid" 10
  assert_equal "$bg_status" 143
}

@test "leases are renewed over HTTP while a job runs; SIGTERM twice releases it without spending an attempt" {
  start_secured_server
  write_held_handler '{"slow":true}'
  slow=$(q push step | jq -r .id)
  bg_start "$dir/events" remote --lease 600ms --grace 30s
  worker_pid=$bg_pid
  wait_until 10 test -e "$dir/started"
  first_until=$(q show "$slow" | jq -r .lease_until)
  wait_until 10 lease_moved "$slow" "$first_until"
  touch "$dir/go"
  wait_until 10 status_is "$slow" done
  assert_json '.attempts == 1 and .result == {"slow":true}' "$(q show "$slow")"
  rm "$dir/go" "$dir/started"
  held=$(q push step | jq -r .id)
  wait_until 10 test -e "$dir/started"
  kill -TERM "$worker_pid"
  wait_until 10 grep -q '"event":"stopping"' "$dir/events"
  kill -TERM "$worker_pid"
  wait_exit "$worker_pid" 10
  assert_equal "$bg_status" 143
  assert_json '.status == "ready" and .attempts == 0' "$(q show "$held")"
  assert_equal "$(events_of "$held" | grep -o released)" released
}

@test "kill -9 of a remote worker: its job comes back when the lease runs out, and its late report is stale" {
  start_secured_server
  write_held_handler '{"late":true}'
  id=$(q push step | jq -r .id)
  bg_start "$dir/events" remote --lease 1s
  wait_until 10 test -e "$dir/started"
  token=$(q show "$id" | jq -r .lease_token)
  kill -9 "$bg_pid"
  run --separate-stderr q claim --worker rescuer --wait 10s
  assert_status 0
  assert_json ".id == \"$id\" and .attempts == 2 and .worker == \"rescuer\"" "$output"
  api POST /v1/work -H "Authorization: Bearer $TOKEN_WORK" \
    -d "{\"limit\":0,\"reports\":[{\"id\":\"$id\",\"token\":\"$token\",\"outcome\":\"done\",\"result\":{}}]}"
  assert_code 200
  assert_json ".events[0].event == \"stale\" and .events[0].id == \"$id\"" "$body"
  assert_equal "$(job_field "$id" .worker)" rescuer
}

@test "the server going away: the worker keeps its result and reports it when the server is back" {
  start_secured_server
  port=${url##*:}
  finish_while_server_gone '{"kept":true}' --id remote-1
  assert_equal "$(job_field "$id" .status)" leased
  LISTEN=127.0.0.1:$port start_server --tokens "$dir/tokens"
  wait_until 10 status_is "$id" done
  assert_json '.result == {"kept":true} and .attempts == 1' "$(q show "$id")"
  kill -TERM "$worker_pid"
  wait_exit "$worker_pid" 10
}

@test "told to stop while its server is gone, a worker still ends, saying what it could not report" {
  start_secured_server
  finish_while_server_gone '{}' --grace 500ms
  kill -TERM "$worker_pid"
  wait_exit "$worker_pid" 10
  assert_equal "$bg_status" 143
  assert_contains "$(cat "$dir/events.err")" "1 result(s) not reported"
  assert_equal "$(job_field "$id" .status)" leased
}

@test "a refused token stops the worker with the server's answer; a bad URL and store-only flags are usage errors" {
  start_secured_server
  q push step >/dev/null
  printf 'not-a-token\n' >"$dir/bad.token"
  run --separate-stderr "$W" --server "$url" --token-file "$dir/bad.token" --exec true --drain
  assert_status 1
  assert_contains "$stderr" "answered HTTP 401"
  run --separate-stderr "$W" --server "$url" --exec true --drain
  assert_status 1
  assert_contains "$stderr" "scope 'work'"
  run --separate-stderr "$W" --server "ftp://example.org" --exec true --drain
  assert_status 2
  assert_contains "$stderr" "--server 'ftp://example.org'"
  run --separate-stderr "$W" --server "$url" --hold-cost --exec true --drain
  assert_status 2
  assert_contains "$stderr" "--hold-cost"
  run --separate-stderr "$W" --server "$url" --max-chain-depth 2 --exec true --drain
  assert_status 2
  assert_equal "$(q ls --status ready --json | wc -l)" 1
}

@test "POST /v1/work refuses a malformed round with a 400 naming the report and field" {
  start_secured_server
  auth=(-H "Authorization: Bearer $TOKEN_WORK")
  api POST /v1/work "${auth[@]}" -d '{"reports":{}}'
  assert_error 400 bad_request "'reports'"
  api POST /v1/work "${auth[@]}" -d '{"reports":[{"id":"a","token":"t","outcome":"maybe"}]}'
  assert_error 400 bad_request "reports[0]: report: field 'outcome'"
  api POST /v1/work "${auth[@]}" -d '{"reports":[{"id":"a","token":"t","outcome":"done","extra":1}]}'
  assert_error 400 bad_request "unknown field 'extra'"
  api POST /v1/work "${auth[@]}" -d '{"limit":-1}'
  assert_error 400 bad_request "'limit'"
  api POST /v1/work -H "Authorization: Bearer $TOKEN_SUBMIT" -d '{}'
  assert_code 403
}

# True once the server has recorded two heartbeats of edge-7 (jq 1.6's -e is true on no
# input at all: the count is compared here).
edge_heartbeats() {
  local n
  n=$(curl -sS -H "Authorization: Bearer $TOKEN_ADMIN" "$url/v1/hosts" |
    jq -r 'select(.name == "edge-7") | .heartbeat.heartbeats')
  [ -n "$n" ] && [ "$n" -ge 2 ]
}

@test "--identity with --server sends signed heartbeats to that server" {
  start_secured_server
  "$PROBE" keygen "$dir/key" >/dev/null
  bg_start "$dir/events" remote --id edge-7 --identity "$dir/key" --heartbeat-every 100ms
  worker_pid=$bg_pid
  wait_until 20 edge_heartbeats
  api GET /v1/hosts -H "Authorization: Bearer $TOKEN_ADMIN"
  assert_json '.name == "edge-7" and .heartbeat.status == "ok" and .heartbeat.facts.worker == "edge-7"' "$body"
  kill -TERM "$worker_pid"
  wait_exit "$worker_pid" 10
}
