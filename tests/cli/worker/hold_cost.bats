#!/usr/bin/env bats
# sheratan-worker --hold-cost with sheratan-ledger: a job's cost is held from its payer
# at claim, posted at ack (the charge), voided when the job fails; settle afterwards
# only pays the worker, so the payer is charged exactly once whichever runs first.

load ../lib

W="$SHERATAN_BIN/sheratan-worker"
w() { "$W" "$@"; }
LEDGER="$SHERATAN_BIN/sheratan-ledger"
l() { "$LEDGER" "$@"; }
balance_of() { l balance "$1" | jq -r .balance; }
held_of() { l balance "$1" | jq -r .held; }

setup_payer() {
  l open alice >/dev/null
  l credit alice "$1" >/dev/null
}

# A handler that holds the job until $dir/go exists, then says whether alice's money
# was held meanwhile.
write_slow_handler() {
  cat >"$dir/handler.sh" <<SH
echo started >"$dir/started"
while [ ! -e "$dir/go" ]; do sleep 0.02; done
echo '{"ok":true}'
SH
}

@test "the cost is held while the job runs, posted at ack; settle then pays the worker only" {
  setup_payer 1000
  write_slow_handler
  id=$(q push work --cost 100 -l payer=alice | jq -r .id)
  bg_start "$dir/worker.out" "$W" --once --id w1 --hold-cost --exec "sh $dir/handler.sh"
  wait_until 10 test -e "$dir/started"
  assert_equal "$(held_of alice)" "100.0000"
  assert_equal "$(balance_of alice)" "1000.0000"
  touch "$dir/go"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 0
  assert_equal "$(held_of alice)" "0.0000"
  assert_equal "$(balance_of alice)" "900.0000"
  assert_equal "$(balance_of system:operator)" "100.0000"
  run --separate-stderr l journal
  assert_contains "$output" '"id":"settle:'"$id"':hold:' '"type":"post"'

  run --separate-stderr bash -c "'$QUEUE' ls --status done --json | '$LEDGER' settle --margin 0.10"
  assert_status 0
  assert_json '.job_id == "'"$id"'" and .held == true and .duplicate == false and .payout == "90.0000"'
  assert_equal "$(balance_of alice)" "900.0000"
  assert_equal "$(balance_of w1)" "90.0000"
  assert_equal "$(balance_of system:operator)" "10.0000"

  # Again: nothing more is charged or paid.
  run --separate-stderr bash -c "'$QUEUE' ls --status done --json | '$LEDGER' settle --margin 0.10"
  assert_status 0
  assert_json '.duplicate == true and .held == true'
  assert_equal "$(balance_of alice)" "900.0000"
  assert_equal "$(balance_of w1)" "90.0000"
  run l reconcile
  assert_json '.charged == "100.0000" and .paid_out == "90.0000" and .unpaid_jobs == []'
  run l verify
  assert_status 0
}

@test "the worker's events name the hold and what the ack did with it" {
  setup_payer 10
  q push noop --cost 2.5 -l payer=alice >/dev/null
  run --separate-stderr w --drain --hold-cost
  assert_status 0
  assert_json '.event != "claimed" or (.hold | startswith("settle:"))'
  assert_json '.event != "done" or .cost == "posted"'
  assert_equal "$(balance_of alice)" "7.5000"
}

@test "a failed job's hold is voided: nothing is charged" {
  setup_payer 50
  q push work --cost 20 -l payer=alice --max-attempts 1 >/dev/null
  run --separate-stderr w --drain --hold-cost --exec "exit 1"
  assert_status 0
  assert_contains "$output" '"event":"failed"'
  assert_json '.event != "failed" or .cost == "voided"'
  assert_equal "$(balance_of alice)" "50.0000"
  assert_equal "$(held_of alice)" "0.0000"
  run l verify
  assert_status 0
}

@test "a job whose cost cannot be held is not run: it is retried later, then dead" {
  setup_payer 5
  id=$(q push noop --cost 20 -l payer=alice --max-attempts 1 | jq -r .id)
  run --separate-stderr w --drain --hold-cost
  assert_status 0
  assert_contains "$output" "cannot hold its cost: insufficient funds"
  assert_equal "$(job_field "$id" .status)" "dead"
  assert_equal "$(balance_of alice)" "5.0000"
  assert_equal "$(held_of alice)" "0.0000"
}

@test "settle before the ack charges once: the ack voids its hold" {
  setup_payer 1000
  write_slow_handler
  id=$(q push work --cost 100 -l payer=alice | jq -r .id)
  bg_start "$dir/worker.out" "$W" --once --id w1 --hold-cost --exec "sh $dir/handler.sh"
  wait_until 10 test -e "$dir/started"
  l settle --job "$id" --payer alice --worker w1 --amount 100 >/dev/null
  assert_equal "$(balance_of alice)" "900.0000"
  touch "$dir/go"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 0
  assert_equal "$(balance_of alice)" "900.0000"
  assert_equal "$(held_of alice)" "0.0000"
  assert_equal "$(balance_of w1)" "90.0000"
  run --separate-stderr bash -c "'$QUEUE' ls --status done --json | '$LEDGER' settle"
  assert_json '.duplicate == true'
  assert_equal "$(balance_of alice)" "900.0000"
}

@test "without --hold-cost nothing is held; jobs without a payer are run as before" {
  setup_payer 10
  q push noop --cost 2 -l payer=alice >/dev/null
  q push noop --cost 2 >/dev/null
  run --separate-stderr w --drain --hold-cost
  assert_status 0
  [ "$(grep -c '"event":"done"' <<<"$output")" -eq 2 ]
  q push noop --cost 2 -l payer=alice >/dev/null
  run --separate-stderr w --drain
  assert_status 0
  [[ "$output" != *'"hold"'* ]]
  assert_equal "$(balance_of alice)" "8.0000"
}

@test "--hold-cost on a ledger replica is a usage error" {
  l open alice >/dev/null
  SHERATAN_DB="$dir/replica.db" l sync --from "$SHERATAN_DB" >/dev/null
  run --separate-stderr env SHERATAN_DB="$dir/replica.db" "$W" --drain --hold-cost
  assert_status 2
  assert_contains "$stderr" "replica"
}

@test "a job released on shutdown gets its hold voided; claimed again it holds afresh" {
  setup_payer 100
  write_slow_handler
  id=$(q push work --cost 30 -l payer=alice | jq -r .id)
  bg_start "$dir/worker.out" "$W" --hold-cost --grace 100ms --kill-grace 100ms --exec "sh $dir/handler.sh"
  wait_until 10 test -e "$dir/started"
  assert_equal "$(held_of alice)" "30.0000"
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_contains "$(cat "$dir/worker.out")" '"event":"released"'
  assert_equal "$(held_of alice)" "0.0000"
  assert_equal "$(balance_of alice)" "100.0000"
  touch "$dir/go"
  run --separate-stderr w --drain --hold-cost --exec "sh $dir/handler.sh"
  assert_status 0
  assert_equal "$(job_field "$id" .status)" "done"
  assert_equal "$(balance_of alice)" "70.0000"
  [ "$(l journal | jq -r 'select(.type == "hold") | .id' | sort -u | wc -l)" -eq 2 ]
}
