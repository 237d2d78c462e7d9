#!/usr/bin/env bats
# sheratan-worker end to end: --drain and --once, every --exec exit status, timeouts
# that kill the whole process group, SIGTERM with a job running, kill -9 recovery.

load ../lib

W="$SHERATAN_BIN/sheratan-worker"
w() { "$W" "$@"; }

# A handler script in $dir that behaves by job kind.
write_handler() {
  cat >"$dir/handler.sh" <<'SH'
case "$SHERATAN_JOB_KIND" in
echo) jq -c '{kind: .kind, params: .params, id: env.SHERATAN_JOB_ID, attempt: env.SHERATAN_ATTEMPT}' ;;
text) printf 'plain text\n' ;;
tempfail) echo "try again later" >&2; exit 75 ;;
broken) echo "some output"; echo "first line" >&2; echo "the real reason" >&2; exit 3 ;;
crash) echo "about to crash" >&2; kill -SEGV $$ ;;
hang) sleep 300 & echo $! >"$DIR/grandchild.pid"; echo $$ >"$DIR/child.pid"; wait ;;
stubborn) trap '' TERM; echo $$ >"$DIR/child.pid"; while :; do sleep 1; done ;;
slow) echo $$ >"$DIR/child.pid"; while [ ! -e "$DIR/go" ]; do sleep 0.05; done; echo '{"slow":true}' ;;
esac
SH
  export DIR="$dir"
}

@test "--drain runs every ready job, reports lifecycle events and exits 0" {
  for i in 1 2 3 4 5; do q push noop -p "{\"n\":$i}" >/dev/null; done
  run --separate-stderr w --drain --concurrency 3
  assert_status 0
  [ "$(grep -c '"event":"claimed"' <<<"$output")" -eq 5 ]
  [ "$(grep -c '"event":"done"' <<<"$output")" -eq 5 ]
  assert_json 'has("event") and has("ts") and has("worker")'
  [ "$(q ls --status done --json | wc -l)" -eq 5 ]
}

@test "--drain on an empty queue exits at once; --quiet prints nothing" {
  q push noop >/dev/null
  run --separate-stderr w --drain --quiet
  assert_status 0
  [ -z "$output" ]
  [ "$(q ls --status done --json | wc -l)" -eq 1 ]
}

@test "--drain with nothing ready exits at once" {
  q push noop --delay 1h >/dev/null
  run --separate-stderr timeout 10 "$W" --drain --quiet
  assert_status 0
  [ -z "$output" ]
}

@test "--exec: stdin is the job, the environment names it, stdout JSON is the result" {
  write_handler
  id=$(q push echo -p '{"x":1}' | jq -r .id)
  run --separate-stderr w --drain --exec "sh $dir/handler.sh"
  assert_status 0
  assert_json '.kind == "echo" and .params == {"x":1} and .id == "'"$id"'" and .attempt == "1"' "$(job_field "$id" .result)"
}

@test "--exec: text on stdout is wrapped as {\"stdout\": ...}" {
  write_handler
  id=$(q push text | jq -r .id)
  w --drain --exec "sh $dir/handler.sh" >/dev/null
  assert_equal "$(job_field "$id" .result.stdout)" "plain text"
}

@test "--exec: exit 75 asks for a retry with backoff; then dead when attempts are spent" {
  write_handler
  id=$(q push tempfail --max-attempts 2 --backoff 1ms | jq -r .id)
  run --separate-stderr w --once --exec "sh $dir/handler.sh"
  assert_status 0
  assert_contains "$output" '"event":"retry"'
  assert_equal "$(job_field "$id" .status)" pending
  # --once waits for the retry to come due (a timer, not a poll).
  run --separate-stderr timeout 20 "$W" --once --exec "sh $dir/handler.sh"
  assert_contains "$output" '"event":"dead"'
  assert_equal "$(job_field "$id" .status)" dead
  assert_contains "$(job_field "$id" .error)" "try again later"
}

@test "--exec: another exit status fails the job for good with the tail of stderr" {
  write_handler
  id=$(q push broken --max-attempts 5 | jq -r .id)
  run --separate-stderr w --drain --exec "sh $dir/handler.sh"
  assert_status 0
  assert_contains "$output" '"event":"failed"'
  assert_equal "$(job_field "$id" .status)" dead
  assert_equal "$(job_field "$id" .attempts)" 1
  assert_contains "$(job_field "$id" .error)" "exit status 3" "the real reason"
}

@test "a mistyped flag with its value suggests the flag; a value out of range names its flag (exit 2)" {
  run --separate-stderr w --drain --lese 5s
  assert_status 2
  assert_contains "$stderr" "did you mean '--lease'?"
  run --separate-stderr w --drain -c 0
  assert_status 2
  assert_contains "$stderr" "--concurrency" "not in range"
}

@test "a duration that does not parse names where it came from: the flag, the environment or the config (exit 4)" {
  q push a >/dev/null
  run --separate-stderr w --drain --lease 5x
  assert_status 4
  assert_contains "$stderr" "--lease: invalid duration '5x'"
  SHERATAN_LEASE=zz run --separate-stderr w --drain
  assert_status 4
  assert_contains "$stderr" "environment SHERATAN_LEASE: invalid duration 'zz'"
  echo '{"worker":{"grace":"later"}}' >"$SHERATAN_CONFIG"
  run --separate-stderr w --drain
  assert_status 4
  assert_contains "$stderr" "config 'worker.grace'" "invalid duration 'later'"
  assert_equal "$(q ls | jq -r .status)" ready
}

@test "--exec with an empty command: exit 2 before anything is claimed" {
  q push a >/dev/null
  for command in "" "  "; do
    run --separate-stderr w --drain --exec "$command"
    assert_status 2
    assert_contains "$stderr" "--exec"
  done
  assert_equal "$(q ls | jq -r .status)" ready
}

@test "--exec: death by a signal (a crash) asks for a retry with the tail of stderr, as 75 does" {
  write_handler
  id=$(q push crash --max-attempts 2 --backoff 10m | jq -r .id)
  run --separate-stderr w --drain --exec "sh $dir/handler.sh"
  assert_status 0
  assert_contains "$output" '"event":"retry"'
  assert_equal "$(job_field "$id" .status)" pending
  assert_equal "$(job_field "$id" .attempts)" 1
  assert_contains "$(job_field "$id" .error)" "killed by signal 11" "about to crash"
}

@test "a job past its timeout: its process group gets SIGTERM, and the job fails with 'timeout'" {
  write_handler
  id=$(q push hang --timeout 300ms --max-attempts 1 | jq -r .id)
  run --separate-stderr timeout 20 "$W" --drain --exec "sh $dir/handler.sh"
  assert_status 0
  assert_contains "$output" '"event":"timeout"' '"event":"dead"'
  assert_equal "$(job_field "$id" .error)" timeout
  # The whole group is gone: the handler and the sleep it started.
  wait_until 5 process_ended "$(cat "$dir/child.pid")"
  wait_until 5 process_ended "$(cat "$dir/grandchild.pid")"
}

@test "a handler that ignores SIGTERM gets SIGKILL after --kill-grace" {
  write_handler
  id=$(q push stubborn --timeout 200ms --max-attempts 1 | jq -r .id)
  run --separate-stderr timeout 20 "$W" --drain --kill-grace 200ms --exec "sh $dir/handler.sh"
  assert_status 0
  assert_equal "$(job_field "$id" .error)" timeout
  wait_until 5 process_ended "$(cat "$dir/child.pid")"
}

@test "SIGTERM: no new claims, a job that ends within --grace is reported, exit 143" {
  write_handler
  id=$(q push slow | jq -r .id)
  other=$(q push slow --priority low | jq -r .id)
  bg_start "$dir/out" "$W" --exec "sh $dir/handler.sh" --grace 20s
  wait_until 10 test -s "$dir/child.pid"
  kill -TERM "$bg_pid"
  wait_until 5 grep -q '"event":"stopping"' "$dir/out"
  touch "$dir/go"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 143
  assert_equal "$(job_field "$id" .status)" done
  assert_equal "$(job_field "$other" .status)" ready
}

@test "SIGTERM: a job still running after --grace is released without spending an attempt" {
  write_handler
  id=$(q push hang | jq -r .id)
  bg_start "$dir/out" "$W" --exec "sh $dir/handler.sh" --grace 100ms
  wait_until 10 test -s "$dir/child.pid"
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 143
  grep -q '"event":"released"' "$dir/out"
  assert_equal "$(job_field "$id" .status)" ready
  assert_equal "$(job_field "$id" .attempts)" 0
  wait_until 5 process_ended "$(cat "$dir/child.pid")"
}

@test "SIGTERM: jobs claimed ahead are released at once, none loses an attempt" {
  write_handler
  # Quick jobs first, so that the worker learns they are quick and claims ahead.
  for i in 1 2 3 4 5; do q push text -p "{\"n\":$i}" >/dev/null; done
  for i in 1 2 3 4 5 6 7 8 9 10; do q push slow -p "{\"n\":$i}" >/dev/null; done
  bg_start "$dir/out" "$W" --exec "sh $dir/handler.sh" --grace 100ms
  wait_until 10 test -s "$dir/child.pid"
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 143
  # The slow jobs waiting in the worker went back when it stopped, before the grace.
  grep -q '"event":"released".*"reason":"stopping"' "$dir/out"
  # Every slow job it claimed (ahead or running) went back; how many it claimed ahead
  # depends on how quick the quick ones were.
  assert_equal "$(jq -r 'select(.event == "released") | .job' "$dir/out" | sort)" \
    "$(jq -r 'select(.event == "claimed" and .kind == "slow") | .job' "$dir/out" | sort)"
  assert_equal "$(q ls --kind slow --json | jq -r '"\(.status) \(.attempts)"' | sort -u)" "ready 0"
  [ "$(q ls --kind text --status done --json | wc -l)" -eq 5 ]
}

@test "four workers draining one queue: every job done exactly once" {
  seq 1 2000 | jq -c '{kind: "noop", params: {n: .}}' | q push >/dev/null
  for i in 1 2 3 4; do
    "$W" --drain --concurrency 4 --id "w$i" >"$dir/w$i.out" &
  done
  wait
  [ "$(q ls --status done --json | wc -l)" -eq 2000 ]
  assert_equal "$(q ls --json | jq -r .attempts | sort -u)" 1
  # Each job reported done once, by one of the workers.
  [ "$(cat "$dir"/w*.out | jq -r 'select(.event == "done") | .job' | sort | uniq | wc -l)" -eq 2000 ]
  [ "$(cat "$dir"/w*.out | grep -c '"event":"done"')" -eq 2000 ]
}

@test "a second signal releases at once; SIGINT exits 130" {
  write_handler
  id=$(q push hang | jq -r .id)
  bg_start "$dir/out" "$W" --exec "sh $dir/handler.sh" --grace 1h
  wait_until 10 test -s "$dir/child.pid"
  kill -INT "$bg_pid"
  wait_until 5 grep -q '"event":"stopping"' "$dir/out"
  kill -INT "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 130
  assert_equal "$(job_field "$id" .status)" ready
}

@test "an idle worker wakes on a push and runs it" {
  bg_start "$dir/out" "$W" --id idle
  wait_until 10 has_inotify "$bg_pid"
  id=$(q push noop | jq -r .id)
  wait_until 10 grep -q '"event":"done"' "$dir/out"
  assert_equal "$(job_field "$id" .worker)" idle
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 143
}

@test "kill -9 of a worker: its job returns after the lease and completes once, by another worker" {
  write_handler
  id=$(q push slow | jq -r .id)
  bg_start "$dir/out" "$W" --id first --lease 1s --exec "sh $dir/handler.sh"
  wait_until 10 test -s "$dir/child.pid"
  orphan=$(cat "$dir/child.pid")
  kill -9 "$bg_pid"
  wait_exit "$bg_pid" 5
  kill -9 "$orphan"  # its handler lives on in a session of its own; end it here
  touch "$dir/go"
  run --separate-stderr timeout 20 "$W" --id second --once --exec "sh $dir/handler.sh"
  assert_status 0
  assert_equal "$(job_field "$id" .status)" done
  assert_equal "$(job_field "$id" .worker)" second
  q show "$id" | jq -e '[.events[] | select(.to == "done")] | length == 1'
  q show "$id" | jq -e '[.events[] | select(.to == "leased") | .worker] == ["first", "second"]'
  q show "$id" | jq -e '[.events[] | select(.detail == "lease expired")] | length == 1'
}

@test "a result reported with a stale lease token is refused and reported as stale" {
  write_handler
  id=$(q push slow | jq -r .id)
  bg_start "$dir/out" "$W" --id late --lease 1s --exec "sh $dir/handler.sh"
  wait_until 10 test -s "$dir/child.pid"
  kill -STOP "$bg_pid"  # the worker stalls: its lease runs out, someone else finishes
  q cancel "$id" --reason "taken away" >/dev/null
  touch "$dir/go"
  kill -CONT "$bg_pid"
  wait_until 10 grep -q '"event":"\(stale\|lost\)"' "$dir/out"
  assert_equal "$(job_field "$id" .status)" canceled
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
}

@test "--kinds limits what is claimed; without --exec an unknown kind is a usage error" {
  q push noop >/dev/null
  other=$(q push custom | jq -r .id)
  run --separate-stderr w --drain
  assert_status 0
  assert_equal "$(job_field "$other" .status)" ready
  run --separate-stderr w --drain --kinds custom
  assert_status 2
  assert_contains "$stderr" "no built-in action 'custom'"
}

@test "a store that breaks under a running worker: it exits 1 naming the store's error" {
  bg_start "$dir/out" "$W" --id broken
  wait_until 10 has_inotify "$bg_pid"
  sqlite3 "$SHERATAN_DB" "ALTER TABLE jobs RENAME TO jobs_gone"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 1
  grep -q "sheratan-worker: error: store '$SHERATAN_DB': no such table: jobs" "$dir/out.err"
}

@test "on a terminal: a short line per event (time, event, job, kind, what matters)" {
  command -v script >/dev/null || skip "script(1) is not installed"
  id=$(q push noop | jq -r .id)
  run script -qec "$W --drain" /dev/null
  assert_status 0
  [[ "$output" =~ [0-9:.]{12}\ \ claimed\ \ $id\ \ noop ]]
  [[ "$output" =~ [0-9:.]{12}\ \ done\ \ $id\ \ noop\ \ [0-9]+\ ms ]]
  [[ "$output" != *'{"event"'* ]]
}
