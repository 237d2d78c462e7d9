#!/usr/bin/env bats
# Many processes on one store: nothing lost, nothing done twice, kill -9 loses nothing.

setup() {
  dir=$(mktemp -d)
  export SHERATAN_DB="$dir/s.db" HOME="$dir" SHERATAN_CONFIG="$dir/none.json" SHERATAN_GATES_KINDS='*'
  q="$SHERATAN_BIN/sheratan-queue"
}

teardown() {
  [ -n "${bg:-}" ] && kill -9 $bg 2>/dev/null || true
  rm -rf "$dir"
}

# Waits until a command succeeds, at most $1 seconds (checked every 20 ms).
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    read -r -t 0.02 <> <(:) || true
  done
}

@test "8 processes claim and ack 10,000 jobs: each done exactly once, none lost" {
  seq 1 10000 | jq -c '{kind: "n", params: {n: .}}' | "$q" push >/dev/null
  for w in 1 2 3 4 5 6 7 8; do
    (
      while batch=$("$q" claim --worker "w$w" --limit 50 --lease 5m --json); do
        printf '%s\n' "$batch" | jq -c '{id, token: .lease_token, result: {n: .params.n}}' |
          "$q" ack --json | jq -r .id >>"$dir/acked.$w"
      done
    ) &
  done
  wait
  run "$q" stats --json
  [ "$(jq .total.done <<<"$output")" -eq 10000 ]
  [ "$(jq '.total.ready + .total.leased + .total.pending + .total.dead' <<<"$output")" -eq 0 ]
  # Every acknowledgement was for a different job.
  [ "$(cat "$dir"/acked.* | wc -l)" -eq 10000 ]
  [ "$(cat "$dir"/acked.* | sort -u | wc -l)" -eq 10000 ]
  # The store agrees: one lease and one completion per job, results intact.
  [ "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM job_events WHERE to_status='done'")" -eq 10000 ]
  [ "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM job_events WHERE to_status='leased'")" -eq 10000 ]
  [ "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM jobs WHERE json_extract(result,'\$.n') = json_extract(params,'\$.n')")" -eq 10000 ]
}

@test "racing pushes of one idempotency key from 8 processes end as one job" {
  for w in 1 2 3 4 5 6 7 8; do
    "$q" push same --params '{"a":1}' --idempotency-key race --json >"$dir/push.$w" &
  done
  wait
  [ "$(cat "$dir"/push.* | jq -r .id | sort -u | wc -l)" -eq 1 ]
  [ "$(cat "$dir"/push.* | jq -r 'select(.duplicate == false) | .id' | wc -l)" -eq 1 ]
  [ "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM jobs")" -eq 1 ]
}

@test "kill -9 of a lease holder: its jobs come back after the lease, its late ack is refused" {
  seq 1 5 | jq -c '{kind: "n", params: {n: .}}' | "$q" push >/dev/null
  # The holder claims and then hangs mid-work, as a stuck worker would.
  ( "$q" claim --worker doomed --limit 5 --lease 1s --json >"$dir/held"; exec sleep 600 ) &
  bg=$!
  wait_for 10 test -s "$dir/held"
  [ "$(wc -l <"$dir/held")" -eq 5 ]
  kill -9 $bg
  # Another worker blocks until the leases run out, then gets all five.
  run timeout 20 "$q" claim --worker rescuer --limit 5 --wait 15s --json
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "$output" | jq -r .id | sort | tr '\n' ' ')" = "$(jq -r .id "$dir/held" | sort | tr '\n' ' ')" ]
  [ "$(printf '%s\n' "$output" | jq -r .worker | sort -u)" = "rescuer" ]
  printf '%s\n' "$output" >"$dir/rescued"
  # The dead holder's late ack, with its stale tokens, changes nothing.
  run bash -c "jq -c '{id, token: .lease_token, result: \"late\"}' '$dir/held' | '$q' ack"
  [ "$status" -eq 3 ]
  [[ "$output" == *"line 1"* ]]
  [ "$("$q" stats --json | jq .total.leased)" -eq 5 ]
  # The rescuer's acks land, each job done once.
  jq -c '{id, token: .lease_token, result: "ok"}' "$dir/rescued" | "$q" ack >/dev/null
  [ "$("$q" stats --json | jq .total.done)" -eq 5 ]
  [ "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM job_events WHERE to_status='done'")" -eq 5 ]
}

@test "kill -9 during a large push: every job reported pushed is in the store, the store is intact" {
  seq 1 300000 | jq -c '{kind: "n", params: {n: .}}' >"$dir/jobs.jsonl"
  ( exec "$q" push --json <"$dir/jobs.jsonl" >"$dir/pushed" ) &
  bg=$!
  # Kill it once some batches have been reported, while it is still writing.
  wait_for 60 bash -c "[ \$(wc -l <'$dir/pushed') -ge 20000 ]"
  kill -9 $bg
  wait $bg || true
  bg=
  [ "$(sqlite3 "$SHERATAN_DB" 'PRAGMA integrity_check')" = "ok" ]
  reported=$(jq -r .id "$dir/pushed" | sort -u | wc -l)
  stored=$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM jobs")
  [ "$stored" -ge "$reported" ]
  # Each reported id is really there.
  jq -r .id "$dir/pushed" >"$dir/ids"
  printf '%s\n' "CREATE TEMP TABLE reported(id TEXT);" ".import '$dir/ids' reported" \
    "SELECT count(*) FROM reported r JOIN jobs j ON j.id = r.id;" >"$dir/check.sql"
  [ "$(sqlite3 "$SHERATAN_DB" <"$dir/check.sql")" -eq "$reported" ]
  # Batches commit whole: the store holds a prefix of the input, with no gaps.
  [ "$(sqlite3 "$SHERATAN_DB" "SELECT max(json_extract(params,'\$.n')) FROM jobs")" -eq "$stored" ]
}

# Starts `claim --wait` in the background and returns once its inotify watch is armed.
start_waiter() {
  ( exec "$q" claim --worker waiter --wait 15s --json >"$dir/woken" ) &
  bg=$!
  wait_for 10 bash -c "ls -l /proc/$bg/fd 2>/dev/null | grep -q inotify"
}

@test "claim --wait wakes on a push from another process" {
  "$q" push warmup >/dev/null  # create the store
  "$q" claim --worker other >/dev/null
  start_waiter
  "$q" push wake >/dev/null
  wait $bg
  bg=
  [ "$(jq -r .kind "$dir/woken")" = "wake" ]
}

@test "claim --wait wakes on a plain sqlite3 shell insert" {
  "$q" push warmup >/dev/null
  "$q" claim --worker other >/dev/null
  start_waiter
  sqlite3 "$SHERATAN_DB" "INSERT INTO jobs (id, kind, queue, params, labels, priority, status, run_at, created_at,
    updated_at, max_attempts, timeout_ms, backoff_ms, backoff_max_ms, depends_on)
    VALUES ('manual-1', 'shell', 'default', '{}', '{}', 10, 'ready', 0, 0, 0, 5, 300000, 500, 300000, '[]')"
  wait $bg
  bg=
  [ "$(jq -r .id "$dir/woken")" = "manual-1" ]
}

@test "claim --wait wakes when a delayed job comes due, without any write" {
  "$q" push later --delay 700ms >/dev/null
  run timeout 10 "$q" claim --worker waiter --wait 8s --json
  [ "$status" -eq 0 ]
  [ "$(jq -r .kind <<<"$output")" = "later" ]
}

@test "an idle claim --wait does not wake: it sleeps in the kernel until its deadline" {
  "$q" push warmup >/dev/null
  "$q" claim --worker other >/dev/null
  start_waiter
  # While idle the waiter is blocked in epoll_wait, using no CPU time at all.
  state=$(awk '{print $3}' /proc/$bg/stat)
  [ "$state" = "S" ]
  ticks_before=$(awk '{print $14 + $15}' /proc/$bg/stat)
  run timeout 3 tail --pid=$bg -f /dev/null  # observe it for up to 3 seconds
  ticks_after=$(awk '{print $14 + $15}' /proc/$bg/stat)
  [ "$ticks_after" -eq "$ticks_before" ]
  kill -TERM $bg
  code=0
  wait $bg || code=$?
  bg=
  [ "$code" -eq 143 ]
}
