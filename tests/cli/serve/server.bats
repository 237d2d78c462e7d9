#!/usr/bin/env bats
# sheratan-serve as a program: the address line, loopback only without tokens, errors
# as JSON, limits on bodies and slow clients, signals.

load ../lib
load serve_lib

@test "prints the address it listens on, once, as JSON; /healthz answers" {
  start_server
  assert_equal "$(wc -l <"$dir/serve.out")" 1
  assert_json '(.listen | test("^127\\.0\\.0\\.1:[0-9]+$")) and .url == "http://" + .listen' "$(cat "$dir/serve.out")"
  api GET /healthz
  assert_code 200
  assert_json '.ok == true' "$body"
  assert_equal "$(header Content-Type)" application/json
}

@test "refuses a non-loopback address without --tokens (exit 2), takes it with tokens" {
  run --separate-stderr "$SERVE" --listen 0.0.0.0:0
  assert_status 2
  assert_contains "$stderr" "not a loopback address" "--tokens"
  run --separate-stderr "$SERVE" --listen nonsense
  assert_status 2
  write_tokens
  LISTEN=0.0.0.0:0 start_server --tokens "$dir/tokens"
  assert_json '.listen | test("^0\\.0\\.0\\.0:[0-9]+$")' "$(cat "$dir/serve.out")"
}

@test "a --timeout or --max-wait that is not a duration: exit 4 naming the flag, nothing listens" {
  for flag in --timeout --max-wait; do
    run --separate-stderr "$SERVE" --listen 127.0.0.1:0 "$flag" later
    assert_status 4
    assert_equal "$output" ""
    assert_contains "$stderr" "$flag" "later"
  done
}

@test "a mistyped flag with its value suggests the flag; a value out of range names its flag (exit 2)" {
  run --separate-stderr "$SERVE" --lisen 127.0.0.1:0
  assert_status 2
  assert_contains "$stderr" "did you mean '--listen'?"
  run --separate-stderr "$SERVE" --threads 0
  assert_status 2
  assert_contains "$stderr" "--threads" "not in range"
}

@test "an address in use fails with exit 1 naming it" {
  start_server
  local taken
  taken=$(jq -r .listen "$dir/serve.out")
  run --separate-stderr "$SERVE" --listen "$taken"
  assert_status 1
  assert_contains "$stderr" "cannot listen on '$taken'"
}

@test "a malformed tokens file is refused naming the line (exit 4)" {
  printf '# comment\nroot admin short\n' >"$dir/tokens"
  run --separate-stderr "$SERVE" --listen 127.0.0.1:0 --tokens "$dir/tokens"
  assert_status 4
  assert_contains "$stderr" "line 2" "16 to 256 characters"
  printf 'root owner 0123456789abcdef0123\n' >"$dir/tokens"
  run --separate-stderr "$SERVE" --listen 127.0.0.1:0 --tokens "$dir/tokens"
  assert_status 4
  assert_contains "$stderr" "line 1" "unknown scope 'owner'"
}

@test "unknown routes and methods answer JSON errors" {
  start_server
  api GET /v2/nothing
  assert_error 404 not_found "no route 'GET /v2/nothing'"
  api DELETE /v1/jobs
  [ "$code" -ge 400 ]
  assert_json '.error | type == "string"' "$body"
  api PUT /v1/stats
  assert_error 400 bad_request "cannot serve 'PUT /v1/stats'"
  # A POST with no body at all is taken as an empty body: the route says what it lacks.
  api POST /v1/jobs
  assert_error 400 bad_request "empty body"
  api POST /v1/state
  assert_error 400 bad_request "field 'state' is required"
}

@test "a body past --max-body gets 413 and writes nothing" {
  start_server --max-body 1000
  local big
  big=$(printf '{"kind":"noop","params":{"pad":"%s"}}' "$(head -c 2000 /dev/zero | tr '\0' x)")
  api POST /v1/jobs -d "$big"
  assert_error 413 payload_too_large
  api POST /v1/jobs -d '{"kind":"small"}'
  assert_code 201
  assert_equal "$(job_count)" 1
}

@test "a chunked body is held to --max-body as it comes: 413, nothing written" {
  start_server --max-body 1000
  local big
  big=$(printf '{"kind":"noop","params":{"pad":"%s"}}' "$(head -c 20000 /dev/zero | tr '\0' x)")
  api POST /v1/jobs -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "$big"
  assert_error 413 payload_too_large
  api POST /v1/jobs -H 'Transfer-Encoding: chunked' --data-binary '{"kind":"small"}'
  assert_code 201
  assert_equal "$(job_count)" 1
}

@test "a body sent as form data (curl -d) is read whole up to --max-body, not cut at 8 KiB" {
  start_server
  local big
  big=$(printf '{"kind":"noop","params":{"pad":"%s"}}' "$(head -c 20000 /dev/zero | tr '\0' x)")
  api POST /v1/jobs -d "$big"
  assert_code 201
  assert_equal "$(q ls | jq '.params.pad | length')" 20000
}

@test "a client that stalls is cut off after --timeout" {
  start_server --timeout 1s
  local port
  port=${url##*:}
  # Half a request line, then nothing: the server closes the connection by itself.
  run timeout 10 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"kind\"")
start = time.monotonic()
data = s.recv(4096)
print("closed after %.1f s" % (time.monotonic() - start))
' "$port"
  assert_status 0
  assert_contains "$output" "closed after"
  assert_equal "$(job_count)" 0
}

@test "SIGTERM stops it with exit 143, SIGINT with 130" {
  start_server
  kill -TERM "$serve_pid"
  wait_exit "$serve_pid" 20
  assert_equal "$bg_status" 143
  start_server
  kill -INT "$serve_pid"
  wait_exit "$serve_pid" 20
  assert_equal "$bg_status" 130
}

@test "--help documents the flags; --version names the tool" {
  run "$SERVE" --help
  assert_status 0
  assert_contains "$output" --listen --tokens --threads --max-body --timeout --max-wait --rate --burst --max-depth
  run "$SERVE" --version
  assert_equal "${lines[0]%% *}" sheratan-serve
}
