#!/usr/bin/env bats
# sheratan-ledger under concurrency and crashes: 8 processes × 1,000 transfers give
# exact balances and a valid chain; kill -9 in the middle of a batch leaves all or
# nothing; the same job settled by many processes at once is charged once.

load ../lib

LEDGER="$SHERATAN_BIN/sheratan-ledger"
l() { "$LEDGER" "$@"; }
balance_of() { l balance "$1" | jq -r .balance; }

@test "8 processes x 1,000 transfers at once: exact balances and a valid chain" {
  export SHERATAN_SYNC=normal
  l open src >/dev/null
  l credit src 100000 >/dev/null
  for p in 1 2 3 4 5 6 7 8; do
    l open "dst$p" >/dev/null
    # A line at a time through a pipe, so that the processes' batches interleave.
    python3 -c '
import sys
p = sys.argv[1]
for i in range(1000):
    sys.stdout.write("{\"from\":\"src\",\"to\":\"dst%s\",\"amount\":\"0.%04d\",\"id\":\"p%s-%d\"}\n" % (p, i + 1, p, i))
    if i % 7 == 0: sys.stdout.flush()
' "$p" | l transfer >"$dir/out$p" 2>"$dir/err$p" &
    BG_PIDS+=($!)
  done
  for pid in "${BG_PIDS[@]}"; do wait "$pid"; done
  BG_PIDS=()
  # 0.0001 + ... + 0.1000 = 50.0500 per process
  for p in 1 2 3 4 5 6 7 8; do
    assert_equal "$(wc -l <"$dir/out$p")" 1000
    assert_equal "$(balance_of "dst$p")" "50.0500"
  done
  assert_equal "$(balance_of src)" "99599.6000"
  run l verify
  assert_status 0
  assert_json '.ok == true and .entries == 8010'
  # Every line of a process is in the journal exactly once.
  assert_equal "$(sqlite3 "$SHERATAN_DB" "SELECT count(*) FROM ledger_journal WHERE id LIKE 'p1-%'")" 1000
}

@test "the same jobs settled by 8 processes at once are charged once each" {
  l open alice >/dev/null
  l credit alice 1000 >/dev/null
  for j in $(seq 1 50); do echo "{\"job_id\":\"j$j\",\"payer\":\"alice\",\"worker\":\"w\",\"amount\":\"2\"}"; done >"$dir/jobs"
  for p in 1 2 3 4 5 6 7 8; do
    l settle <"$dir/jobs" >"$dir/out$p" 2>"$dir/err$p" &
    BG_PIDS+=($!)
  done
  for pid in "${BG_PIDS[@]}"; do wait "$pid"; done
  BG_PIDS=()
  assert_equal "$(cat "$dir"/out* | grep -c '"duplicate":false')" 50
  assert_equal "$(balance_of alice)" "900.0000"
  assert_equal "$(balance_of w)" "90.0000"
  l verify >/dev/null
}

@test "kill -9 in the middle of a batch: all or nothing, and the chain stays valid" {
  l open a b >/dev/null
  l credit a 1000000 >/dev/null
  python3 -c '
for i in range(200000):
    print("{\"op\":\"transfer\",\"from\":\"a\",\"to\":\"b\",\"amount\":\"0.0001\"}")' >"$dir/big"
  # Killed while it reads its input: nothing at all is written.
  bg_start_on_fifo "$dir/fifo" "$dir/out" "$LEDGER" batch
  head -n 100000 "$dir/big" >&7
  wait_until 10 consumed_and_waiting 7 "$bg_pid"
  kill -9 "$bg_pid"
  exec 7>&-
  wait_exit "$bg_pid" 10
  assert_equal "$(balance_of b)" "0.0000"
  # Killed at moments during the commit: the batch is there whole or not at all.
  for delay in 100 250 400; do
    bg_start "$dir/out" l batch <"$dir/big"
    start=$(now_ms)
    # Chaos timing, not a wait for an event: kill after DELAY ms or once it ended.
    ended_or_late() { process_ended "$bg_pid" || [ $(($(now_ms) - start)) -ge "$delay" ]; }
    wait_until 30 ended_or_late
    kill -9 "$bg_pid" 2>/dev/null || true
    wait "$bg_pid" 2>/dev/null || true
    b=$(balance_of b)
    [[ "$b" == "0.0000" || "$b" == "20.0000" || "$b" == "40.0000" || "$b" == "60.0000" ]] || {
      echo "half a batch: $b"
      return 1
    }
    l verify >/dev/null
  done
}
