#!/usr/bin/env bats
# sheratan-serve auth: bearer tokens with scopes, 401 and 403, SIGHUP reloads the file
# without dropping what is in flight, per-token rate limits.

load ../lib
load serve_lib


@test "without a token: 401 with WWW-Authenticate; /healthz needs none" {
  write_tokens
  start_server --tokens "$dir/tokens"
  api GET /v1/stats
  assert_error 401 unauthorized "missing bearer token"
  assert_equal "$(header WWW-Authenticate)" Bearer
  api GET /v1/stats -H "Authorization: Basic abc"
  assert_error 401 unauthorized "not 'Bearer TOKEN'"
  api GET /healthz
  assert_code 200
}

@test "an unknown token gets 401, a token without the scope 403, a right one passes" {
  write_tokens
  start_server --tokens "$dir/tokens"
  api GET /v1/stats -H "Authorization: Bearer not-a-known-token-at-all"
  assert_error 401 unauthorized "unknown token"
  # A prefix of a real token is not the token.
  api GET /v1/stats -H "Authorization: Bearer ${TOKEN_ADMIN:0:20}"
  assert_error 401 unauthorized
  api POST /v1/claim -H "Authorization: Bearer $TOKEN_SUBMIT" -d '{}'
  assert_error 403 forbidden "token 'ci' lacks scope 'work'"
  api POST /v1/jobs -H "Authorization: Bearer $TOKEN_WORK" -d '{"kind":"noop"}'
  assert_error 403 forbidden "token 'w1' lacks scope 'submit'"
  api GET /v1/journal -H "Authorization: Bearer $TOKEN_SUBMIT"
  assert_error 403 forbidden "lacks scope 'replicate'"
  api POST /v1/state -H "Authorization: Bearer $TOKEN_SUBMIT" -d '{"state":"PAUSED","reason":"x"}'
  assert_error 403 forbidden "lacks scope 'admin'"
  api GET /metrics -H "Authorization: Bearer $TOKEN_WORK"
  assert_error 403 forbidden "lacks scope 'read'"
  assert_equal "$(job_count)" 0
  api POST /v1/jobs -H "Authorization: Bearer $TOKEN_SUBMIT" -d '{"kind":"noop"}'
  assert_code 201
  api POST /v1/claim -H "Authorization: Bearer $TOKEN_WORK" -d '{}'
  assert_code 200
  assert_json '.worker == "w1"' "$body"
  # admin holds every scope.
  api GET /v1/journal -H "Authorization: Bearer $TOKEN_ADMIN"
  assert_code 200
}

@test "several tokens of one name are valid at once (rotation)" {
  write_tokens
  echo "ci submit,read second-ci-token-0123456789" >>"$dir/tokens"
  start_server --tokens "$dir/tokens"
  api GET /v1/stats -H "Authorization: Bearer $TOKEN_SUBMIT"
  assert_code 200
  api GET /v1/stats -H "Authorization: Bearer second-ci-token-0123456789"
  assert_code 200
}

@test "SIGHUP reloads the tokens; a claim held across it is not dropped; a bad file keeps the old tokens" {
  write_tokens
  start_server --tokens "$dir/tokens"
  # A claim held open while the file changes.
  bg_start "$dir/claim.out" curl -sS -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN_WORK" \
    "$url/v1/claim" -d '{"wait":"20s"}'
  local claim_pid=$bg_pid
  wait_until 10 bash -c "curl -sS -H 'Authorization: Bearer $TOKEN_ADMIN' $url/metrics | grep -qx 'sheratan_claims_waiting 1'"
  sed -i "s/$TOKEN_SUBMIT/rotated-ci-token-0123456789/" "$dir/tokens"
  kill -HUP "$serve_pid"
  wait_until 10 grep -q "tokens reloaded" "$dir/serve.out.err"
  api GET /v1/stats -H "Authorization: Bearer $TOKEN_SUBMIT"
  assert_error 401 unauthorized
  api POST /v1/jobs -H "Authorization: Bearer rotated-ci-token-0123456789" -d '{"kind":"noop"}'
  assert_code 201
  wait_exit "$claim_pid" 10
  assert_equal "$(tail -1 "$dir/claim.out")" 200
  assert_json '.kind == "noop"' "$(head -1 "$dir/claim.out")"
  # A file that no longer parses: an error on stderr, the old tokens stay.
  echo "broken line" >>"$dir/tokens"
  kill -HUP "$serve_pid"
  wait_until 10 grep -q "old tokens stay in force" "$dir/serve.out.err"
  api GET /v1/stats -H "Authorization: Bearer rotated-ci-token-0123456789"
  assert_code 200
}

@test "--rate: past its bucket a token gets 429 with Retry-After; other tokens are not affected" {
  write_tokens
  start_server --tokens "$dir/tokens" --rate 1 --burst 3
  local i
  for i in 1 2 3; do
    api GET /v1/stats -H "Authorization: Bearer $TOKEN_SUBMIT"
    assert_code 200
  done
  api GET /v1/stats -H "Authorization: Bearer $TOKEN_SUBMIT"
  assert_error 429 rate_limited "caller 'ci' is past its rate"
  [ "$(header Retry-After)" -ge 1 ]
  api GET /v1/stats -H "Authorization: Bearer $TOKEN_ADMIN"
  assert_code 200
}

@test "without --tokens every request on loopback is allowed, as caller 'local'" {
  start_server
  api POST /v1/jobs -d '{"kind":"noop"}'
  assert_code 201
  api POST /v1/claim -d '{}'
  assert_code 200
  assert_json '.worker == "local"' "$body"
}
