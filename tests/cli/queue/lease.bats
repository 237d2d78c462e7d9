#!/usr/bin/env bats
# sheratan-queue claim, ack, fail, extend, release: leases, fencing tokens, waiting,
# results and their hashes, retries, batches from stdin.

load ../lib

# claim_one [FLAGS...]: claims one job; sets $id and $token.
claim_one() {
  local out
  out=$(q claim "$@")
  id=$(jq -r .id <<<"$out")
  token=$(jq -r .lease_token <<<"$out")
  [ -n "$id" ] && [ "$token" != null ]
}

status_of() { job_field "$1" .status; }

# ---- claim --------------------------------------------------------------------

@test "claim leases a ready job: JSON with lease_token, lease_until, worker, attempts 1" {
  pushed=$(q push read_file --params '{"path":"a"}' | jq -r .id)
  run --separate-stderr q claim --worker w1
  assert_status 0
  assert_equal "$(wc -l <<<"$output")" 1
  assert_json ".id == \"$pushed\" and .kind == \"read_file\" and .params == {\"path\":\"a\"}"
  assert_json '.status == "leased" and .worker == "w1" and .attempts == 1'
  assert_json '(.lease_token | type) == "string" and (.lease_token | length) >= 16'
  assert_json '(.lease_until | type) == "string"'
  assert_equal "$(status_of "$pushed")" leased
  # A leased job is not handed out twice.
  run q claim --worker w2
  assert_status 1
}

@test "claim order: highest priority first, then oldest" {
  q push low1 --priority low >/dev/null
  q push high1 --priority high >/dev/null
  q push norm1 >/dev/null
  q push high2 --priority 20 >/dev/null
  q push crit1 --priority critical >/dev/null
  q push low2 --priority 0 >/dev/null
  run --separate-stderr q claim --limit 10
  assert_status 0
  assert_equal "$(jq -r .kind <<<"$output" | tr '\n' ' ')" "crit1 high1 high2 norm1 low1 low2 "
}

@test "claim --limit N leases at most N jobs, one at a time by default" {
  for k in a b c d; do q push "$k" >/dev/null; done
  run q claim
  assert_equal "$(wc -l <<<"$output")" 1
  run q claim --limit 2
  assert_status 0
  assert_equal "$(jq -r .kind <<<"$output" | tr '\n' ' ')" "b c "
  assert_equal "$(q ls --status ready | jq -r .kind)" d
  run --separate-stderr q claim --limit 0
  assert_status 2
}

@test "claim --kinds takes only those kinds (comma-separated or repeated)" {
  for k in a b c a b c; do q push "$k" >/dev/null; done
  run q claim --kinds b,c --limit 10
  assert_equal "$(jq -r .kind <<<"$output" | sort | tr '\n' ' ')" "b b c c "
  run q claim --kinds x --kinds a --limit 10
  assert_equal "$(jq -r .kind <<<"$output" | tr '\n' ' ')" "a a "
  run q claim --kinds a,b,c
  assert_status 1
}

@test "claim --queue takes only from that queue; the default queue is 'default'" {
  q push mail --queue outbox >/dev/null
  run --separate-stderr q claim
  assert_status 1
  run --separate-stderr q claim --queue outbox
  assert_status 0
  assert_json '.kind == "mail" and .queue == "outbox"'
}

@test "claim --lease sets lease_until that far ahead" {
  q push a >/dev/null
  run q claim --lease 90s
  assert_json "$JQ_MS"' (.lease_until | ms) - (.updated_at | ms) == 90000'
  q push b >/dev/null
  run q claim
  assert_json "$JQ_MS"' (.lease_until | ms) - (.updated_at | ms) == 60000'   # default 60s
}

@test "claim on an empty queue exits 1 with no output at all" {
  run --separate-stderr q claim
  assert_status 1
  assert_equal "$output" ""
  assert_equal "$stderr" ""
  # Pending and leased jobs are not claimable either.
  q push later --delay 1h >/dev/null
  run --separate-stderr q claim
  assert_status 1
  assert_equal "$output" ""
}

@test "claim with a bad --wait or --lease: exit 4 naming the flag, nothing leased though a job is ready" {
  q push a >/dev/null
  for args in "--wait abc" "--wait -5s" "--lease xyz" "--lease 0s" "--lease 0s --wait 1s"; do
    # shellcheck disable=SC2086
    run --separate-stderr q claim $args
    assert_status 4
    assert_equal "$output" ""
    assert_contains "$stderr" "${args%% *}"
  done
  assert_equal "$(q ls | jq -r .status)" ready
}

@test "claim --wait 200ms on an empty queue exits 1 after the deadline, not before" {
  start=$(now_ms)
  run --separate-stderr timeout 10 "$QUEUE" claim --wait 200ms
  elapsed=$(($(now_ms) - start))
  assert_status 1
  assert_equal "$output" ""
  [ "$elapsed" -ge 200 ] || { echo "returned after ${elapsed}ms"; false; }
}

@test "claim --wait keeps its deadline while the store's folder never falls quiet" {
  command -v strace >/dev/null || skip "strace is not installed"
  q push unrelated --queue elsewhere >/dev/null
  # strace writes each of the waiter's system calls into the folder the waiter watches:
  # every read of an event makes the next event, so the events never run out.
  run --separate-stderr timeout 20 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -o "$dir/trace" "$QUEUE" claim --wait 1s
  assert_status 1  # the deadline's exit, not timeout's 124
  assert_equal "$output" ""
}

@test "claim --wait wakes up when another process pushes" {
  q push unrelated --queue elsewhere >/dev/null   # the store exists; nothing to claim
  bg_start "$dir/claimed" "$QUEUE" claim --worker waiter --wait 10s
  # Push only once the waiter has armed its watch, so that it really has to wake up.
  wait_until 10 has_inotify "$bg_pid"
  pushed=$(q push wake --params '{"n":1}' | jq -r .id)
  # Well before its 10 s deadline: it must have been woken by the push.
  wait_exit "$bg_pid" 8
  assert_equal "$bg_status" 0
  assert_json ".id == \"$pushed\" and .kind == \"wake\" and .worker == \"waiter\" and .status == \"leased\"" "$(cat "$dir/claimed")"
}

@test "claim --wait returns a delayed job when its run_at arrives" {
  # The delay is long enough for a claim to start and look on a slow (sanitizer) build.
  pushed=$(q push later --delay 2s | jq -r .id)
  run --separate-stderr q claim
  assert_status 1
  # Well before the 10 s deadline (timeout 8), and not before run_at.
  run --separate-stderr timeout 8 "$QUEUE" claim --wait 10s
  assert_status 0
  assert_json ".id == \"$pushed\" and .status == \"leased\""
  assert_json "$JQ_MS"' (.updated_at | ms) >= (.run_at | ms)'
}

@test "claim --wait wakes on a commit whose fsync is slow (loaded disk)" {
  command -v strace >/dev/null || skip "strace is not installed"
  q push unrelated --queue elsewhere >/dev/null
  bg_start "$dir/claimed" "$QUEUE" claim --wait 10s
  wait_until 10 has_inotify "$bg_pid"
  # The same push, with each fsync of the committing process taking 300 ms.
  # LeakSanitizer cannot run under ptrace; leaks are checked everywhere else.
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -o /dev/null -e trace=fsync,fdatasync -e inject=fsync,fdatasync:delay_exit=300000 \
    "$QUEUE" push wake >/dev/null
  wait_exit "$bg_pid" 5
  assert_equal "$bg_status" 0
  assert_json '.kind == "wake"' "$(cat "$dir/claimed")"
}

# A foreign writer (the sqlite3 shell) makes a delayed job ready: the waiter must notice
# the commit itself, long before the job's own run_at (1 h) or its 60 s deadline.
foreign_commit_wakes_claim() {
  pushed=$(q push later --delay 1h | jq -r .id)
  bg_start "$dir/claimed" "$QUEUE" claim --wait 60s
  wait_until 10 has_inotify "$bg_pid"
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@" sqlite3 "$SHERATAN_DB" \
    "PRAGMA synchronous=FULL; UPDATE jobs SET status = 'ready' WHERE id = '$pushed'"
  wait_exit "$bg_pid" 8
  assert_equal "$bg_status" 0
  assert_json ".id == \"$pushed\" and .status == \"leased\"" "$(cat "$dir/claimed")"
}

@test "claim --wait wakes on a commit by the sqlite3 shell" {
  foreign_commit_wakes_claim
}

@test "claim --wait wakes on a commit by the sqlite3 shell whose fsync is slow" {
  command -v strace >/dev/null || skip "strace is not installed"
  foreign_commit_wakes_claim strace -f -o /dev/null -e trace=fsync,fdatasync \
    -e inject=fsync,fdatasync:delay_exit=300000
}

# ---- ack ----------------------------------------------------------------------

@test "ack --result stores the result and its SHA-256 over the canonical form" {
  q push a >/dev/null
  claim_one
  result='{"b":[1,{"z":true,"a":null}],"a":"x"}'
  run --separate-stderr q ack "$id" --token "$token" --result "$result"
  assert_status 0
  assert_json '.status == "done" and .result == {"a":"x","b":[1,{"a":null,"z":true}]}'
  assert_json ".result_hash == \"$(canonical_sha256 "$result")\""
  assert_json '(.finished_at | type) == "string" and (has("lease_token") | not)'
  run q show "$id"
  assert_json '.status == "done" and .result_verified == true'
  assert_json ".result_hash == \"$(canonical_sha256 "$result")\""
}

@test "ack with a result nested too deep: exit 4, not a crash, the job stays leased" {
  q push a >/dev/null
  claim_one
  deep=$(python3 -c 'n = 50000; print("[" * n + "]" * n)')
  run --separate-stderr q ack "$id" --token "$token" --result "$deep"
  assert_status 4
  assert_contains "$stderr" "--result"
  printf '{"id":"%s","token":"%s","result":%s}\n' "$id" "$token" "$deep" >"$dir/ack.jsonl"
  run --separate-stderr q ack <"$dir/ack.jsonl"
  assert_status 4
  assert_contains "$stderr" "line 1" "'result'"
  assert_equal "$(status_of "$id")" leased
}

@test "ack without --result stores null" {
  q push a >/dev/null
  claim_one
  run q ack "$id" --token "$token"
  assert_status 0
  assert_json '.status == "done" and .result == null'
}

@test "show detects a tampered result, or a deleted one under its hash: exit 1, stderr says tampered" {
  for tamper in "result='{\"x\":2}'" "result=NULL" "result='not json'" "result=NULL, result_hash=NULL"; do
    q push a >/dev/null
    claim_one
    q ack "$id" --token "$token" --result '{"x":1}' >/dev/null
    sqlite3 "$SHERATAN_DB" "UPDATE jobs SET $tamper WHERE id='$id'"
    run --separate-stderr q show "$id"
    assert_status 1
    assert_contains "$stderr" "$id" "tampered"
    assert_json '.result_verified == false'
    # Every line on standard output stays JSON, the job's too.
    q ls --json | jq -e . >/dev/null
  done
  assert_equal "$(q ls --json | jq -c 'select(.result == "not json") | .result')" '"not json"'
}

@test "ack with a wrong token: exit 3, the job stays leased, the right token still works" {
  q push a >/dev/null
  claim_one
  run --separate-stderr q ack "$id" --token 0000000000000000 --result '"stolen"'
  assert_status 3
  assert_equal "$output" ""
  assert_contains "$stderr" "$id" "token" "does not match the job's lease"
  assert_equal "$(status_of "$id")" leased
  assert_equal "$(job_field "$id" .result)" null
  run q ack "$id" --token "$token" --result '"mine"'
  assert_status 0
  assert_equal "$(job_field "$id" .result)" mine
}

@test "ack of a job that is already done: exit 3, the result is not replaced" {
  q push a >/dev/null
  claim_one
  q ack "$id" --token "$token" --result 1 >/dev/null
  run --separate-stderr q ack "$id" --token "$token" --result 2
  assert_status 3
  assert_equal "$(job_field "$id" .result)" 1
}

@test "ack of an unknown job exits 1; ack with an id but no token is a usage error" {
  q push a >/dev/null
  run --separate-stderr q ack no-such-job --token abc
  assert_status 1
  assert_contains "$stderr" "no-such-job"
  run --separate-stderr q ack no-such-job
  assert_status 2
}

@test "ack from stdin: many jobs in one batch, each with its result" {
  seq 1 20 | jq -c '{kind: "n", params: {n: .}}' | q push >/dev/null
  q claim --limit 20 >"$dir/leases"
  run --separate-stderr q ack < <(jq -c '{id, token: .lease_token, result: {n: .params.n}}' "$dir/leases")
  assert_status 0
  assert_equal "$(wc -l <<<"$output")" 20
  assert_json '.status == "done" and .result.n == .params.n'
  assert_equal "$(q ls --status done | wc -l)" 20
}

@test "a batch with one wrong token changes nothing: exit 3, the line named" {
  seq 1 5 | jq -c '{kind: "n", params: {n: .}}' | q push >/dev/null
  q claim --limit 5 >"$dir/leases"
  jq -c '{id, token: .lease_token, result: "r"}' "$dir/leases" |
    awk 'NR == 3 { sub(/"token":"[^"]*"/, "\"token\":\"wrong\"") } 1' >"$dir/acks"
  for action in ack fail release extend; do
    if [ "$action" = ack ]; then input="$dir/acks"; else
      jq -c 'del(.result)' "$dir/acks" >"$dir/$action.in"; input="$dir/$action.in"
    fi
    run --separate-stderr q "$action" <"$input"
    assert_status 3
    assert_equal "$output" ""
    assert_contains "$stderr" "line 3"
    run q ls
    assert_json '.status == "leased" and .result == null and .attempts == 1 and .error == null'
    assert_equal "$(q ls | jq -r .lease_until | sort -u)" "$(jq -r .lease_until "$dir/leases" | sort -u)"
  done
}

@test "fail, extend and release from stdin, many in one batch" {
  seq 1 6 | jq -c '{kind: "n", params: {n: .}}' | q push --json >/dev/null
  q claim --limit 6 --lease 30s >"$dir/leases"
  run --separate-stderr q extend < <(jq -c '{id, token: .lease_token, lease: "2h"}' "$dir/leases")
  assert_status 0
  assert_equal "$(wc -l <<<"$output")" 6
  assert_json "$JQ_MS"' .status == "leased" and (.lease_until | ms) - (.updated_at | ms) == 7200000'
  run --separate-stderr q fail < <(jq -c 'select(.params.n <= 2) | {id, token: .lease_token, error: "boom \(.params.n)"}' "$dir/leases")
  assert_status 0
  assert_equal "$(wc -l <<<"$output")" 2
  assert_json '.status == "pending" and (.error | startswith("boom"))'
  run --separate-stderr q fail < <(jq -c 'select(.params.n == 3) | {id, token: .lease_token, retry: false}' "$dir/leases")
  assert_status 0
  assert_json '.status == "dead"'
  run --separate-stderr q release < <(jq -c 'select(.params.n >= 4) | {id, token: .lease_token}' "$dir/leases")
  assert_status 0
  assert_equal "$(wc -l <<<"$output")" 3
  assert_json '.status == "ready" and .attempts == 0'
  assert_equal "$(q stats | jq -c '[.total.pending, .total.dead, .total.ready, .total.leased]')" "[2,1,3,0]"
}

@test "a stdin line with an unknown field or without a token: exit 4, the line and field named, nothing changed" {
  q push a >/dev/null
  q push b >/dev/null
  q claim --limit 2 >"$dir/leases"
  jq -c '{id, token: .lease_token}' "$dir/leases" | sed '2s/}$/,"reslt":1}/' >"$dir/acks"
  run --separate-stderr q ack <"$dir/acks"
  assert_status 4
  assert_contains "$stderr" "line 2" "'reslt'"
  run --separate-stderr q ack < <(jq -c '{id}' "$dir/leases")
  assert_status 4
  assert_contains "$stderr" "line 1" "'token'"
  run q ls
  assert_json '.status == "leased"'
}

# ---- fail, retries, extend, release -------------------------------------------

@test "extend with a bad lease: the stdin field or the flag is named, exit 4, the lease unchanged" {
  q push a >/dev/null
  claim_one
  before=$(job_field "$id" .lease_until)
  run --separate-stderr q extend <<<"{\"id\":\"$id\",\"token\":\"$token\",\"lease\":-5}"
  assert_status 4
  assert_contains "$stderr" "line 1" "'lease'"
  run --separate-stderr q extend "$id" --token "$token" --lease xyz
  assert_status 4
  assert_contains "$stderr" "--lease"
  run --separate-stderr q extend "$id" --token "$token" --lease 0s
  assert_status 4
  assert_contains "$stderr" "--lease must be longer than 0"
  run --separate-stderr q extend <<<"{\"id\":\"$id\",\"token\":\"$token\",\"lease\":0}"
  assert_status 4
  assert_contains "$stderr" "line 1" "field 'lease' must be longer than 0"
  assert_equal "$(job_field "$id" .lease_until)" "$before"
}

@test "with lines on stdin, the flags of one lease (--token, --result, --error ...): exit 2, nothing changed" {
  q push a >/dev/null
  claim_one
  line="{\"id\":\"$id\",\"token\":\"$token\"}"
  for args in "ack --token $token" "ack --result 5" "fail --error e" "fail --no-retry" "extend --lease 5m" \
    "release --token $token"; do
    # shellcheck disable=SC2086
    run --separate-stderr q $args <<<"$line"
    assert_status 2
    assert_contains "$stderr" "each line"
  done
  assert_equal "$(status_of "$id")" leased
}

@test "fail: back to pending with the error and a later run_at (backoff); attempts kept" {
  q push a --backoff 1h >/dev/null
  claim_one
  run --separate-stderr q fail "$id" --token "$token" --error "disk full"
  assert_status 0
  assert_json '.status == "pending" and .error == "disk full" and .attempts == 1'
  assert_json "$JQ_MS"' (.run_at | ms) - (.updated_at | ms) == 3600000'
  run q claim
  assert_status 1
  # The old token is spent.
  run --separate-stderr q ack "$id" --token "$token"
  assert_status 3
}

@test "fail --no-retry: dead at once, with its error" {
  q push a >/dev/null
  claim_one
  run --separate-stderr q fail "$id" --token "$token" --error "bad params" --no-retry
  assert_status 0
  assert_json '.status == "dead" and .error == "bad params" and .attempts == 1'
  assert_json '(.finished_at | type) == "string"'
  assert_equal "$(q stats | jq .dead)" 1
}

@test "after max_attempts failures the job is dead" {
  q push a --max-attempts 3 --backoff 10ms >/dev/null
  for attempt in 1 2 3; do
    run --separate-stderr timeout 10 "$QUEUE" claim --wait 5s
    assert_status 0
    assert_json ".attempts == $attempt"
    run q fail "$(jq -r .id <<<"$output")" --token "$(jq -r .lease_token <<<"$output")" --error "try $attempt"
    assert_status 0
  done
  assert_json '.status == "dead" and .attempts == 3 and .error == "try 3"'
  run q claim --wait 100ms
  assert_status 1
}

@test "backoff doubles per failed attempt" {
  q push a --backoff 1h --backoff-max 10h >/dev/null
  claim_one
  q fail "$id" --token "$token" >/dev/null
  # Make it due again without waiting an hour.
  sqlite3 "$SHERATAN_DB" "UPDATE jobs SET run_at = 0"
  claim_one
  run q fail "$id" --token "$token"
  assert_json "$JQ_MS"' .attempts == 2 and (.run_at | ms) - (.updated_at | ms) == 7200000'
}

@test "extend: lease_until moves out and the token stays valid" {
  q push a >/dev/null
  claim_one --lease 10s
  before=$(job_field "$id" "$JQ_MS"' .lease_until | ms')
  run --separate-stderr q extend "$id" --token "$token" --lease 1h
  assert_status 0
  assert_json "$JQ_MS"' .status == "leased" and (.lease_until | ms) - (.updated_at | ms) == 3600000'
  [ "$(jq "$JQ_MS"' .lease_until | ms' <<<"$output")" -gt "$before" ]
  run --separate-stderr q extend "$id" --token nope --lease 1h
  assert_status 3
  run q ack "$id" --token "$token"
  assert_status 0
}

@test "release: back to ready without spending an attempt" {
  q push a >/dev/null
  claim_one
  assert_equal "$(job_field "$id" .attempts)" 1
  run --separate-stderr q release "$id" --token "$token"
  assert_status 0
  assert_json '.status == "ready" and .attempts == 0 and (has("lease_token") | not)'
  run q ack "$id" --token "$token"
  assert_status 3
  run q claim
  assert_json ".id == \"$id\" and .attempts == 1"
  assert_contains "$(q show "$id" | jq -c '[.events[].detail]')" '"released"'
}

@test "lease expiry: another worker gets the job with a new token; the first token is refused" {
  pushed=$(q push a | jq -r .id)
  claim_one --worker first --lease 200ms
  # The second worker blocks until the lease runs out (the tool's own wait, bounded).
  run --separate-stderr timeout 10 "$QUEUE" claim --worker second --wait 3s
  assert_status 0
  assert_json ".id == \"$pushed\" and .worker == \"second\" and .attempts == 2"
  second_token=$(jq -r .lease_token <<<"$output")
  [ "$second_token" != "$token" ]
  run --separate-stderr q ack "$id" --token "$token" --result '"late"'
  assert_status 3
  assert_equal "$(status_of "$id")" leased
  assert_equal "$(job_field "$id" .worker)" second
  run q ack "$id" --token "$second_token" --result '"ok"'
  assert_status 0
  assert_equal "$(job_field "$id" .result)" ok
}

# True when the (single-threaded) process sleeps in write(2) on its stdout.
blocked_writing() {
  [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = S ] && [ "$(cut -d' ' -f1,2 "/proc/$1/syscall")" = "1 0x1" ]
}

@test "a closed pipe gives back every lease of the claim; SIGTERM on a stalled reader those not printed" {
  seq 3000 | sed 's/.*/{"kind":"a"}/' | q push >/dev/null
  run bash -c '"$0" claim -n 3000 --json | head -1 >/dev/null; echo "${PIPESTATUS[0]}"' "$QUEUE"
  assert_equal "$output" 141
  assert_equal "$(q stats | jq -c '[.total.ready, .total.leased]')" "[3000,0]"
  # A reader that reads nothing: the claim stalls once the pipe is full, mid-output.
  for format in json table; do
    mkfifo "$dir/out-$format"
    exec 8<>"$dir/out-$format"
    "$QUEUE" claim -n 3000 --format "$format" >"$dir/out-$format" 2>"$dir/err" 3>&- 8>&- &
    bg_pid=$!
    BG_PIDS+=("$bg_pid")
    wait_until 10 blocked_writing "$bg_pid"
    kill -TERM "$bg_pid"
    wait_exit "$bg_pid" 10
    assert_equal "$bg_status" 143
    dd if=/dev/fd/8 iflag=nonblock bs=1M count=1 of="$dir/got-$format" 2>/dev/null
    exec 8<&-
    # Whole lines only, and exactly the jobs printed stay leased: the rest, most of the
    # claim, is ready again with its attempt given back.
    assert_equal "$(tail -c 1 "$dir/got-$format" | od -An -c | tr -d ' ')" '\n'
    printed=$(grep -c '[0-9a-f]\{8\}-' "$dir/got-$format")
    [ "$printed" -gt 0 ] && [ "$printed" -lt 3000 ]
    assert_equal "$(q stats | jq .total.leased)" "$printed"
    assert_equal "$(q ls --status ready | jq -s 'map(.attempts) | max')" 0
    q ls --status leased | jq -r .id | xargs "$QUEUE" cancel >/dev/null
    q ls --status canceled | jq -r .id | xargs "$QUEUE" retry >/dev/null
  done
}

@test "table and TSV cells: control characters escaped or blanked, widths and cuts by character" {
  for n in 1 2 3; do q push a >/dev/null; done
  claim_one
  run --separate-stderr q fail "$id" --token "$token" -e "$(printf 'boom\nnext\tcol\r\xff')" --format table
  assert_status 0
  assert_equal "${#lines[@]}" 2
  assert_contains "${lines[1]}" 'boom\nnext\tcol\r\xff'
  claim_one
  run --separate-stderr q fail "$id" --token "$token" -e "$(printf 'a\nb\tc\rd')" --format tsv
  assert_equal "$(printf '%s\n' "$output" | wc -l)" 2
  assert_equal "$(cut -f4 <<<"${lines[1]}")" "a b c d"
  claim_one
  long=$(printf 'é%.0s' $(seq 100))
  run --separate-stderr q fail "$id" --token "$token" -e "$long" --format table
  assert_status 0
  iconv -f UTF-8 -t UTF-8 <<<"$output" >/dev/null  # cut between characters, not inside one
  assert_contains "${lines[1]}" "$(printf 'é%.0s' $(seq 59))~"
  # The header's columns line up with the row's, counted in characters.
  header_error=$(awk '{print index($0, "ERROR")}' <<<"${lines[0]}")
  row_error=$(python3 -c 'import sys; print(sys.argv[1].index("é") + 1)' "${lines[1]}")
  assert_equal "$row_error" "$header_error"
}
