#!/usr/bin/env bats
# sheratan-probe end to end against a local HTTP stub (python3, stdlib): a healthy
# endpoint, one that returns 500, one that hangs past the timeout, a port that refuses
# connections, one that flaps, and one switched by a file.

load ../lib

P="$SHERATAN_BIN/sheratan-probe"
S="$SHERATAN_BIN/sheratan-state"
p() { "$P" "$@"; }

start_stub() {
  cat >"$dir/stub.py" <<'PY'
import http.server, os, sys, time
flaps = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/hang":
            time.sleep(60); return
        if self.path == "/flap":
            flaps[0] += 1; code = 200 if flaps[0] % 2 else 500
        elif self.path == "/switch":
            code = 200 if open(sys.argv[2]).read().strip() == "up" else 500
        elif self.path.startswith("/status/"):
            code = int(self.path[8:])
        else:
            code = 200 if self.path == "/health" else 404
        self.send_response(code); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args): pass
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
s = S(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
  echo down >"$dir/switch"
  bg_start "$dir/stub.out" python3 "$dir/stub.py" "$dir/port" "$dir/switch"
  wait_until 10 test -s "$dir/port"
  base="http://127.0.0.1:$(cat "$dir/port")"
}

# status_of NAME: the host's status from ls.
status_of() { p ls --json | jq -r --arg n "$1" 'select(.name == $n) | .status'; }

@test "add, ls, show and rm keep the registry; add again replaces and keeps the stats" {
  run --separate-stderr p add gpu1 http://10.0.0.5:8080 -c llm_call=100 -c read_file=0.5 --critical --path /up --expect-status 200-204
  assert_status 0
  assert_json '.name == "gpu1" and .url == "http://10.0.0.5:8080" and .path == "/up" and .expect_status == "200-204" and .critical == true and .status == "unknown"'
  assert_json '.capabilities == [{"kind":"llm_call","cost":"100.0000"},{"kind":"read_file","cost":"0.5000"}]'
  p add cpu1 http://10.0.0.6 >/dev/null
  run --separate-stderr p ls
  assert_status 0
  [ "${#lines[@]}" -eq 2 ]
  assert_json '.name == "cpu1" and .path == "/health" and .expect_status == "200-299" and .critical == false and .success_ema == 0.85 and .latency_ms_ema == 750 and .samples == 0' "${lines[0]}"
  run --separate-stderr p show gpu1
  assert_status 0
  assert_json '.name == "gpu1" and .results == []'
  run --separate-stderr p add gpu1 http://10.0.0.7 -c llm_call=90
  assert_json '.url == "http://10.0.0.7" and .critical == false and .capabilities == [{"kind":"llm_call","cost":"90.0000"}]'
  run --separate-stderr p rm gpu1 nope
  assert_status 1
  assert_contains "$stderr" "no host 'nope'"
  assert_equal "$(p ls --json | jq -r .name)" cpu1
  run --separate-stderr p show gpu1
  assert_status 1
}

@test "bad input names the field and changes nothing" {
  p add a http://h >/dev/null
  run --separate-stderr p add b ftp://h
  assert_status 4
  assert_contains "$stderr" "url 'ftp://h' must start with http:// or https://"
  run --separate-stderr p add 'b c' http://h
  assert_status 4
  assert_contains "$stderr" "host name 'b c'"
  run --separate-stderr p add b http://h -c llm_call
  assert_status 4
  assert_contains "$stderr" "capability 'llm_call' must be KIND=COST"
  run --separate-stderr p add b http://h -c x=1.23456
  assert_status 4
  assert_contains "$stderr" "capability 'x=1.23456'"
  run --separate-stderr p add b http://h -c x=1 -c x=2
  assert_status 4
  run --separate-stderr p add b http://h --expect-status 2xx
  assert_status 4
  assert_contains "$stderr" "expect-status '2xx'"
  run --separate-stderr p add b http://h --path health
  assert_status 4
  run --separate-stderr p run --once --timeout soon
  assert_status 4
  assert_equal "$(p ls --json | jq -r .name)" a
}

@test "run --once: healthy up, 500 and refused degraded, a hang times out; all probed at once" {
  start_stub
  p add ok "$base" >/dev/null
  p add err "$base" --path /status/500 >/dev/null
  p add refused http://127.0.0.1:1 >/dev/null
  for i in 1 2 3 4 5; do p add "hang$i" "$base" --path /hang >/dev/null; done
  p add teapot "$base" --path /status/418 --expect-status 418 >/dev/null
  start=$(now_ms)
  run --separate-stderr p run --once --timeout 1s
  elapsed=$(($(now_ms) - start))
  assert_status 0
  [ "${#lines[@]}" -eq 9 ]
  # Five hangs of 1 s each, one after another, would take 5 s.
  [ "$elapsed" -lt 4000 ]
  line() { grep "\"host\":\"$1\"" <<<"$output"; }
  assert_json '.ok == true and .http_status == 200 and .status == "up" and .previous_status == "unknown" and .error == null' "$(line ok)"
  assert_json '.ok == false and .http_status == 500 and .status == "degraded" and .error == "HTTP status 500 (expected 200-299)"' "$(line err)"
  assert_json '.ok == false and .http_status == null and .status == "degraded" and (.error | test("connect"; "i"))' "$(line refused)"
  assert_json '.ok == false and .status == "degraded" and (.error | test("timeout|timed out"; "i")) and .latency_ms >= 900' "$(line hang3)"
  assert_json '.ok == true and .http_status == 418 and .status == "up"' "$(line teapot)"
  assert_json '.samples == 1 and .results[0].ok == false and .results[0].http_status == 500' "$(p show err)"
}

@test "damping: down after 3 failures (a critical one fails --once), up after 2 successes, then eval" {
  start_stub
  p add sw "$base" --path /switch --critical >/dev/null
  statuses=()
  for round in 1 2 3; do
    run --separate-stderr p run --once --timeout 2s
    statuses+=("$(jq -r .status <<<"$output")")
    if [ "$round" -lt 3 ]; then assert_status 0; else assert_status 1; fi
  done
  assert_equal "${statuses[*]}" "degraded degraded down"
  assert_json '.consecutive_failures == 3 and .cooldown_until != null and .success_ema < 0.5' "$(p show sw)"
  run --separate-stderr "$S" eval --apply
  assert_status 1
  assert_json '.verdict == "DEGRADED" and .facts.critical_down == ["sw"] and .event.reason == "eval: critical host '"'sw'"' down"'
  echo up >"$dir/switch"
  statuses=()
  for round in 1 2; do
    run --separate-stderr p run --once --timeout 2s
    assert_status 0
    statuses+=("$(jq -r .status <<<"$output")")
  done
  assert_equal "${statuses[*]}" "degraded up"
  run --separate-stderr "$S" eval --apply
  assert_status 0
  assert_equal "$("$S" get | jq -r .state)" OPERATIONAL
}

@test "a flapping host is damped: it neither stays up nor goes down" {
  start_stub
  p add flap "$base" --path /flap >/dev/null
  statuses=()
  for round in 1 2 3 4 5 6 7 8; do
    statuses+=("$(p run --once --timeout 2s | jq -r .status)")
  done
  assert_equal "${statuses[*]}" "up degraded degraded degraded degraded degraded degraded degraded"
  assert_json '.samples == 8 and .consecutive_failures == 1' "$(p show flap)"
}

@test "results are kept up to probe.retention per host" {
  start_stub
  echo '{"probe":{"retention":3}}' >"$SHERATAN_CONFIG"
  p add ok "$base" >/dev/null
  p add other "$base" >/dev/null
  for round in 1 2 3 4 5; do p run --once >/dev/null; done
  assert_json '.samples == 5 and (.results | length) == 3' "$(p show ok -n 100)"
  assert_equal "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM probe_results")" 6
  p rm other
  assert_equal "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM probe_results")" 3
}

@test "run without --once probes every interval, picks up new hosts, ends on SIGTERM" {
  start_stub
  p add ok "$base" >/dev/null
  bg_start "$dir/run.out" "$P" run --interval 200ms --json
  runner=$bg_pid
  wait_until 10 sh -c "[ \$(grep -c '\"host\":\"ok\"' '$dir/run.out') -ge 2 ]"
  p add late "$base" --path /status/503 >/dev/null
  wait_until 10 grep -q '"host":"late"' "$dir/run.out"
  kill -TERM "$runner"
  wait_exit "$runner" 10
  assert_equal "$bg_status" 143
  assert_json 'has("host") and has("ok") and has("latency_ms") and has("status")' "$(cat "$dir/run.out")"
}

@test "best ranks eligible hosts by the original's score; none eligible exits 1 naming why" {
  start_stub
  p add cheap "$base" -c llm_call=50 >/dev/null
  p add dear "$base" -c llm_call=100 >/dev/null
  p add err "$base" --path /status/500 -c llm_call=10 >/dev/null
  p add other "$base" -c read_file=1 >/dev/null
  p run --once >/dev/null
  run --separate-stderr p best -k llm_call
  assert_status 0
  [ "${#lines[@]}" -eq 2 ]
  assert_json '.name == "cheap" and .cost == "50.0000" and .cost_part == 1 and .eligible == true' "${lines[0]}"
  assert_json '.name == "dear" and .cost_part == 0.5' "${lines[1]}"
  a=$(jq .score <<<"${lines[0]}")
  b=$(jq .score <<<"${lines[1]}")
  jq -e -n "$a > $b" >/dev/null
  assert_json '(.score - (0.45 * .cost_part + 0.40 * .success_part + 0.15 * .latency_part)) | fabs < 0.001'
  run --separate-stderr p best -k pdf_to_json
  assert_status 1
  assert_contains "$stderr" "no eligible host for kind 'pdf_to_json'"
  p rm cheap dear
  for i in 1 2; do p run --once >/dev/null || true; done
  run --separate-stderr p best -k llm_call
  assert_status 1
  assert_contains "$stderr" "err: down, never seen, cooling down until"
}

@test "status: one line per host at a glance" {
  start_stub
  p add ok "$base" >/dev/null
  p add err "$base" --path /status/500 >/dev/null
  p run --once >/dev/null
  run --separate-stderr p status --json
  assert_status 0
  assert_json '.name == "err" and .status == "degraded" and .last_error == "HTTP status 500 (expected 200-299)"' "${lines[0]}"
  assert_json '.name == "ok" and .status == "up" and .critical == false' "${lines[1]}"
  run --separate-stderr p status --format tsv
  assert_equal "${lines[0]}" "$(printf 'name\tstatus\tcritical\tsince\tlatency_ms\tsuccess\tlast_error')"
}

@test "run --once with no hosts says so and exits 0" {
  run --separate-stderr p run --once
  assert_status 0
  [ -z "$output" ]
  assert_contains "$stderr" "no hosts registered"
}
