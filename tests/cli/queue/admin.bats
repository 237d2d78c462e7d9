#!/usr/bin/env bats
# sheratan-queue ls, show, stats, cancel, retry, reap, purge, watch.

load ../lib

# claim_one [FLAGS...]: claims one job; sets $id and $token.
claim_one() {
  local out
  out=$(q claim "$@")
  id=$(jq -r .id <<<"$out")
  token=$(jq -r .lease_token <<<"$out")
  [ -n "$id" ] && [ "$token" != null ]
}

kinds() { jq -r .kind | tr '\n' ' '; }
status_line() { q ls | jq -r '"\(.kind)=\(.status)"' | tr '\n' ' '; }

# A small mixed store: a(ready, mission=m1, chain=c1) b(leased) c(done, queue other)
# d(pending, chain=c1) e(dead, mission=m2).
seed() {
  q push a --label mission=m1 --label chain=c1 >/dev/null
  q push b --label mission=m1 >/dev/null
  q push c --queue other >/dev/null
  q push d --delay 1h --label chain=c1 --label mission=m1 >/dev/null
  q push e --label mission=m2 >/dev/null
  claim_one --kinds b
  claim_one --queue other
  q ack "$id" --token "$token" >/dev/null
  claim_one --kinds e
  q fail "$id" --token "$token" --no-retry >/dev/null
}

# ---- ls -----------------------------------------------------------------------

@test "ls lists every job oldest first as JSON lines when stdout is not a terminal" {
  seed
  run --separate-stderr q ls
  assert_status 0
  assert_equal "$(kinds <<<"$output")" "a b c d e "
  assert_json 'has("id") and has("status") and has("params") and has("labels")'
}

@test "ls --status, --queue, --kind filter" {
  seed
  assert_equal "$(q ls --status ready | kinds)" "a "
  assert_equal "$(q ls --status leased | kinds)" "b "
  assert_equal "$(q ls --status done | kinds)" "c "
  assert_equal "$(q ls --status pending | kinds)" "d "
  assert_equal "$(q ls -s dead | kinds)" "e "
  assert_equal "$(q ls --status canceled | kinds)" ""
  assert_equal "$(q ls --queue other | kinds)" "c "
  assert_equal "$(q ls --queue default | kinds)" "a b d e "
  assert_equal "$(q ls --kind d | kinds)" "d "
  assert_equal "$(q ls --kind d --status ready | kinds)" ""
  run --separate-stderr q ls --status finished
  assert_status 2
  assert_contains "$stderr" "finished"
}

@test "ls --label k=v (all must match), --chain, --limit" {
  seed
  assert_equal "$(q ls --label mission=m1 | kinds)" "a b d "
  assert_equal "$(q ls --label mission=m1 --label chain=c1 | kinds)" "a d "
  assert_equal "$(q ls -l mission=m2 | kinds)" "e "
  assert_equal "$(q ls --label mission=none | kinds)" ""
  assert_equal "$(q ls --chain c1 | kinds)" "a d "
  # A chain named by its root job's id (as sheratan-worker names them) includes the root.
  root=$(q push root --json | jq -r .id)
  q push child -l chain="$root" >/dev/null
  assert_equal "$(q ls --chain "$root" | kinds)" "root child "
  assert_equal "$(q ls --limit 2 | kinds)" "a b "
  assert_equal "$(q ls --label mission=m1 --limit 1 | kinds)" "a "
  run --separate-stderr q ls --label mission
  assert_status 2
  run --separate-stderr q ls --limit 0
  assert_status 2
  # Any key matches, quotes, dots and brackets in it too.
  q push odd -l 'a"b=1' -l 'x.y[0]=2' >/dev/null
  assert_equal "$(q ls -l 'a"b=1' | kinds)" "odd "
  assert_equal "$(q ls -l 'x.y[0]=2' -l 'a"b=1' | kinds)" "odd "
  assert_equal "$(q ls -l 'a"b=2' | kinds)" ""
}

@test "ls --format tsv: a header line, then tab-separated columns" {
  seed
  run --separate-stderr q ls --format tsv
  assert_status 0
  assert_equal "${lines[0]}" "$(printf 'id\tstatus\tkind\tqueue\tpriority\tattempts\trun_at')"
  assert_equal "${#lines[@]}" 6
  # Every line has the 7 columns; the rows carry the values.
  assert_equal "$(awk -F'\t' '{ print NF }' <<<"$output" | sort -u)" 7
  first_id=$(q ls --limit 1 | jq -r .id)
  assert_equal "$(sed -n 2p <<<"$output" | cut -f1-6)" "$(printf '%s\tready\ta\tdefault\t10\t0' "$first_id")"
  assert_equal "$(cut -f3 <<<"$output" | tail -n +2 | tr '\n' ' ')" "a b c d e "
}

@test "ls --format table: an upper-case header and aligned columns; --json wins" {
  seed
  run --separate-stderr q ls --format table
  assert_status 0
  [[ "${lines[0]}" =~ ^ID\ +STATUS\ +KIND\ +QUEUE\ +PRIORITY\ +ATTEMPTS\ +RUN_AT$ ]]
  assert_equal "${#lines[@]}" 6
  [[ "${lines[1]}" =~ ^[0-9a-f-]+\ +ready\ +a\ +default\ +10\ +0\ + ]]
  # Aligned: STATUS starts in the same column on every line.
  col=$(awk '{ print index($0, $2) }' <<<"${lines[0]}")
  for line in "${lines[@]:1}"; do
    assert_equal "$(awk '{ print index($0, $2) }' <<<"$line")" "$col"
  done
  ! jq -e . >/dev/null 2>&1 <<<"${lines[0]}"
  run q ls --format table --json
  assert_json 'has("id")'
  run q ls --format json
  assert_json 'has("id")'
}

@test "ls on an empty store prints nothing and exits 0" {
  q push x >/dev/null
  q cancel "$(q ls | jq -r .id)" >/dev/null
  q purge --older-than 0s >/dev/null
  run --separate-stderr q ls
  assert_status 0
  assert_equal "$output" ""
}

# ---- show ---------------------------------------------------------------------

@test "show: the job with its events, from/to in sequence" {
  q push a --backoff 10ms >/dev/null
  claim_one --worker w1
  q fail "$id" --token "$token" --error boom >/dev/null
  run timeout 10 "$QUEUE" claim --worker w2 --wait 5s
  assert_status 0
  q ack "$id" --token "$(jq -r .lease_token <<<"$output")" --result '{"ok":true}' >/dev/null
  run --separate-stderr q show "$id"
  assert_status 0
  assert_json ".id == \"$id\" and .status == \"done\" and .result == {\"ok\":true} and .result_verified == true"
  assert_equal "$(jq -c '[.events[] | [.from, .to]]' <<<"$output")" \
    '[[null,"ready"],["ready","leased"],["leased","pending"],["pending","ready"],["ready","leased"],["leased","done"]]'
  assert_json "[.events[].job] | unique == [\"$id\"]"
  assert_json '[.events[].id] | . == sort and (unique | length) == length'
  assert_json '[.events[].worker] == [null,"w1","w1",null,"w2","w2"]'
  assert_json '.events[2].detail | contains("boom")'
  assert_json '[.events[].ts | type] | unique == ["string"]'
}

@test "show of an unknown id exits 1 and names the id" {
  q push a >/dev/null
  run --separate-stderr q show no-such-job
  assert_status 1
  assert_equal "$output" ""
  assert_contains "$stderr" "no-such-job"
}

# ---- stats --------------------------------------------------------------------

@test "stats: totals, per queue counts, dead, oldest ready age" {
  seed
  run --separate-stderr q stats
  assert_status 0
  assert_json '.total == {"pending":1,"ready":1,"leased":1,"done":1,"dead":1,"canceled":0,"blocked":0,"quarantined":0}'
  assert_json '.dead == 1'
  assert_json '(.queues.default | del(.oldest_ready_age_ms)) == {"pending":1,"ready":1,"leased":1,"done":0,"dead":1,"canceled":0,"blocked":0,"quarantined":0}'
  assert_json '.queues.other | .done == 1 and .ready == 0 and .oldest_ready_age_ms == null'
  assert_json '(.oldest_ready_age_ms | type) == "number" and .oldest_ready_age_ms >= 0'
  assert_json '.queues.default.oldest_ready_age_ms >= 0'
}

@test "stats on a store with nothing ready: oldest_ready_age_ms is null" {
  q push a --delay 1h >/dev/null
  run q stats
  assert_json '.oldest_ready_age_ms == null and .total.pending == 1 and .dead == 0'
  run q stats --format tsv
  assert_equal "${lines[0]}" "$(printf 'queue\tpending\tready\tleased\tdone\tdead\tcanceled\tblocked\tquarantined\toldest_ready_age_ms')"
  assert_equal "$(sed -n 2p <<<"$output" | cut -f1-3)" "$(printf 'default\t1\t0')"
}

# ---- cancel and retry -----------------------------------------------------------

@test "cancel: the job is canceled, its dependents (and theirs) become blocked" {
  a=$(q push a | jq -r .id)
  b=$(q push b --depends-on "$a" | jq -r .id)
  c=$(q push c --depends-on "$b" | jq -r .id)
  other=$(q push other | jq -r .id)
  run --separate-stderr q cancel "$a" --reason "not needed"
  assert_status 0
  assert_json ".id == \"$a\" and .status == \"canceled\""
  assert_equal "$(status_line)" "a=canceled b=blocked c=blocked other=ready "
  assert_equal "$(job_field "$a" '.events[-1].detail')" "not needed"
  # A new job on a canceled dependency is blocked from the start.
  run q push d --depends-on "$a"
  assert_json '.status == "blocked"'
  # Blocked jobs are not claimed.
  run q claim --limit 10
  assert_equal "$(kinds <<<"$output")" "other "
}

@test "cancel of a leased job: the holder's token is refused afterwards" {
  q push a >/dev/null
  claim_one
  run q cancel "$id"
  assert_status 0
  run --separate-stderr q ack "$id" --token "$token"
  assert_status 3
  assert_equal "$(job_field "$id" .status)" canceled
  # The event names the holder whose lease it revoked.
  holder=$(job_field "$id" .worker)
  [ -n "$holder" ] && [ "$holder" != null ]
  assert_json ".events[-1] | .from == \"leased\" and .to == \"canceled\" and .worker == \"$holder\"" "$(q show "$id")"
}

@test "cancel and retry name a job twice: it changes once" {
  id=$(q push a | jq -r .id)
  run --separate-stderr q cancel "$id" "$id" --json
  assert_status 0
  assert_equal "${#lines[@]}" 1
  run --separate-stderr q retry "$id" "$id" --json
  assert_status 0
  assert_equal "${#lines[@]}" 1
  assert_json '.status == "ready"'
}

@test "cancel of a done job exits 3 and changes nothing; of an unknown id exits 1" {
  q push a >/dev/null
  claim_one
  q ack "$id" --token "$token" >/dev/null
  run --separate-stderr q cancel "$id"
  assert_status 3
  assert_contains "$stderr" "$id" "done"
  assert_equal "$(job_field "$id" .status)" done
  run --separate-stderr q cancel no-such-job
  assert_status 1
  assert_contains "$stderr" "no-such-job"
}

@test "cancel of several ids is all or nothing" {
  a=$(q push a | jq -r .id)
  b=$(q push b | jq -r .id)
  claim_one --kinds b
  q ack "$id" --token "$token" >/dev/null
  run --separate-stderr q cancel "$a" "$b"
  assert_status 3
  assert_equal "$(job_field "$a" .status)" ready
}

@test "retry of a canceled job: ready, attempts reset, blocked dependents unblocked" {
  a=$(q push a | jq -r .id)
  b=$(q push b --depends-on "$a" | jq -r .id)
  c=$(q push c --depends-on "$b" | jq -r .id)
  claim_one --kinds a
  q release "$id" --token "$token" >/dev/null
  claim_one --kinds a
  q cancel "$a" >/dev/null
  assert_equal "$(status_line)" "a=canceled b=blocked c=blocked "
  run --separate-stderr q retry "$a"
  assert_status 0
  assert_json ".id == \"$a\" and .status == \"ready\" and .attempts == 0"
  # b and c wait for their dependencies again.
  assert_equal "$(status_line)" "a=ready b=pending c=pending "
  claim_one --kinds a
  q ack "$id" --token "$token" >/dev/null
  assert_equal "$(status_line)" "a=done b=ready c=pending "
}

@test "retry of a dead job: ready, attempts reset, error cleared, dependents unblocked" {
  a=$(q push a --max-attempts 2 --backoff 10ms | jq -r .id)
  b=$(q push b --depends-on "$a" | jq -r .id)
  claim_one
  q fail "$id" --token "$token" >/dev/null
  run timeout 10 "$QUEUE" claim --wait 5s
  q fail "$a" --token "$(jq -r .lease_token <<<"$output")" --error "gave up" >/dev/null
  assert_equal "$(status_line)" "a=dead b=blocked "
  assert_equal "$(job_field "$a" .attempts)" 2
  run --separate-stderr q retry "$a"
  assert_status 0
  assert_json '.status == "ready" and .attempts == 0 and .error == null and .finished_at == null'
  assert_equal "$(status_line)" "a=ready b=pending "
  assert_equal "$(q stats | jq .dead)" 0
}

@test "retry of a job that is not dead or canceled exits 3; of an unknown id exits 1" {
  a=$(q push a | jq -r .id)
  run --separate-stderr q retry "$a"
  assert_status 3
  assert_contains "$stderr" "$a"
  assert_equal "$(job_field "$a" .status)" ready
  run --separate-stderr q retry no-such-job
  assert_status 1
}

# ---- reap and purge -------------------------------------------------------------

@test "reap returns expired leases to ready, or dead when attempts are spent; prints counts" {
  q push again >/dev/null
  q push last --max-attempts 1 >/dev/null
  q claim --limit 2 --lease 3s >/dev/null
  run --separate-stderr q reap
  assert_status 0
  assert_json '. == {"ready":0,"dead":0}'
  # Poll reap until the leases have run out (bounded).
  reaped() { out=$(q reap) && [ "$(jq '.ready + .dead' <<<"$out")" -gt 0 ]; }
  wait_until 10 reaped
  assert_json '. == {"ready":1,"dead":1}' "$out"
  assert_equal "$(status_line)" "again=ready last=dead "
  assert_equal "$(q ls --kind last | jq -r .error)" "lease expired after the last attempt"
  run q reap
  assert_json '. == {"ready":0,"dead":0}'
}

@test "reap promotes pending jobs that are due" {
  q push a --run-at 2001-01-01T00:00:00Z >/dev/null
  q push b --backoff 1ms >/dev/null
  claim_one --kinds b
  q fail "$id" --token "$token" >/dev/null
  b_ready() { q reap >/dev/null && [ "$(q ls --kind b | jq -r .status)" = ready ]; }
  wait_until 5 b_ready
  assert_equal "$(q ls --kind a | jq -r .status)" ready
}

@test "purge --older-than 0s removes done, dead and canceled jobs with their events; keeps the rest" {
  seed
  q push f >/dev/null
  q cancel "$(q ls --kind f | jq -r .id)" >/dev/null
  done_id=$(q ls --status done | jq -r .id)
  run --separate-stderr q purge --older-than 1d
  assert_status 0
  assert_json '. == {"purged":0}'
  run --separate-stderr q purge --older-than 0s
  assert_status 0
  assert_json '. == {"purged":3}'
  assert_equal "$(q ls | kinds)" "a b d "
  run q show "$done_id"
  assert_status 1
  assert_equal "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM job_events e WHERE e.job_seq <> 0 AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.seq = e.job_seq)")" 0
  run --separate-stderr q purge
  assert_status 2
}

@test "purge keeps a canceled dependency while its canceled dependent is left; a retry then blocks" {
  a=$(q push a | jq -r .id)
  b=$(q push b --depends-on "$a" | jq -r .id)
  q cancel "$a" >/dev/null
  q cancel "$b" >/dev/null
  # b is too young to go; a stays for it, or retrying b would wait for ever.
  sqlite3 "$SHERATAN_DB" "UPDATE jobs SET finished_at = finished_at - 3600000 WHERE id = '$a'"
  run --separate-stderr q purge --older-than 30m
  assert_json '. == {"purged":0}'
  run --separate-stderr q retry "$b"
  assert_status 0
  assert_json '.status == "blocked"'
  q cancel "$b" >/dev/null
  # Both old enough: the dependent goes first, then its dependency, in one purge.
  sqlite3 "$SHERATAN_DB" "UPDATE jobs SET finished_at = finished_at - 3600000 WHERE id = '$b'"
  run --separate-stderr q purge --older-than 30m
  assert_json '. == {"purged":2}'
}

@test "purge of the newest events: event ids are never handed out again" {
  id=$(q push a | jq -r .id)
  claim_one
  q ack "$id" --token "$token" >/dev/null
  last=$(q watch --all --no-follow | jq -s 'map(.id) | max')
  run --separate-stderr q purge --older-than 0s
  assert_json '. == {"purged":1}'
  new=$(q push b | jq -r .id)
  run --separate-stderr q watch --after "$last" --no-follow
  assert_status 0
  assert_json ".job == \"$new\" and .id > $last and .to == \"ready\""
  assert_equal "${#lines[@]}" 1
  # Purging again, with the marker newest, changes nothing of that.
  run --separate-stderr q purge --older-than 0s
  assert_equal "$(q watch --after "$last" --no-follow | jq -r .job)" "$new"
}

# ---- watch ----------------------------------------------------------------------

@test "watch streams new events as JSON lines and exits 143 on SIGTERM" {
  q push before >/dev/null
  bg_start "$dir/events" "$QUEUE" watch
  wait_until 10 has_inotify "$bg_pid"
  pushed=$(q push a | jq -r .id)
  wait_until 10 grep -q "$pushed" "$dir/events"
  run cat "$dir/events"
  assert_equal "${#lines[@]}" 1     # only what happened after it started
  assert_json ".job == \"$pushed\" and .from == null and .to == \"ready\""
  assert_json 'has("id") and has("job") and has("ts") and has("worker") and has("detail")'
  # Later changes follow, in order.
  claim_one
  q ack "$id" --token "$token" >/dev/null
  wait_until 10 grep -q '"to":"done"' "$dir/events"
  assert_equal "$(jq -c '[.from, .to]' "$dir/events" | tr '\n' ' ')" '[null,"ready"] ["ready","leased"] ["leased","done"] '
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 143
  assert_equal "$(cat "$dir/events.err")" ""
}

@test "watch --all starts from the first event; --job filters" {
  a=$(q push a | jq -r .id)
  q push b >/dev/null
  bg_start "$dir/events" "$QUEUE" watch --all --job "$a"
  wait_until 10 has_inotify "$bg_pid"
  wait_until 10 grep -q "$a" "$dir/events"
  claim_one --kinds b
  claim_one --kinds a
  wait_until 10 grep -q '"to":"leased"' "$dir/events"
  assert_equal "$(jq -r '"\(.job) \(.to)"' "$dir/events" | tr '\n' ' ')" "$a ready $a leased "
  kill -INT "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 130
}

@test "watch --all with --after: a usage error (exit 2), they choose where to start both" {
  run --separate-stderr q watch --all --after 5 --no-follow
  assert_status 2
  assert_contains "$stderr" "--after" "--all"
}

@test "watch sees a commit whose fsync is slow (loaded disk)" {
  command -v strace >/dev/null || skip "strace is not installed"
  q push before >/dev/null
  bg_start "$dir/events" "$QUEUE" watch
  wait_until 10 has_inotify "$bg_pid"
  # LeakSanitizer cannot run under ptrace; leaks are checked everywhere else.
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -o /dev/null -e trace=fsync,fdatasync -e inject=fsync,fdatasync:delay_exit=300000 \
    "$QUEUE" push slow >/dev/null
  wait_until 5 grep -q '"to":"ready"' "$dir/events"
}
