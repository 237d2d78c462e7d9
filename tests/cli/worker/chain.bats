#!/usr/bin/env bats
# Chains: follow-up jobs from LCP envelopes, de-duplication, depth and size limits,
# and final_answer closing a chain.

load ../lib

W="$SHERATAN_BIN/sheratan-worker"

# A handler that answers with envelopes: params.reply is printed as the result, with
# "{{n}}" in it replaced by params.n + 1 (for chains that recurse).
# The follow-ups here are of made-up kinds, which gate G0 would quarantine for review
# (gates.bats tests that): this site's policy lets any follow-up kind through.
setup_handler() {
  echo '{"gates":{"followup_kinds":["*"]}}' >"$SHERATAN_CONFIG"
  cat >"$dir/lcp.sh" <<'SH'
jq -c '(.params.n // 0) as $n | .params.reply | walk(if . == "{{n}}" then $n + 1 else . end)'
SH
}

drain() { "$W" --drain --exec "sh $dir/lcp.sh" "$@" >"$dir/events" 2>"$dir/worker.err"; }

@test "followup_jobs enqueues children that depend on the parent, labelled with the chain" {
  setup_handler
  root=$(q push plan -p '{"reply":{"lcp_version":"1","type":"followup_jobs","jobs":[
    {"kind":"step","params":{"reply":"one"}},{"kind":"step","params":{"reply":"two"}}]}}' | jq -r .id)
  drain
  q ls --chain "$root" --json | jq -c 'select(.id != "'"$root"'")' >"$dir/chain"
  [ "$(wc -l <"$dir/chain")" -eq 2 ]
  assert_equal "$(q ls --chain "$root" --json | head -1 | jq -r .id)" "$root"
  assert_json '.status == "done" and .depends_on == ["'"$root"'"] and .labels.chain_parent == "'"$root"'"' "$(cat "$dir/chain")"
  assert_json '.labels.chain_depth == "1"' "$(cat "$dir/chain")"
  assert_json '.result.chain.enqueued | length == 2' "$(q show "$root")"
  grep -q '"event":"chain"' "$dir/events"
}

@test "the idempotency key of a follow-up is sha256 of {parent_job_id, kind, params}; repeats are enqueued once" {
  setup_handler
  root=$(q push plan -p '{"reply":{"lcp_version":"1","type":"followup_jobs","jobs":[
    {"kind":"step","params":{"reply":"same"}},{"kind":"step","params":{"reply":"same"}}]}}' | jq -r .id)
  drain
  [ "$(q ls --chain "$root" --json | wc -l)" -eq 2 ]
  assert_json '.result.chain.duplicates == 1' "$(q show "$root")"
  key=$(canonical_sha256 "{\"parent_job_id\":\"$root\",\"kind\":\"step\",\"params\":{\"reply\":\"same\"}}")
  assert_equal "$(q ls --chain "$root" --json | jq -r 'select(.id != "'"$root"'") | .idempotency_key')" "lcp:$key"
}

@test "a chain deeper than --max-chain-depth ends with the reason recorded" {
  setup_handler
  root=$(q push plan -p '{"n":0,"reply":{"lcp_version":"1","type":"followup_jobs","jobs":[
    {"kind":"deeper","params":{"n":"{{n}}","reply":{"lcp_version":"1","type":"followup_jobs",
     "jobs":[{"kind":"deeper","params":{"n":"{{n}}","reply":"leaf"}}]}}}]}}' | jq -r .id)
  # Each level re-emits one more level; the handler's {{n}} keeps params distinct.
  cat >"$dir/lcp.sh" <<'SH'
jq -c '(.params.n // 0) as $n | {"lcp_version":"1","type":"followup_jobs","jobs":[{"kind":"deeper","params":{"n":($n+1)}}]}'
SH
  drain --max-chain-depth 3
  q ls --chain "$root" --json >"$dir/chain"
  [ "$(wc -l <"$dir/chain")" -eq 4 ]
  last=$(jq -c 'select(.labels.chain_depth == "3")' "$dir/chain")
  assert_json '.result.chain.ended == "depth limit 3 reached"' "$last"
}

@test "a chain past --max-chain-jobs enqueues up to the limit and records why it ended" {
  setup_handler
  root=$(q push plan -p '{"reply":{"lcp_version":"1","type":"followup_jobs","jobs":[
    {"kind":"s","params":{"reply":1}},{"kind":"s","params":{"reply":2}},{"kind":"s","params":{"reply":3}},
    {"kind":"s","params":{"reply":4}},{"kind":"s","params":{"reply":5}},{"kind":"s","params":{"reply":6}}]}}' | jq -r .id)
  drain --max-chain-jobs 4
  [ "$(q ls --chain "$root" --json | wc -l)" -eq 5 ]
  assert_json '.result.chain.ended == "job limit 4 reached: 2 follow-up(s) not enqueued"' "$(q show "$root")"
}

@test "final_answer closes the chain: its unfinished jobs are canceled" {
  setup_handler
  root=$(q push plan -p '{"reply":{"lcp_version":"1","type":"followup_jobs","jobs":[
    {"kind":"s","params":{"reply":{"lcp_version":"1","type":"final_answer","answer":"42"}}},
    {"kind":"s","params":{"reply":"too late"}}]}}' | jq -r .id)
  drain
  q ls --chain "$root" --json >"$dir/chain"
  assert_equal "$(jq -r .status "$dir/chain" | tr '\n' ' ')" "done done canceled "
  assert_json '.result.chain.closed and (.result.chain.canceled | length == 1)' "$(jq -c 'select(.result.chain.closed)' "$dir/chain")"
}

@test "a malformed follow-up ends the chain and enqueues nothing; the parent is still done" {
  setup_handler
  root=$(q push plan -p '{"reply":{"lcp_version":"1","type":"followup_jobs","jobs":[
    {"kind":"s"},{"params":{}}]}}' | jq -r .id)
  drain
  [ "$(q ls --chain "$root" --json | wc -l)" -eq 1 ]
  assert_json '.status == "done" and (.result.chain.ended | startswith("follow-up 2: refused by gate G1 schema: field '"'kind'"' is required"))' "$(q show "$root")"
}
