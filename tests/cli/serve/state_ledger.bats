#!/usr/bin/env bats
# State, ledger, hosts and metrics over HTTP.

load ../lib
load serve_lib

@test "GET /v1/state as state get; POST /v1/state records a transition; an illegal one is 409" {
  start_server
  api GET /v1/state
  assert_code 200
  assert_json '.state == "OPERATIONAL" and .last.reason == "store created"' "$body"
  api POST /v1/state -d '{"state":"paused","reason":"deploy","meta":{"ticket":7}}'
  assert_code 200
  assert_json '.next_state == "PAUSED" and .prev_state == "OPERATIONAL" and .actor == "api:local" and .meta.ticket == 7' "$body"
  assert_equal "$("$STATE" get | jq -r .state)" PAUSED
  api POST /v1/state -d '{"state":"REFLECTIVE","reason":"x"}'
  assert_error 409 conflict
  api POST /v1/state -d '{"state":"OPERATIONAL"}'
  assert_error 400 bad_request "'reason' is required"
  # Errors name the body's fields, not sheratan-state's flags.
  api POST /v1/state -d '{"state":"OPERATIONAL","reason":" "}'
  assert_error 400 bad_request "field 'reason' must not be empty"
  api POST /v1/state -d '{"state":"OPERATIONAL","reason":"x","meta":[1]}'
  assert_error 400 bad_request "field 'meta' must be a JSON object"
  api POST /v1/state -d '{"state":"SLEEPY","reason":"x"}'
  assert_error 400 bad_request
  api GET '/v1/state/history?limit=2'
  assert_code 200
  assert_equal "$(jq -r .next_state <<<"$body" | tr '\n' ' ')" "OPERATIONAL PAUSED "
}

@test "transfers apply all or nothing; insufficient funds 409; GET /v1/accounts/{id}; 404 for none" {
  start_server
  api POST /v1/transfers -d '[{"op":"open","account":"alice"},{"op":"open","account":"bob"},{"op":"credit","account":"alice","amount":"10.0000","id":"c1"}]'
  assert_code 200
  assert_json 'type == "array" and length == 3' "$body"
  api POST /v1/transfers -d '{"from":"alice","to":"bob","amount":"2.5000","id":"t1"}'
  assert_code 200
  assert_json '.type == "transfer" and .amount == "2.5000" and .duplicate == false' "$body"
  api POST /v1/transfers -d '{"from":"alice","to":"bob","amount":"2.5000","id":"t1"}'
  assert_json '.duplicate == true' "$body"
  api POST /v1/transfers --data-binary $'{"from":"bob","to":"alice","amount":"1.0000","id":"t2"}\n{"from":"alice","to":"bob","amount":"100.0000","id":"t3"}'
  assert_error 409 conflict "line 2:"
  api GET /v1/accounts/alice
  assert_code 200
  assert_json '.account == "alice" and .balance == "7.5000" and .available == "7.5000" and .kind == "user"' "$body"
  assert_equal "$("$LEDGER" balance bob | jq -r .balance)" 2.5000
  api GET /v1/accounts/nobody
  assert_error 404 not_found "no account 'nobody'"
  api POST /v1/transfers -d '{"from":"alice","to":"bob","amount":"1.23456","id":"t4"}'
  assert_error 400 bad_request "4 fraction digits"
}

@test "settle pays a finished job once; GET /v1/journal pages the chained entries as JSON lines" {
  start_server
  "$LEDGER" open payer >/dev/null
  "$LEDGER" open worker-1 >/dev/null
  "$LEDGER" credit payer 100 --id fund >/dev/null
  api POST /v1/settle -d '{"job_id":"j1","payer":"payer","worker":"worker-1","amount":"10.0000","margin":"0.1"}'
  assert_code 200
  assert_json '.job_id == "j1" and .payout == "9.0000"' "$body"
  api POST /v1/settle -d '{"job_id":"j1","payer":"payer","worker":"worker-1","amount":"10.0000","margin":"0.1"}'
  assert_json '.duplicate == true' "$body"
  api GET /v1/journal
  assert_code 200
  assert_equal "$(header Content-Type)" application/x-ndjson
  assert_equal "$(jq -c . <<<"$body")" "$("$LEDGER" journal | jq -c .)"
  local total
  total=$(wc -l <<<"$body")
  api GET '/v1/journal?after=2&limit=2'
  assert_equal "$(jq -r .seq <<<"$body" | tr '\n' ' ')" "3 4 "
  assert_json '(.hash | length) == 64 and (.prev_hash | length) == 64' "$body"
  api GET "/v1/journal?after=$total"
  assert_code 200
  assert_equal "$body" ""
  api GET '/v1/journal?limit=100000'
  assert_error 400 bad_request "parameter 'limit'"
}

@test "GET /v1/hosts lists the registry as probe ls does" {
  start_server
  api GET /v1/hosts
  assert_code 200
  assert_equal "$body" ""
  "$PROBE" add gpu-1 http://127.0.0.1:9/ --critical >/dev/null
  api GET /v1/hosts
  assert_json '.name == "gpu-1" and .status == "unknown" and .critical == true' "$body"
}

@test "GET /metrics: Prometheus text with jobs, ledger, hosts, state and requests" {
  start_server
  q push a >/dev/null
  q push b --queue mail >/dev/null
  "$LEDGER" open alice >/dev/null
  "$PROBE" add h1 http://127.0.0.1:9/ >/dev/null
  "$STATE" set DEGRADED -r test >/dev/null
  api GET /healthz
  api GET /metrics
  assert_code 200
  assert_contains "$(header Content-Type)" text/plain
  assert_contains "$body" \
    'sheratan_jobs{queue="default",status="ready"} 1' \
    'sheratan_jobs{queue="mail",status="ready"} 1' \
    'sheratan_jobs_done_total 0' \
    'sheratan_ledger_accounts 3' \
    'sheratan_ledger_entries_total ' \
    'sheratan_hosts{status="unknown"} 1' \
    'sheratan_host_up{host="h1"} 0' \
    'sheratan_state{state="DEGRADED"} 1' \
    'sheratan_state{state="OPERATIONAL"} 0' \
    'sheratan_http_requests_total{code="200"} ' \
    'sheratan_claims_waiting 0' \
    '# TYPE sheratan_jobs gauge'
  # Every sample line is NAME{labels} VALUE with a sheratan_ name.
  ! grep -v '^#' <<<"$body" | grep -Ev '^sheratan_[a-z_]+(\{[^}]*\})? [0-9.e+-]+$'
  # Claims served here fill the claim latency histogram: one job, due since its push.
  assert_contains "$body" 'sheratan_claim_latency_seconds_count 0' '# TYPE sheratan_claim_latency_seconds histogram'
  "$STATE" set OPERATIONAL -r test >/dev/null
  api POST /v1/claim -d '{"worker":"w"}'
  assert_code 200
  api GET /metrics
  assert_contains "$body" 'sheratan_claim_latency_seconds_count 1' 'sheratan_claim_latency_seconds_bucket{le="+Inf"} 1'
  # Buckets are cumulative: the 5-minute bucket holds the job, as does every wider one.
  assert_contains "$body" 'sheratan_claim_latency_seconds_bucket{le="300"} 1'
}
