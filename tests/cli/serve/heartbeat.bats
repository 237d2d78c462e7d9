#!/usr/bin/env bats
# sheratan-serve POST /v1/heartbeat: signed heartbeats, the key pinned on first use,
# replays and stale times refused (409), forgeries and other keys refused (401) with
# an audit event; sheratan-probe heartbeat and sheratan-worker --identity send them.

load ../lib
load serve_lib

WORKER="$SHERATAN_BIN/sheratan-worker"

# signed NAME [KEY]: a signed heartbeat of host NAME (key $dir/id.json by default).
signed() { "$PROBE" heartbeat --identity "${2:-$dir/id.json}" --name "$1" --print-only; }

# post_heartbeat BODY [CURL ARGS...]
post_heartbeat() {
  local heartbeat=$1
  shift
  api POST /v1/heartbeat -H 'Content-Type: application/json' --data-binary "$heartbeat" "$@"
}

# True once the clock is past epoch milliseconds $1.
clock_past() { [ "$(now_ms)" -gt "$1" ]; }

@test "a good heartbeat is accepted and pins the key; GET /v1/hosts shows it" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  start_server
  hb=$(signed gpu-1)
  post_heartbeat "$hb"
  assert_code 200
  assert_json '.host == "gpu-1" and .verdict == "pinned" and (.fingerprint | startswith("SHA256:"))' "$body"
  fingerprint=$(jq -r .fingerprint <<<"$body")
  post_heartbeat "$(signed gpu-1)"
  assert_code 200
  assert_json '.verdict == "accepted"' "$body"
  api GET /v1/hosts
  assert_code 200
  assert_json ".name == \"gpu-1\" and .registered == false and .heartbeat.fingerprint == \"$fingerprint\"
    and .heartbeat.heartbeats == 2 and .heartbeat.status == \"ok\"" "$body"
}

@test "sheratan-probe heartbeat sends one; ls and show tell the last heartbeat of a registered host" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  write_tokens
  printf '%s\n' "$TOKEN_WORK" >"$dir/token"
  start_server --tokens "$dir/tokens"
  "$PROBE" add gpu-1 http://127.0.0.1:9 >/dev/null
  run --separate-stderr "$PROBE" heartbeat "$url" --identity "$dir/id.json" --name gpu-1 --token-file "$dir/token"
  assert_status 0
  assert_json '.verdict == "pinned" and .host == "gpu-1"'
  # Without the token: 401 from the access gate, exit 1.
  run --separate-stderr "$PROBE" heartbeat "$url" --identity "$dir/id.json" --name gpu-1
  assert_status 1
  assert_contains "$stderr" "HTTP 401"
  # Scope work is needed: a read-only token gets 403.
  printf '%s\n' "$TOKEN_SUBMIT" >"$dir/submit-token"
  run --separate-stderr "$PROBE" heartbeat "$url/" --identity "$dir/id.json" --name gpu-1 --token-file "$dir/submit-token"
  assert_status 1
  assert_contains "$stderr" "lacks scope 'work'"
  run --separate-stderr "$PROBE" show gpu-1
  assert_status 0
  assert_json '.heartbeat.heartbeats == 1 and (.heartbeat.fingerprint | startswith("SHA256:")) and .heartbeat.last_seen != null'
  run --separate-stderr "$PROBE" ls --json
  assert_json '.name == "gpu-1" and .last_heartbeat != null'
  api GET /v1/hosts -H "Authorization: Bearer $TOKEN_ADMIN"
  assert_json '.name == "gpu-1" and .url != null and .heartbeat.counter > 0' "$body"
}

@test "the same heartbeat sent again is a replay: 409, and it is audited" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  start_server
  hb=$(signed gpu-1)
  post_heartbeat "$hb"
  assert_code 200
  post_heartbeat "$hb"
  assert_error 409 replay "not greater than the last one"
  # Key order and spaces do not matter to the signature, nor do they make a new heartbeat.
  post_heartbeat "$(jq . <<<"$hb")"
  assert_error 409 replay
  api GET /v1/audit
  assert_code 200
  assert_json '.kind == "heartbeat.replay" and .subject == "gpu-1"' "$body"
}

@test "a heartbeat older than --heartbeat-window is stale: 409, and pins nothing" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  start_server --heartbeat-window 200ms
  hb=$(signed gpu-1)
  ts_ms=$(jq -r "$JQ_MS .ts | ms" <<<"$hb")
  wait_until 5 clock_past $((ts_ms + 400))
  post_heartbeat "$hb"
  assert_error 409 stale "more than 200ms"
  api GET /v1/hosts
  assert_equal "$body" ""
  api GET /v1/audit
  assert_json '.kind == "heartbeat.stale"' "$body"
}

@test "a bad signature gets 401 and an audit event naming the host and the caller" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  write_tokens
  start_server --tokens "$dir/tokens"
  post_heartbeat "$(signed gpu-1)" -H "Authorization: Bearer $TOKEN_WORK"
  assert_code 200
  forged=$(signed gpu-1 | jq -c '.status = "degraded"')
  post_heartbeat "$forged" -H "Authorization: Bearer $TOKEN_WORK"
  assert_error 401 bad_signature "does not verify"
  # An unknown host with a bad signature is refused too, and pins nothing.
  post_heartbeat "$(signed gpu-2 | jq -c '.counter += 1')" -H "Authorization: Bearer $TOKEN_WORK"
  assert_error 401 bad_signature
  api GET /v1/audit -H "Authorization: Bearer $TOKEN_WORK"
  assert_error 403 forbidden "lacks scope 'admin'"
  api GET /v1/audit -H "Authorization: Bearer $TOKEN_ADMIN"
  assert_code 200
  assert_equal "$(wc -l <<<"$body")" 2
  assert_json '.kind == "heartbeat.bad_signature" and .actor == "w1" and (.detail.fingerprint | startswith("SHA256:"))' "$body"
  assert_equal "$(jq -r .subject <<<"$body" | paste -sd,)" gpu-1,gpu-2
  # The audit log is in the store for anyone with the store.
  assert_equal "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM audit_events WHERE kind = 'heartbeat.bad_signature'")" 2
  api GET /v1/hosts -H "Authorization: Bearer $TOKEN_ADMIN"
  assert_equal "$(jq -r .name <<<"$body")" gpu-1
  assert_json '.heartbeat.heartbeats == 1 and .heartbeat.status == "ok"' "$body"
}

@test "a different key for a pinned host gets 401 and an audit event; the pin stays" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  "$PROBE" keygen "$dir/other.json" >/dev/null
  start_server
  post_heartbeat "$(signed gpu-1)"
  assert_code 200
  pinned=$(jq -r .fingerprint <<<"$body")
  run --separate-stderr "$PROBE" heartbeat "$url" --identity "$dir/other.json" --name gpu-1
  assert_status 1
  assert_contains "$stderr" "HTTP 401" "is pinned to key $pinned"
  api GET /v1/audit
  assert_json ".kind == \"heartbeat.key_mismatch\" and .detail.pinned == \"$pinned\"" "$body"
  # The pinned key still works; the other key may pin a host of its own.
  post_heartbeat "$(signed gpu-1)"
  assert_code 200
  post_heartbeat "$(signed gpu-3 "$dir/other.json")"
  assert_json '.verdict == "pinned"' "$body"
}

@test "malformed heartbeats get 400 naming the field" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  start_server
  post_heartbeat 'not json'
  assert_error 400 bad_request
  post_heartbeat "$(signed gpu-1 | jq -c 'del(.counter)')"
  assert_error 400 bad_request "'counter' is missing"
  post_heartbeat "$(signed gpu-1 | jq -c '.extra = 1')"
  assert_error 400 bad_request "unknown heartbeat field 'extra'"
  post_heartbeat "$(signed gpu-1 | jq -c '.signature = "AAAA"')"
  assert_error 400 bad_request "'signature'"
}

# True once the server recorded at least $2 heartbeats of host $1.
heartbeats_recorded() {
  local n
  n=$(curl -sS "$url/v1/hosts" | jq -r "select(.name == \"$1\") | .heartbeat.heartbeats")
  [ -n "$n" ] && [ "$n" -ge "$2" ]
}

@test "a worker with --identity sends heartbeats from its loop that the server records" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  start_server
  bg_start "$dir/worker.out" "$WORKER" --id w-7 --identity "$dir/id.json" --heartbeat-to "$url" \
    --heartbeat-every 100ms
  worker_pid=$bg_pid
  wait_until 20 heartbeats_recorded w-7 3
  api GET /v1/hosts
  assert_json '.name == "w-7" and .heartbeat.status == "ok" and .heartbeat.facts.worker == "w-7"
    and .heartbeat.facts.queue == "default"' "$body"
  kill -TERM "$worker_pid"
  wait_exit "$worker_pid" 20
  assert_equal "$bg_status" 143
  # No heartbeat failed on the way.
  run grep -c "heartbeat" "$dir/worker.out.err"
  assert_equal "$output" 0
}

@test "a worker's refused heartbeats are one warning, and the worker goes on" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  "$PROBE" keygen "$dir/other.json" >/dev/null
  start_server
  post_heartbeat "$(signed w-8 "$dir/other.json")"
  assert_code 200
  bg_start "$dir/worker.out" "$WORKER" --id w-8 --identity "$dir/id.json" --heartbeat-to "$url" \
    --heartbeat-every 50ms
  worker_pid=$bg_pid
  audited() { [ "$(curl -sS "$url/v1/audit" | grep -c key_mismatch)" -ge 3 ]; }
  wait_until 20 audited
  assert_equal "$(grep -c "heartbeat to" "$dir/worker.out.err")" 1
  assert_contains "$(cat "$dir/worker.out.err")" "HTTP 401"
  printf '%s\n' '{"kind":"noop"}' | q push >/dev/null
  wait_until 20 grep -q '"done"' "$dir/worker.out"
}

@test "a worker with a bad key file fails at the start (exit 4) and claims nothing" {
  echo '{"type":"ed25519"}' >"$dir/bad.json"
  printf '%s\n' '{"kind":"noop"}' | q push >/dev/null
  run --separate-stderr "$WORKER" --identity "$dir/bad.json" --heartbeat-to http://127.0.0.1:9 --drain
  assert_status 4
  assert_contains "$stderr" "public_key"
  assert_equal "$(q ls --json | jq -r .status)" ready
}

@test "sheratan-probe heartbeat to a server that does not answer exits 5" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  run --separate-stderr "$PROBE" heartbeat http://127.0.0.1:9 --identity "$dir/id.json" --name gpu-1 --timeout 2s
  assert_status 5
  assert_contains "$stderr" "cannot send the heartbeat"
}

@test "--identity and --heartbeat-to go together (exit 2)" {
  "$PROBE" keygen "$dir/id.json" >/dev/null
  run --separate-stderr "$WORKER" --identity "$dir/id.json" --drain
  assert_status 2
  assert_contains "$stderr" "--heartbeat-to"
  run --separate-stderr "$WORKER" --heartbeat-to http://127.0.0.1:9 --drain
  assert_status 2
  assert_contains "$stderr" "--identity"
}
