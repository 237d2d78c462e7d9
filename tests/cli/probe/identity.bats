#!/usr/bin/env bats
# sheratan-probe keygen and heartbeat --print-only: the key file (mode 0600, never
# replaced without --force) and the signed heartbeat it makes. Sending heartbeats to
# a server is in tests/cli/serve/heartbeat.bats.

load ../lib

P="$SHERATAN_BIN/sheratan-probe"
p() { "$P" "$@"; }

@test "keygen writes a 0600 key file and prints its public key as JSON" {
  umask 022
  run --separate-stderr p keygen "$dir/id.json"
  assert_status 0
  assert_json '(.public_key | length) == 44 and (.fingerprint | startswith("SHA256:")) and .file != null'
  assert_equal "$(stat -c %a "$dir/id.json")" 600
  assert_json '.type == "ed25519" and (.secret_key | length) == 88' "$(cat "$dir/id.json")"
  assert_equal "$(jq -r .public_key "$dir/id.json")" "$(jq -r .public_key <<<"$output")"
  # Nothing but the key file is left in the folder.
  assert_equal "$(ls -A "$dir" | grep -c id)" 1
}

@test "keygen refuses to replace a file without --force (exit 3), replaces it with --force" {
  p keygen "$dir/id.json" >/dev/null
  before=$(cat "$dir/id.json")
  run --separate-stderr p keygen "$dir/id.json"
  assert_status 3
  assert_contains "$stderr" "exists" "--force"
  assert_equal "$(cat "$dir/id.json")" "$before"
  run --separate-stderr p keygen "$dir/id.json" --force
  assert_status 0
  [ "$(cat "$dir/id.json")" != "$before" ]
  assert_equal "$(stat -c %a "$dir/id.json")" 600
}

@test "keygen into a folder that does not exist fails with exit 1" {
  run --separate-stderr p keygen "$dir/no/such/id.json"
  assert_status 1
  assert_contains "$stderr" "cannot write"
}

@test "heartbeat --print-only prints a signed heartbeat with a growing counter" {
  p keygen "$dir/id.json" >/dev/null
  run --separate-stderr p heartbeat --identity "$dir/id.json" --name gpu-1 --print-only
  assert_status 0
  assert_json '.host == "gpu-1" and .status == "ok" and (.counter | type) == "number" and (.signature | length) == 88'
  assert_equal "$(jq -r .public_key <<<"$output")" "$(jq -r .public_key "$dir/id.json")"
  first=$(jq .counter <<<"$output")
  # The counter is the clock in ms: a later heartbeat has a greater one.
  clock_past() { [ "$(now_ms)" -gt "$1" ]; }
  wait_until 5 clock_past "$first"
  second=$(p heartbeat --identity "$dir/id.json" --name gpu-1 --print-only | jq .counter)
  [ "$second" -gt "$first" ]
}

@test "heartbeat without a URL or with a bad key file is refused" {
  p keygen "$dir/id.json" >/dev/null
  run --separate-stderr p heartbeat --identity "$dir/id.json"
  assert_status 2
  echo '{"type":"ed25519"}' >"$dir/bad.json"
  run --separate-stderr p heartbeat --identity "$dir/bad.json" --print-only
  assert_status 4
  assert_contains "$stderr" "public_key"
  run --separate-stderr p heartbeat --identity "$dir/id.json" --name 'a b' --print-only
  assert_status 4
}

@test "heartbeat to a malformed URL: exit 4 naming it, before any connection (5 is for an unreachable server)" {
  p keygen "$dir/id.json" >/dev/null
  for url in ftp://x http:// not-a-url 'http://h/?q=1'; do
    run --separate-stderr p heartbeat "$url" --identity "$dir/id.json" --name h1
    assert_status 4
    assert_contains "$stderr" "url '$url'"
  done
}
