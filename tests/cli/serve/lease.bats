#!/usr/bin/env bats
# POST /v1/claim (long-poll woken by the store) and POST /v1/jobs/{id}/ack|fail|extend|
# release with the lease token; POST /v1/leases/extend|release for many leases at once.

load ../lib
load serve_lib

# claim_one [BODY]: claims over HTTP; sets $id and $token.
claim_one() {
  api POST /v1/claim -d "${1:-{\}}"
  assert_code 200 || return 1
  id=$(jq -r .id <<<"$body")
  token=$(jq -r .lease_token <<<"$body")
}

claims_waiting() { [ "$(metric sheratan_claims_waiting)" = "$1" ]; }

@test "claim with nothing ready answers 204; with jobs, JSON lines with lease tokens, as claim does" {
  start_server
  api POST /v1/claim -d '{}'
  assert_code 204
  assert_equal "$body" ""
  q push a --priority low >/dev/null
  q push b --priority high >/dev/null
  q push c --queue other >/dev/null
  api POST /v1/claim -d '{"worker":"remote-1","limit":5,"lease":"90s"}'
  assert_code 200
  assert_equal "$(header Content-Type)" application/x-ndjson
  assert_equal "$(jq -r .kind <<<"$body" | tr '\n' ' ')" "b a "
  assert_json '.status == "leased" and .worker == "remote-1" and (.lease_token | length) >= 16' "$body"
  api POST /v1/claim -d '{"queue":"other","kinds":["c"]}'
  assert_code 200
  assert_json '.kind == "c"' "$body"
  api POST /v1/claim -d '{"limit":0}'
  assert_error 400 bad_request "'limit'"
  api POST /v1/claim -d '{"lease":"5x"}'
  assert_error 400 bad_request "field 'lease'"
  api POST /v1/claim -d '{"lease":0}'
  assert_error 400 bad_request "field 'lease' must be longer than 0"
  api POST /v1/claim -d '{"wait":"soon"}'
  assert_error 400 bad_request "field 'wait'"
  api POST /v1/claim -d '{"kinds":"c"}'
  assert_error 400 bad_request "'kinds'"
}

@test "ack with the lease token: done with its result; a wrong token 409 and nothing changes; 404 for no job" {
  start_server
  q push a >/dev/null
  claim_one
  api POST "/v1/jobs/$id/ack" -d '{"token":"wrong-token","result":{"n":1}}'
  assert_error 409 conflict
  assert_equal "$(job_field "$id" .status)" leased
  api POST "/v1/jobs/$id/ack" -d "{\"token\":\"$token\",\"result\":{\"n\":1}}"
  assert_code 200
  assert_json ".id == \"$id\" and .status == \"done\" and .result == {\"n\":1}" "$body"
  assert_equal "$(job_field "$id" .result_verified)" true
  api POST "/v1/jobs/$id/ack" -d "{\"token\":\"$token\"}"
  assert_error 409 conflict
  api POST /v1/jobs/nope/ack -d '{"token":"x"}'
  assert_error 404 not_found "no job 'nope'"
  api POST "/v1/jobs/$id/ack" -d '{}'
  assert_error 400 bad_request "'token' is required"
}

@test "fail retries with backoff, or ends the job with retry false; release and extend keep the rules" {
  start_server
  # A backoff no loaded machine outlasts: the next claims must find b, not a's retry.
  q push a --backoff 10m >/dev/null
  claim_one
  api POST "/v1/jobs/$id/fail" -d "{\"token\":\"$token\",\"error\":\"disk full\"}"
  assert_code 200
  assert_json '.status == "pending" and .error == "disk full" and .attempts == 1' "$body"
  q push b >/dev/null
  claim_one
  assert_json '.kind == "b"' "$body"
  api POST "/v1/jobs/$id/extend" -d "{\"token\":\"$token\",\"lease\":\"10m\"}"
  assert_code 200
  assert_json '.status == "leased"' "$body"
  api POST "/v1/jobs/$id/release" -d "{\"token\":\"$token\"}"
  assert_code 200
  assert_json '.status == "ready" and .attempts == 0' "$body"
  claim_one
  api POST "/v1/jobs/$id/fail" -d "{\"token\":\"$token\",\"error\":\"bad\",\"retry\":false}"
  assert_code 200
  assert_json '.status == "dead"' "$body"
  api POST "/v1/jobs/$id/release" -d "{\"token\":\"$token\",\"extra\":1}"
  assert_error 400 bad_request "'extra'"
}

@test "leases in a batch: extended or released in one request; a stale token is refused and the others go through" {
  start_server
  for kind in a b c; do q push "$kind" >/dev/null; done
  api POST /v1/claim -d '{"worker":"remote-1","limit":3,"lease":"30s"}'
  assert_code 200
  local ids tokens
  mapfile -t ids < <(jq -r .id <<<"$body")
  mapfile -t tokens < <(jq -r .lease_token <<<"$body")
  local before
  before=$(job_field "${ids[0]}" .lease_until)
  leases="[{\"id\":\"${ids[0]}\",\"token\":\"${tokens[0]}\"},{\"id\":\"${ids[1]}\",\"token\":\"stale\"},"
  leases+="{\"id\":\"no-such-job\",\"token\":\"t\"},{\"id\":\"${ids[2]}\",\"token\":\"${tokens[2]}\"}]"
  api POST /v1/leases/extend -d "{\"lease\":\"10m\",\"leases\":$leases}"
  assert_code 200
  assert_json "(.extended | map(.id)) == [\"${ids[0]}\", \"${ids[2]}\"]" "$body"
  assert_json ".refused == [\"${ids[1]}\", \"no-such-job\"]" "$body"
  assert_equal "$(jq -r '.extended[0].lease_until' <<<"$body")" "$(job_field "${ids[0]}" .lease_until)"
  [[ "$(job_field "${ids[0]}" .lease_until)" > "$before" ]]
  assert_equal "$(job_field "${ids[1]}" .status)" leased
  api POST /v1/leases/release -d "{\"leases\":$leases}"
  assert_code 200
  assert_json "(.released) == [\"${ids[0]}\", \"${ids[2]}\"] and .refused == [\"${ids[1]}\", \"no-such-job\"]" "$body"
  assert_equal "$(job_field "${ids[0]}" .status)/$(job_field "${ids[0]}" .attempts)" ready/0
  assert_equal "$(job_field "${ids[1]}" .status)" leased
  api POST /v1/leases/extend -d '{"leases":[]}'
  assert_code 200
  assert_json '.extended == [] and .refused == []' "$body"
  api POST /v1/leases/extend -d '{"leases":{}}'
  assert_error 400 bad_request "'leases'"
  api POST /v1/leases/extend -d '{"leases":[{"id":"x"}]}'
  assert_error 400 bad_request "leases[0]"
  api POST /v1/leases/release -d '{"lease":"1m","leases":[]}'
  assert_error 400 bad_request "'lease'"
  api POST /v1/leases/extend -d '{"lease":"soon","leases":[]}'
  assert_code 400
}

@test "a held claim is woken by a push from another process, long before its wait is up" {
  start_server
  bg_start "$dir/claim.out" curl -sS -w '\n%{http_code}' "$url/v1/claim" -d '{"wait":"30s"}'
  local claim_pid=$bg_pid start
  wait_until 10 claims_waiting 1
  start=$(now_ms)
  q push woken >/dev/null
  wait_exit "$claim_pid" 10
  assert_equal "$(tail -1 "$dir/claim.out")" 200
  assert_json '.kind == "woken" and .status == "leased"' "$(head -1 "$dir/claim.out")"
  [ $(($(now_ms) - start)) -lt 10000 ]
  wait_until 5 claims_waiting 0
}

@test "a held claim is woken when a delayed job comes due (no commit needed)" {
  start_server
  q push later --delay 1s >/dev/null
  run curl -sS -w '\n%{http_code}' "$url/v1/claim" -d '{"wait":"20s"}'
  assert_equal "${lines[1]}" 200
  assert_json '.kind == "later"' "${lines[0]}"
}

@test "a held claim answers 204 at the end of its wait; wait is capped by --max-wait" {
  start_server --max-wait 1s
  local start
  start=$(now_ms)
  api POST /v1/claim -d '{"wait":"1h"}'
  assert_code 204
  [ $(($(now_ms) - start)) -lt 10000 ]
}

@test "while PAUSED: claim without wait 503; a held claim waits through the pause" {
  start_server
  q push a >/dev/null
  "$STATE" set PAUSED -r maintenance >/dev/null
  api POST /v1/claim -d '{}'
  assert_error 503 paused
  assert_equal "$(header Retry-After)" 1
  bg_start "$dir/claim.out" curl -sS -w '\n%{http_code}' "$url/v1/claim" -d '{"wait":"30s"}'
  local claim_pid=$bg_pid
  wait_until 10 claims_waiting 1
  assert_equal "$(job_field "$(q ls --json | jq -r .id)" .status)" ready
  "$STATE" set OPERATIONAL -r resumed >/dev/null
  wait_exit "$claim_pid" 10
  assert_equal "$(tail -1 "$dir/claim.out")" 200
  assert_json '.kind == "a"' "$(head -1 "$dir/claim.out")"
}

@test "SIGTERM ends held claims with 503 and the server with 143" {
  start_server
  bg_start "$dir/claim.out" curl -sS -w '\n%{http_code}' "$url/v1/claim" -d '{"wait":"60s"}'
  local claim_pid=$bg_pid
  wait_until 10 claims_waiting 1
  kill -TERM "$serve_pid"
  wait_exit "$claim_pid" 20
  assert_equal "$(tail -1 "$dir/claim.out")" 503
  wait_exit "$serve_pid" 20
  assert_equal "$bg_status" 143
}
