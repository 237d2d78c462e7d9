#!/usr/bin/env bats
# GET /: the status page, served from the binary, and checked in headless Chromium
# (tests/browser/status_page.mjs; `make test` installs chromium and playwright-core).

load ../lib
load serve_lib

@test "GET / serves the status page, with or without tokens, and it asks for nothing" {
  start_server
  api GET /
  assert_code 200
  [[ "$(header Content-Type)" == text/html* ]]
  assert_contains "$body" "<title>Sheratan</title>"
  assert_contains "$body" "/v1/events"
  [[ "$(header Content-Security-Policy)" == *"default-src 'self'"* ]]
  kill -TERM "$serve_pid"
  wait_exit "$serve_pid" 10
  write_tokens
  start_server --tokens "$dir/tokens"
  api GET /
  assert_code 200
  api GET /v1/state
  assert_error 401 unauthorized
}

@test "in headless Chromium the page shows state, queues and hosts, and follows events live" {
  [ -d "$SHERATAN_SRC/tests/browser/node_modules/playwright-core" ] ||
    { echo "playwright-core is missing: run make browser-deps"; return 1; }
  q push first >/dev/null
  "$PROBE" add web http://127.0.0.1:1 >/dev/null
  start_server
  run node "$SHERATAN_SRC/tests/browser/status_page.mjs" "$url/" "$SHERATAN_BIN"
  echo "$output"
  assert_status 0
  assert_contains "$output" "ok - a transition by another process shows live"
}
