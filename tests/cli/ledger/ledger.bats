#!/usr/bin/env bats
# sheratan-ledger: accounts, transfers, idempotency, settlement (the original's
# scenarios), holds, bad input, verify of an altered journal, batches.

load ../lib

LEDGER="$SHERATAN_BIN/sheratan-ledger"
l() { "$LEDGER" "$@"; }
balance_of() { l balance "$1" | jq -r .balance; }
entry_count() { sqlite3 "$SHERATAN_DB" 'SELECT count(*) FROM ledger_journal'; }

@test "credit 1000 then settle 100 at 10%: payer 900, worker 90, operator 10; verify passes" {
  l open alice >/dev/null
  l credit alice 1000 >/dev/null
  run --separate-stderr l settle --job j1 --payer alice --worker w1 --amount 100 --margin 0.10
  assert_status 0
  assert_json '.payout == "90.0000" and .revenue == "10.0000" and .duplicate == false and .margin == "0.10"'
  assert_equal "$(balance_of alice)" "900.0000"
  assert_equal "$(balance_of w1)" "90.0000"
  assert_equal "$(balance_of system:operator)" "10.0000"
  assert_equal "$(balance_of system:mint)" "-1000.0000"
  run l verify
  assert_status 0
  assert_json '.ok == true and .entries == 5 and .last_seq == 5'
}

@test "the same job settled twice is charged once; other content exits 3 naming the field" {
  l open alice >/dev/null
  l credit alice 1000 >/dev/null
  l settle --job j1 --payer alice --worker w1 --amount 100 >/dev/null
  run --separate-stderr l settle --job j1 --payer alice --worker w1 --amount 100
  assert_status 0
  assert_json '.duplicate == true'
  assert_equal "$(balance_of alice)" "900.0000"
  before=$(entry_count)
  run --separate-stderr l settle --job j1 --payer alice --worker w1 --amount 100.5
  assert_status 3
  assert_contains "$stderr" "another amount"
  run --separate-stderr l settle --job j1 --payer alice --worker w2 --amount 100
  assert_status 3
  assert_contains "$stderr" "another worker"
  run --separate-stderr l settle --job j1 --payer alice --worker w1 --amount 100 --margin 0.2
  assert_status 3
  assert_contains "$stderr" "another margin"
  assert_equal "$(entry_count)" "$before"
}

@test "105.5555 at 10%: worker 94.9999, operator 10.5556" {
  l open alice >/dev/null
  l credit alice 200 >/dev/null
  run l settle --job j1 --payer alice --worker w1 --amount 105.5555
  assert_status 0
  assert_json '.payout == "94.9999" and .revenue == "10.5556"'
  assert_equal "$(balance_of w1)" "94.9999"
  assert_equal "$(balance_of system:operator)" "10.5556"
}

@test "the margin formula from success and latency, clamped to 0.10..0.40" {
  l open alice >/dev/null
  l credit alice 1000 >/dev/null
  # 0.10 + 0.20*(1-0.85) + 0.10*(750/1500) = 0.18
  run l settle --job j1 --payer alice --worker w1 --amount 100 --success 0.85 --latency 750
  assert_json '.margin == "0.18" and .payout == "82.0000"'
  run l settle --job j2 --payer alice --worker w1 --amount 100 --success 0 --latency 3000
  assert_json '.margin == "0.40" and .payout == "60.0000"'
  printf '%s\n' '{"job_id":"j3","payer":"alice","worker":"w1","amount":"10","success":1,"latency_ms":0}' >"$dir/in"
  run l settle <"$dir/in"
  assert_json '.margin == "0.10" and .payout == "9.0000"'
}

@test "settle reads sheratan-queue ls --status done --json and is safe to re-run" {
  l open alice >/dev/null
  l credit alice 100 >/dev/null
  q push a --cost 10 --label payer=alice >/dev/null
  q push b --cost 20.5 --label payer=alice >/dev/null
  q push c >/dev/null
  q claim --worker w9 -n 3 --json | jq -c '{id, token: .lease_token}' | q ack >/dev/null
  q ls --status done --json >"$dir/done.jsonl"
  run --separate-stderr l settle <"$dir/done.jsonl"
  assert_status 0
  assert_equal "$(grep -c '"duplicate":false' <<<"$output")" 2
  assert_equal "$(grep -c '"skipped":"no cost"' <<<"$output")" 1
  assert_equal "$(balance_of alice)" "69.5000"
  assert_equal "$(balance_of w9)" "27.4500"
  run --separate-stderr l settle <"$dir/done.jsonl"
  assert_status 0
  assert_equal "$(grep -c '"duplicate":true' <<<"$output")" 2
  assert_equal "$(balance_of alice)" "69.5000"
  run l reconcile
  assert_json '.charged == "30.5000" and .paid_out == "27.4500" and .revenue == "3.0500" and .jobs == 2'
  assert_json '.workers == {"w9":"27.4500"} and .unpaid_jobs == [] and .average_margin == "0.10"'
  # A line that is neither a settle line nor a job says what either needs.
  run --separate-stderr l settle <<<'{"bogus":1}'
  assert_status 4
  assert_contains "$stderr" "line 1: field 'job_id' is required" "'id'"
}

@test "transfer: idempotent by id; another content exits 3 naming the field; nothing changes" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  run l transfer a b 1.5 --id t1 --reason rent
  assert_status 0
  assert_json '.id == "t1" and .amount == "1.5000" and .duplicate == false and .type == "transfer"'
  seq=$(jq .seq <<<"$output")
  run l transfer a b 1.5 --id t1 --reason rent
  assert_status 0
  assert_json ".duplicate == true and .seq == $seq"
  before=$(entry_count)
  for args in "a b 2 --id t1 --reason rent:amount" "b a 1.5 --id t1 --reason rent:from" \
    "a b 1.5 --id t1 --reason other:reason" "a b 1.5 --id t1 --reason rent --job j:job"; do
    run --separate-stderr l transfer ${args%%:*}
    assert_status 3
    assert_contains "$stderr" "another ${args##*:}"
  done
  assert_equal "$(entry_count)" "$before"
  assert_equal "$(balance_of b)" "1.5000"
}

@test "a transfer refused while the writer keeps the pipe open: the command ends at once (exit 3)" {
  # Lines are read on a thread of its own; when a batch is refused, that thread must stop
  # waiting on a pipe that stays open, or the command would hang until the writer closed it.
  l open a b >/dev/null
  l credit a 5 >/dev/null
  before=$(entry_count)
  bg_start_on_fifo "$dir/in" "$dir/out" "$LEDGER" transfer
  printf '%s\n' '{"from":"a","to":"b","amount":"6"}' >&7
  wait_exit "$bg_pid" 10
  exec 7>&-
  assert_equal "$bg_status" 3
  assert_contains "$(cat "$dir/out.err")" "line 1" "insufficient funds"
  assert_equal "$(entry_count)" "$before"
}

@test "refused transfers write nothing: insufficient funds, unknown account, bad amounts" {
  l open a b >/dev/null
  l credit a 5 >/dev/null
  before=$(entry_count)
  run --separate-stderr l transfer a b 5.0001
  assert_status 3
  assert_contains "$stderr" "insufficient funds"
  run --separate-stderr l transfer a nobody 1
  assert_status 1
  assert_contains "$stderr" "no account 'nobody'"
  for amount in 0 -1 +1 1.23456 abc 1e3 "" 1. .5 99999999999999999999 " 1"; do
    run --separate-stderr l transfer a b "$amount"
    assert_status 4
    assert_contains "$stderr" "amount"
  done
  run --separate-stderr l transfer a a 1
  assert_status 4
  run --separate-stderr l transfer a b 1 --id settle:x
  assert_status 4
  assert_equal "$(entry_count)" "$before"
  assert_equal "$(balance_of a)" "5.0000"
  l verify >/dev/null
}

@test "bad lines name the line and the field and change nothing" {
  l open a b >/dev/null
  l credit a 100 >/dev/null
  before=$(entry_count)
  bad_line() {
    printf '%s\n' '{"op":"transfer","from":"a","to":"b","amount":"1"}' "$1" >"$dir/in"
    run --separate-stderr l batch <"$dir/in"
    assert_status "$2"
    assert_contains "$stderr" "line 2: " "$3"
    assert_equal "$output" ""
    assert_equal "$(entry_count)" "$before"
  }
  bad_line '{"op":"transfer","from":"a","to":"b","amount":"1.23456"}' 4 "more than 4 fraction digits"
  bad_line '{"op":"transfer","from":"a","to":"b","amount":1.5}' 4 "field 'amount'"
  bad_line '{"op":"transfer","from":"a","to":"b"}' 4 "field 'amount' is required"
  bad_line '{"op":"transfer","from":"a","amount":"1"}' 4 "field 'to' is required"
  bad_line '{"op":"transfer","from":"a","to":"b","amount":"1","colour":"red"}' 4 "field 'colour' is unknown"
  bad_line '{"op":"teleport"}' 4 "field 'op'"
  bad_line '{"from":"a"}' 4 "field 'op' is required"
  bad_line '{"op":"transfer","from":7,"to":"b","amount":"1"}' 4 "field 'from' must be a string"
  bad_line '{"op":"open","account":"c","kind":"alien"}' 4 "kind 'alien'"
  bad_line 'not json' 4 "malformed JSON"
  bad_line '[1]' 4 "line 2"
  bad_line '{"op":"transfer","from":"a","to":"b","amount":"1000"}' 3 "insufficient funds"
  bad_line '{"op":"settle","job_id":"j","payer":"a","worker":"w","amount":"1","margin":"1"}' 4 "margin '1'"
  bad_line '{"op":"settle","job_id":"j","payer":"a","worker":"w","amount":"1","margin":"0.1234567891"}' 4 "fraction digits"
}

@test "batch is all or nothing; --each applies what it can and reports each line" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  before=$(entry_count)
  printf '%s\n' '{"op":"transfer","from":"a","to":"b","amount":"4","id":"t1"}' \
    '{"op":"transfer","from":"a","to":"b","amount":"7","id":"t2"}' \
    '{"op":"open","account":"c"}' >"$dir/in"
  run --separate-stderr l batch <"$dir/in"
  assert_status 3
  assert_contains "$stderr" "line 2: insufficient funds"
  assert_equal "$(entry_count)" "$before"
  run --separate-stderr l batch --each <"$dir/in"
  assert_status 3
  assert_equal "${#lines[@]}" 3
  assert_json '.line == 1 and .ok == true and .id == "t1"' "${lines[0]}"
  assert_json '.line == 2 and .ok == false and .code == 3' "${lines[1]}"
  assert_json '.line == 3 and .ok == true and .account == "c"' "${lines[2]}"
  assert_equal "$(balance_of b)" "4.0000"
  l verify >/dev/null
}

@test "holds: post less than held releases the rest; void; posting twice; expiry releases" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  run l hold a b 6 --id h1 --expires 1h
  assert_status 0
  assert_json '.type == "hold" and .amount == "6.0000" and (.expires | length) > 0'
  run l balance a
  assert_json '.balance == "10.0000" and .held == "6.0000" and .available == "4.0000"'
  run --separate-stderr l transfer a b 5
  assert_status 3
  run l post h1 2.5
  assert_json '.type == "post" and .amount == "2.5000" and .duplicate == false'
  run l balance a
  assert_json '.balance == "7.5000" and .held == "0.0000"'
  run l post h1 2.5
  assert_status 0
  assert_json '.duplicate == true'
  run --separate-stderr l post h1 3
  assert_status 3
  run --separate-stderr l void h1
  assert_status 3
  l hold a b 1 --id h2 >/dev/null
  run l void h2
  assert_json '.type == "void" and .amount == "1.0000"'
  run --separate-stderr l post nope
  assert_status 1
  # An expired hold releases itself: the next write journals its expiry.
  l hold a b 3 --id h3 --expires 50ms >/dev/null
  wait_until 5 bash -c "[ \$(( \$(date +%s%3N) - $(now_ms) )) -ge 100 ]"
  run l balance a
  assert_json '.held == "0.0000" and .available == "7.5000"'
  run l journal
  assert_equal "$(jq -r 'select(.type == "expire") | .id' <<<"$output")" h3
  run --separate-stderr l post h3
  assert_status 3
  assert_contains "$stderr" "expired"
  run l verify
  assert_status 0
}

@test "a journal row altered with the sqlite3 shell: verify names its seq" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  for i in 1 2 3; do l transfer a b 1 >/dev/null; done
  l verify >/dev/null
  sqlite3 "$SHERATAN_DB" "UPDATE ledger_journal SET amount = 50000 WHERE seq = 4"
  run --separate-stderr l verify
  assert_status 1
  assert_json '.ok == false and .seq == 4'
  assert_contains "$stderr" "seq 4: hash does not match"
}

@test "verify: a deleted entry, a changed balance and a rewritten hash are all found" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  l transfer a b 1 >/dev/null
  # The -wal file is part of the store: copy through SQLite, not with cp.
  sqlite3 "$SHERATAN_DB" ".backup '$dir/orig.db'"
  sqlite3 "$SHERATAN_DB" "UPDATE ledger_accounts SET balance = balance + 10000 WHERE id = 'b'"
  run --separate-stderr l verify
  assert_status 1
  assert_contains "$stderr" "account 'b' has balance 2.0000, the journal replays to 1.0000"
  sqlite3 "$SHERATAN_DB" ".restore '$dir/orig.db'"
  sqlite3 "$SHERATAN_DB" "DELETE FROM ledger_journal WHERE seq = 3"
  run --separate-stderr l verify
  assert_status 1
  assert_contains "$stderr" "seq 3: entry is missing"
  sqlite3 "$SHERATAN_DB" ".restore '$dir/orig.db'"
  sqlite3 "$SHERATAN_DB" "UPDATE ledger_journal SET hash = 'x' WHERE seq = 2"
  run --separate-stderr l verify
  assert_status 1
  assert_contains "$stderr" "seq 2: hash"
}

@test "the printed entry hashes to its hash: SHA-256 over its canonical form with prev_hash" {
  l open a >/dev/null
  l credit a 1 --reason 'a "quoted" reason' >/dev/null
  while read -r entry; do
    want=$(jq -r .hash <<<"$entry")
    assert_equal "$(canonical_sha256 "$(jq -c 'del(.hash)' <<<"$entry")")" "$want"
  done < <(l journal)
  run l journal --after 1
  assert_json '.seq == 2 and .prev_hash != "GENESIS"'
  assert_equal "$(l journal | head -1 | jq -r .prev_hash)" GENESIS
}

@test "replay --at, history, accounts" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  l transfer a b 4 >/dev/null
  replayed() { l replay --at "$1" | jq -r "select(.account == \"$2\") | .balance"; }
  assert_equal "$(replayed 3 a)" "10.0000"
  assert_equal "$(replayed 3 b)" "0.0000"
  assert_equal "$(replayed 4 a)" "6.0000"
  assert_equal "$(replayed 4 b)" "4.0000"
  run --separate-stderr l replay --at 99
  assert_status 1
  run l history b
  assert_equal "$(jq -r .type <<<"$output" | tr '\n' ' ')" "open transfer "
  run l accounts
  assert_equal "$(jq -r .account <<<"$output" | tr '\n' ' ')" "a b system:mint system:operator "
  assert_equal "$(jq -r .kind <<<"$output" | tr '\n' ' ')" "user user system operator "
  run --separate-stderr l balance nobody
  assert_status 1
}

@test "open: a duplicate of the same kind, a conflict of another kind" {
  run l open w --kind worker
  assert_json '.duplicate == false and .kind == "worker"'
  run l open w --kind worker
  assert_json '.duplicate == true'
  run --separate-stderr l open w
  assert_status 3
  assert_contains "$stderr" "another kind"
  # Only system accounts may go below zero.
  l open s --kind system >/dev/null
  run l transfer s w 5
  assert_status 0
  assert_equal "$(balance_of s)" "-5.0000"
}

@test "transfer from stdin: batches, each line a transfer" {
  l open a b >/dev/null
  l credit a 100 >/dev/null
  for i in $(seq 1 50); do echo "{\"from\":\"a\",\"to\":\"b\",\"amount\":\"1\",\"id\":\"t$i\"}"; done >"$dir/in"
  run l transfer <"$dir/in"
  assert_status 0
  assert_equal "${#lines[@]}" 50
  assert_equal "$(balance_of b)" "50.0000"
  run l transfer <"$dir/in"
  assert_equal "$(grep -c '"duplicate":true' <<<"$output")" 50
  assert_equal "$(balance_of b)" "50.0000"
}

@test "usage: unknown subcommand suggests; --help exits 0; --version" {
  run --separate-stderr l trasnfer
  assert_status 2
  assert_contains "$stderr" "did you mean 'transfer'"
  # A mistyped flag is named, wherever CLI11 would have put its value.
  run --separate-stderr l transfer a b 1 --idd x
  assert_status 2
  assert_contains "$stderr" "unknown flag '--idd'" "did you mean '--id'?"
  run --separate-stderr l --formt json balance
  assert_status 2
  assert_contains "$stderr" "unknown flag '--formt'" "did you mean '--format'?"
  SHERATAN_BUSY_TIMEOUT=bogus run --separate-stderr l balance a
  assert_status 4
  assert_contains "$stderr" "environment SHERATAN_BUSY_TIMEOUT"
  run --separate-stderr l batch <<<'{"op":"hold","from":"a","to":"b","amount":"1","expires":"soon"}'
  assert_status 4
  assert_contains "$stderr" "line 1: field 'expires'"
  run --separate-stderr l history w1 -n 0
  assert_status 2
  assert_contains "$stderr" "--limit: Value 0 not in range 1 to"
  run l --help
  assert_status 0
  run l --version
  assert_contains "$output" "sheratan-ledger"
  run --separate-stderr l settle --job j1
  assert_status 2
}

@test "batch --each: a malformed line is reported with the others; the accepted lines commit together" {
  l open a b >/dev/null
  l credit a 10 >/dev/null
  printf '%s\n' '{"op":"transfer","from":"a","to":"b","amount":"1","id":"e1"}' 'not json' \
    '{"op":"transfer","from":"a","to":"b","amount":"2","id":"e2"}' >"$dir/in"
  run --separate-stderr l batch --each <"$dir/in"
  assert_status 4
  assert_equal "${#lines[@]}" 3
  assert_json '.line == 2 and .ok == false and .code == 4' "${lines[1]}"
  assert_json '.ok == true' "${lines[2]}"
  assert_contains "$stderr" "line 2: "
  assert_equal "$(balance_of b)" "3.0000"
  l verify >/dev/null
}

@test "holds: JSON lines oldest first, filtered by account and status; expired ones say so" {
  l open a b c >/dev/null
  l credit a 10 >/dev/null
  l credit c 10 >/dev/null
  l hold a b 1 --id h1 --job j1 >/dev/null
  l hold a b 2 --id h2 >/dev/null
  l hold c b 3 --id h3 --expires 1ms >/dev/null
  l post h1 >/dev/null
  run --separate-stderr l holds
  assert_status 0
  assert_equal "${#lines[@]}" 3
  assert_json '.id == "h1" and .status == "posted" and .posted == "1.0000" and .job == "j1"' "${lines[0]}"
  assert_json '.id == "h2" and .status == "pending" and .amount == "2.0000" and .from == "a" and .to == "b"' "${lines[1]}"
  assert_json '.id == "h3" and .status == "expired"' "${lines[2]}"
  run l holds --account c
  assert_json '.id == "h3"'
  run l holds --status pending
  assert_json '.id == "h2"'
  run l holds --account nobody
  [ -z "$output" ]
  run --separate-stderr l holds --status open
  assert_status 2
}

@test "progress on stderr only when stderr is a terminal" {
  l open a >/dev/null
  for i in 1 2 3; do l credit a 1 >/dev/null; done
  run --separate-stderr l verify
  assert_status 0
  [ -z "$stderr" ]
  command -v script >/dev/null || skip "script(1) is not installed"
  run script -qec "$LEDGER verify" /dev/null
  assert_status 0
  assert_contains "$output" "sheratan-ledger: verify: 4 entries" '"ok":true'
  run script -qec "$LEDGER -q verify" /dev/null
  [[ "$output" != *"verify: "* ]]
}
