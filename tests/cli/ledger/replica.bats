#!/usr/bin/env bats
# sheratan-ledger sync: a replica catches up from its writer's store file, checks
# every entry, stops at a divergence, and refuses writes; import of the original
# Python ledger's files.

load ../lib

LEDGER="$SHERATAN_BIN/sheratan-ledger"
l() { "$LEDGER" "$@"; }
r() { "$LEDGER" --db "$dir/replica.db" "$@"; }

@test "a replica catches up, agrees with its writer, and refuses writes naming its writer" {
  l open alice >/dev/null
  l credit alice 1000 >/dev/null
  for j in $(seq 1 10); do l settle --job "j$j" --payer alice --worker w1 --amount 10 >/dev/null; done
  run r sync --from "$SHERATAN_DB"
  assert_status 0
  assert_json '.applied == 23 and .last_seq == 23'
  assert_equal "$(r balance w1 | jq -r .balance)" "90.0000"
  assert_equal "$(r balance alice | jq -r .balance)" "900.0000"
  run r verify
  assert_status 0
  assert_equal "$(r journal | sha256sum)" "$(l journal | sha256sum)"
  run --separate-stderr r credit alice 1
  assert_status 3
  assert_contains "$stderr" "replica of '$SHERATAN_DB'"
  # Later entries come with the next sync; a sync with nothing new applies nothing.
  l transfer alice w1 5 >/dev/null
  run r sync --from "$SHERATAN_DB"
  assert_json '.applied == 1 and .last_seq == 24'
  run r sync --from "$SHERATAN_DB"
  assert_json '.applied == 0'
}

@test "sync stops at an altered entry: nothing past the last good one is applied" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  for i in 1 2 3 4 5; do l transfer a b 1 >/dev/null; done
  sqlite3 "$SHERATAN_DB" "UPDATE ledger_journal SET amount = 20000 WHERE seq = 6"
  run --separate-stderr r sync --from "$SHERATAN_DB"
  assert_status 1
  assert_contains "$stderr" "seq 6: hash does not match"
  run r journal
  assert_equal "$(jq -r .seq <<<"$output" | tail -1)" 5
  assert_equal "$(r balance b | jq -r .balance)" "2.0000"
  r verify >/dev/null
}

@test "a replica whose history differs from the writer's is a divergence" {
  l open a >/dev/null
  l credit a 10 >/dev/null
  r sync --from "$SHERATAN_DB" >/dev/null
  # The writer's history is rewritten (a restored backup, another store): the chain no longer matches.
  rm -f "$SHERATAN_DB" "$SHERATAN_DB-wal" "$SHERATAN_DB-shm"
  l open a >/dev/null
  l credit a 11 >/dev/null
  l credit a 1 >/dev/null
  run --separate-stderr r sync --from "$SHERATAN_DB"
  assert_status 1
  assert_contains "$stderr" "seq 2: the replica has diverged"
  assert_equal "$(r balance a | jq -r .balance)" "10.0000"
}

@test "sync refuses a scheme other than http(s), a missing source and itself" {
  run --separate-stderr r sync --from ftp://writer:8100/journal
  assert_status 2
  run --separate-stderr r sync --from "$dir/missing.db"
  assert_status 1
  run --separate-stderr l sync --from "$SHERATAN_DB"
  assert_status 2
}

@test "import with a file missing: exit 1 naming it, and no store is created" {
  echo '{"accounts":{}}' >"$dir/ledger.json"
  run --separate-stderr l import "$dir/ledger.json" "$dir/missing.jsonl"
  assert_status 1
  assert_contains "$stderr" "missing.jsonl"
  [ ! -e "$SHERATAN_DB" ]
}

@test "import: the original's ledger.json and ledger_events.jsonl, exactly, with a report of what was skipped" {
  cat >"$dir/ledger.json" <<'JSON'
{"accounts": {"alice": {"balance": 889.4444}, "w1": {"balance": 94.9999}, "system:operator": {"balance": 10.5557}}}
JSON
  cat >"$dir/events.jsonl" <<'JSONL'
{"type":"credit","account":"alice","amount":"1000.0000","event_id":"e1","ts":1700000000.0,"prev_hash":"GENESIS","hash":"h1"}
{"type":"charge","account":"alice","to_account":"system:operator","amount":105.5555,"job_id":"j1","event_id":"e2","prev_hash":"h1","hash":"h2"}
{"type":"transfer","account":"system:operator","to_account":"w1","amount":94.99990000000001,"job_id":"j1","worker_id":"w1","event_id":"e3"}
{"type":"charge","account":"alice","to_account":"system:operator","amount":105.5555,"job_id":"j1","event_id":"e4"}
{"type":"debit","account":"alice","amount":"5000.0000","event_id":"e5"}
{"type":"adjust","account":"alice","amount":-5.0001,"event_id":"e6"}
{"type":"adjust","account":"system:operator","amount":0.00001,"event_id":"e7"}
not json
{"type":"mystery","account":"alice","amount":"1","event_id":"e9"}
{"type":"credit","account":"alice","amount":"-3.0000","event_id":"e10"}
{"type":"debit","account":"alice","amount":-2,"event_id":"e11"}
JSONL
  run --separate-stderr l import "$dir/ledger.json" "$dir/events.jsonl"
  assert_status 0
  assert_contains "$output" '"event_id":"e4","line":4,"skipped":"job '"'j1'"' was already charged'
  assert_contains "$output" '"event_id":"e5","line":5,"skipped":"insufficient funds'
  assert_contains "$output" '"event_id":"e7","line":7,"skipped":"amount 1e-05 is not a whole number of 0.0001"'
  assert_contains "$output" '"line":8'
  # A negative credit or debit is skipped, not imported the other way round.
  assert_contains "$output" '"event_id":"e10","line":10,"skipped":"field '"'amount'"': '"'-3.0000'"' is negative in a credit"'
  assert_contains "$output" '"event_id":"e11","line":11,"skipped"'
  summary=$(tail -1 <<<"$output")
  assert_json '.imported == 4 and .skipped == 7 and .duplicates == 0' "$summary"
  # The fixture's operator balance disagrees with its events; the report says where.
  assert_json '.mismatches == [{"account":"system:operator","ledger":"10.5556","original":"10.5557"}]' "$summary"
  assert_equal "$(l balance alice | jq -r .balance)" "889.4444"
  assert_equal "$(l balance w1 | jq -r .balance)" "94.9999"
  assert_equal "$(l accounts | jq -r 'select(.account == "w1") | .kind')" worker
  l verify >/dev/null
  run l import "$dir/ledger.json" "$dir/events.jsonl"
  assert_json '.imported == 0 and .duplicates == 4' "$(tail -1 <<<"$output")"
  assert_equal "$(l balance alice | jq -r .balance)" "889.4444"
}
