#!/usr/bin/env bats
# POST /v1/jobs, GET /v1/jobs, GET /v1/jobs/{id}, GET /v1/stats: push, ls, show and
# stats over HTTP; idempotency, backpressure, PAUSED, malformed input.

load ../lib
load serve_lib

@test "POST one job: 201 with {id,status,duplicate,verdict} as push prints it; the job is in the store, from api" {
  start_server
  api POST /v1/jobs -d '{"kind":"read_file","params":{"path":"a"},"priority":"high","labels":{"team":"x"}}'
  assert_code 201
  assert_json '(.id | type) == "string" and .status == "ready" and .duplicate == false and .verdict == "PASS"' "$body"
  assert_json 'keys == ["duplicate","id","status","verdict"]' "$body"
  local id
  id=$(jq -r .id <<<"$body")
  assert_equal "$(job_field "$id" .kind)" read_file
  assert_equal "$(job_field "$id" .priority)" 20
  assert_equal "$(job_field "$id" .labels.team)" x
  assert_equal "$(job_field "$id" .source)" api
}

@test "the admission gates judge jobs from api: a forbidden kind is quarantined, a refused job is 400 with the report" {
  start_server
  api POST /v1/jobs -d '{"kind":"shell","params":{"cmd":"ls"}}'
  assert_code 201
  assert_json '.status == "quarantined" and .verdict == "PAUSE"' "$body"
  api POST /v1/jobs -d '[{"kind":"a"},{"kind":"b","bogus":1}]'
  assert_error 400 bad_request "line 2: refused by gate"
  assert_json '.report.verdict == "FAIL" and .report.line == 2 and .report.source == "api"' "$body"
  assert_equal "$(job_count)" 1
}

@test "POST an array answers an array; JSON lines answer JSON lines; all in one transaction" {
  start_server
  api POST /v1/jobs -d '[{"kind":"a"},{"kind":"b","delay":"1h"}]'
  assert_code 201
  assert_json 'type == "array" and length == 2 and .[0].status == "ready" and .[1].status == "pending"' "$body"
  api POST /v1/jobs -H 'Content-Type: application/x-ndjson' --data-binary $'{"kind":"c"}\n\n{"kind":"d"}\n'
  assert_code 201
  assert_equal "$(header Content-Type)" application/x-ndjson
  assert_equal "$(wc -l <<<"$body")" 2
  assert_json '.status == "ready"' "$body"
  # Several lines without the content type are JSON lines too.
  api POST /v1/jobs --data-binary $'{"kind":"e"}\n{"kind":"f"}'
  assert_code 201
  assert_equal "$(wc -l <<<"$body")" 2
  # One bad line: nothing of the batch is written.
  api POST /v1/jobs --data-binary $'{"kind":"g"}\n{"kind":"h","priority":"urgent"}'
  assert_error 400 bad_request "line 2:"
  assert_equal "$(job_count)" 6
}

@test "malformed JSON gets 400 naming the line and column; a bad field is named" {
  start_server
  api POST /v1/jobs --data-binary $'{"kind":"a"}\n{"kind":"b"'
  assert_error 400 bad_request "line 2: malformed JSON at column"
  api POST /v1/jobs -d '{"kind":'
  assert_error 400 bad_request "malformed JSON at column"
  api POST /v1/jobs -d '[{"kind":"a"},7]'
  assert_error 400 bad_request "line 2: expected a JSON object"
  api POST /v1/jobs -d '{"kind":"a","bogus":1}'
  assert_error 400 bad_request "'bogus'"
  api POST /v1/jobs -d ''
  assert_error 400 bad_request "empty body"
  assert_equal "$(job_count)" 0
}

@test "Idempotency-Key: the same job again is the same job (200, duplicate); other content is 409" {
  start_server
  api POST /v1/jobs -H 'Idempotency-Key: order-1' -d '{"kind":"mail","params":{"to":"a"}}'
  assert_code 201
  local id
  id=$(jq -r .id <<<"$body")
  api POST /v1/jobs -H 'Idempotency-Key: order-1' -d '{"kind":"mail","params":{"to":"a"}}'
  assert_code 200
  assert_json ".id == \"$id\" and .duplicate == true" "$body"
  api POST /v1/jobs -H 'Idempotency-Key: order-1' -d '{"kind":"mail","params":{"to":"b"}}'
  assert_error 409 conflict "idempotency key 'order-1'"
  # The header is the job's idempotency_key: push sees the same key.
  assert_equal "$(q push mail --params '{"to":"a"}' -k order-1 | jq -r .id)" "$id"
  api POST /v1/jobs -H 'Idempotency-Key: k' -d '[{"kind":"a"},{"kind":"b"}]'
  assert_error 400 bad_request "names one job"
  assert_equal "$(job_count)" 1
}

@test "past --max-depth: 429 with Retry-After, nothing written" {
  start_server --max-depth 2
  api POST /v1/jobs -d '[{"kind":"a"},{"kind":"b"}]'
  assert_code 201
  api POST /v1/jobs -d '{"kind":"c"}'
  assert_error 429 queue_full "is full"
  assert_equal "$(header Retry-After)" 1
  assert_equal "$(job_count)" 2
  # Another queue has room of its own.
  api POST /v1/jobs -d '{"kind":"c","queue":"other"}'
  assert_code 201
}

@test "while PAUSED: 503 with Retry-After; after it, jobs are taken again" {
  start_server
  "$STATE" set PAUSED -r maintenance >/dev/null
  api POST /v1/jobs -d '{"kind":"a"}'
  assert_error 503 paused "PAUSED"
  assert_equal "$(header Retry-After)" 1
  assert_equal "$(job_count)" 0
  "$STATE" set OPERATIONAL -r done >/dev/null
  api POST /v1/jobs -d '{"kind":"a"}'
  assert_code 201
}

@test "GET /v1/jobs lists as ls does, with its filters and a limit" {
  start_server
  q push a --queue q1 --label team=x >/dev/null
  q push b --queue q1 >/dev/null
  q push a --queue q2 >/dev/null
  q push c --delay 1h >/dev/null
  api GET /v1/jobs
  assert_code 200
  assert_equal "$(header Content-Type)" application/x-ndjson
  assert_equal "$(wc -l <<<"$body")" 4
  assert_equal "$(jq -c . <<<"$body")" "$(q ls --json | jq -c .)"
  api GET '/v1/jobs?queue=q1'
  assert_equal "$(jq -r .kind <<<"$body" | tr '\n' ' ')" "a b "
  api GET '/v1/jobs?kind=a&queue=q2'
  assert_equal "$(jq -r .queue <<<"$body")" q2
  api GET '/v1/jobs?label=team%3Dx'
  assert_equal "$(jq -r .kind <<<"$body")" a
  api GET '/v1/jobs?status=pending'
  assert_equal "$(jq -r .kind <<<"$body")" c
  api GET '/v1/jobs?limit=2'
  assert_equal "$(wc -l <<<"$body")" 2
  api GET '/v1/jobs?status=nonsense'
  assert_error 400 bad_request
  api GET '/v1/jobs?limit=0'
  assert_error 400 bad_request "parameter 'limit'"
}

@test "GET /v1/jobs/{id} shows the job with its events; 404 for none; GET /v1/stats as stats" {
  start_server
  local id
  id=$(q push a | jq -r .id)
  api GET "/v1/jobs/$id"
  assert_code 200
  assert_json ".id == \"$id\" and (.events | length) == 1 and .events[0].to == \"ready\"" "$body"
  api GET /v1/jobs/no-such-job
  assert_error 404 not_found "no job 'no-such-job'"
  api GET /v1/stats
  assert_code 200
  assert_json '.total.ready == 1 and .queues.default.ready == 1' "$body"
}
