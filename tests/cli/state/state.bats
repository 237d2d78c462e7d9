#!/usr/bin/env bats
# sheratan-state end to end: get/set/history, every transition rule, wait and watch
# woken by another process, eval and reflect verdicts, bad input.

load ../lib

S="$SHERATAN_BIN/sheratan-state"
st() { "$S" "$@"; }

@test "a new store starts OPERATIONAL with a first event 'store created'" {
  q stats >/dev/null 2>&1 || q push noop >/dev/null
  run --separate-stderr st get
  assert_status 0
  assert_json '.state == "OPERATIONAL" and .last.reason == "store created" and .last.prev_state == null and .duration_ms >= 0'
  run --separate-stderr st history
  assert_status 0
  [ "${#lines[@]}" -eq 1 ]
}

@test "a mistyped flag is named with the nearest one, not blamed on a missing --reason (exit 2)" {
  run --separate-stderr st set paused --reasn x
  assert_status 2
  assert_contains "$stderr" "unknown flag '--reasn'" "did you mean '--reason'?"
  [ ! -e "$SHERATAN_DB" ]  # refused before the store was opened, let alone changed
}

@test "wait --timeout that is not a duration: exit 4 naming the flag" {
  run --separate-stderr st wait operational --timeout soon
  assert_status 4
  assert_contains "$stderr" "--timeout" "soon"
}

@test "set records the transition with reason, actor and meta" {
  q push noop >/dev/null
  run --separate-stderr st set paused -r 'disk swap' --actor ops --meta '{"ticket":7}'
  assert_status 0
  assert_json '.prev_state == "OPERATIONAL" and .next_state == "PAUSED" and .reason == "disk swap" and .actor == "ops" and .meta == {"ticket":7} and .noop == false'
  assert_json '.state == "PAUSED" and .last.reason == "disk swap"' "$(st get)"
}

@test "every allowed pair is accepted and every other pair exits 3 naming the allowed targets" {
  q push noop >/dev/null
  declare -A allowed=(
    [PAUSED]="RECOVERY OPERATIONAL DEGRADED"
    [OPERATIONAL]="DEGRADED REFLECTIVE RECOVERY PAUSED"
    [DEGRADED]="OPERATIONAL REFLECTIVE RECOVERY PAUSED"
    [REFLECTIVE]="OPERATIONAL DEGRADED RECOVERY PAUSED"
    [RECOVERY]="OPERATIONAL DEGRADED PAUSED"
  )
  # A path from OPERATIONAL to each state, through allowed transitions.
  declare -A path=([OPERATIONAL]="" [DEGRADED]="DEGRADED" [REFLECTIVE]="REFLECTIVE" [RECOVERY]="RECOVERY" [PAUSED]="PAUSED")
  for from in PAUSED OPERATIONAL DEGRADED REFLECTIVE RECOVERY; do
    for to in PAUSED OPERATIONAL DEGRADED REFLECTIVE RECOVERY; do
      [ "$from" = "$to" ] && continue
      st set OPERATIONAL -r reset >/dev/null 2>&1 || st set DEGRADED -r reset >/dev/null
      st set OPERATIONAL -r reset >/dev/null
      for step in ${path[$from]}; do st set "$step" -r setup >/dev/null; done
      assert_equal "$(st get | jq -r .state)" "$from"
      run --separate-stderr st set "$to" -r "try $from to $to"
      if [[ " ${allowed[$from]} " == *" $to "* ]]; then
        assert_status 0
        assert_json ".prev_state == \"$from\" and .next_state == \"$to\""
      else
        assert_status 3
        assert_contains "$stderr" "cannot go from $from to $to (allowed: $(sed 's/ /, /g' <<<"${allowed[$from]}"))"
        assert_equal "$(st get | jq -r .state)" "$from"
      fi
    done
  done
}

@test "the same state is a recorded no-op; since stays" {
  q push noop >/dev/null
  st set degraded -r first >/dev/null
  since=$(st get | jq -r .since)
  run --separate-stderr st set DEGRADED -r again
  assert_status 0
  assert_json '.noop == true and .prev_state == "DEGRADED" and .next_state == "DEGRADED"'
  assert_contains "$stderr" "already DEGRADED"
  assert_equal "$(st get | jq -r .since)" "$since"
  [ "$(st history --json | wc -l)" -eq 3 ]
}

@test "bad input: empty reason, unknown state, bad meta, missing reason; nothing recorded" {
  q push noop >/dev/null
  run --separate-stderr st set paused -r ''
  assert_status 2
  assert_contains "$stderr" "--reason must not be empty"
  run --separate-stderr st set paused -r '   '
  assert_status 2
  run --separate-stderr st set sleeping -r x
  assert_status 2
  assert_contains "$stderr" "unknown state 'sleeping'"
  run --separate-stderr st set paused -r x --meta '[1]'
  assert_status 4
  assert_contains "$stderr" "--meta must be a JSON object"
  run --separate-stderr st set paused -r x --meta '{bad'
  assert_status 4
  run --separate-stderr st set paused
  assert_status 2
  [ "$(st history --json | wc -l)" -eq 1 ]
}

@test "history --limit and --since" {
  q push noop >/dev/null
  for s in degraded operational degraded operational; do st set $s -r "to $s" >/dev/null; done
  run --separate-stderr st history --limit 2
  assert_status 0
  [ "${#lines[@]}" -eq 2 ]
  assert_json '.reason == "to operational"' "${lines[1]}"
  assert_json '.reason == "to degraded"' "${lines[0]}"
  [ "$(st history --since 1h --json | wc -l)" -eq 5 ]
  [ "$(st history --since 2099-01-01T00:00:00Z --json | wc -l)" -eq 0 ]
  run --separate-stderr st history --since yesterday
  assert_status 4
  assert_contains "$stderr" "--since 'yesterday'"
}

@test "wait returns when another process makes the transition; times out with 1" {
  q push noop >/dev/null
  run --separate-stderr st wait operational --timeout 5s
  assert_status 0
  run --separate-stderr st wait paused --timeout 200ms
  assert_status 1
  bg_start "$dir/wait.out" "$S" wait paused --timeout 30s
  waiter=$bg_pid
  wait_until 10 has_inotify "$waiter"
  ! process_ended "$waiter"
  st set paused -r 'from another process' >/dev/null
  wait_exit "$waiter" 5
  assert_equal "$bg_status" 0
  # It prints the transition that reached the state.
  assert_json '.next_state == "PAUSED" and .reason == "from another process" and .prev_state == "OPERATIONAL"' \
    "$(cat "$dir/wait.out")"
  [ "$(wc -l <"$dir/wait.out")" -eq 1 ]
}

@test "wait prints the transition that reached the state, not a no-op recorded after it" {
  st set paused -r 'maintenance' >/dev/null
  st set paused -r 'still paused' >/dev/null
  run --separate-stderr st wait paused --timeout 5s
  assert_status 0
  assert_json '.reason == "maintenance" and .prev_state == "OPERATIONAL" and .next_state == "PAUSED"'
}

@test "wait wakes on a commit by a plain sqlite3 insert too" {
  q push noop >/dev/null
  bg_start "$dir/wait.out" "$S" wait degraded --timeout 30s
  waiter=$bg_pid
  wait_until 10 has_inotify "$waiter"
  sqlite3 "$SHERATAN_DB" "INSERT INTO state_events (ts, prev_state, next_state, reason, actor) VALUES (0, 'OPERATIONAL', 'DEGRADED', 'shell', 'sqlite3')"
  wait_exit "$waiter" 5
  assert_equal "$bg_status" 0
}

@test "watch streams each transition as a JSON line as it is recorded" {
  q push noop >/dev/null
  bg_start "$dir/watch.out" "$S" watch
  watcher=$bg_pid
  wait_until 10 has_inotify "$watcher"
  st set paused -r one >/dev/null
  wait_until 5 grep -q '"reason":"one"' "$dir/watch.out"
  st set operational -r two >/dev/null
  wait_until 5 grep -q '"reason":"two"' "$dir/watch.out"
  [ "$(wc -l <"$dir/watch.out")" -eq 2 ]
  assert_json '.next_state == "PAUSED"' "$(head -n 1 "$dir/watch.out")"
  kill -TERM "$watcher"
  wait_exit "$watcher" 5
  assert_equal "$bg_status" 143
}

@test "watch --all starts with the recorded events" {
  q push noop >/dev/null
  bg_start "$dir/watch.out" "$S" watch --all
  wait_until 5 grep -q '"reason":"store created"' "$dir/watch.out"
}

@test "eval: healthy is OPERATIONAL; a ready job past its age degrades; --apply records it naming the facts" {
  q push noop >/dev/null
  run --separate-stderr st eval
  assert_status 0
  assert_json '.verdict == "OPERATIONAL" and .applied == false and .facts.oldest_ready_age_ms >= 0'
  echo '{"state":{"max_ready_age":"1ms"}}' >"$SHERATAN_CONFIG"
  wait_until 5 sh -c "! '$S' eval >/dev/null"
  run --separate-stderr st eval
  assert_status 1
  assert_json '.verdict == "DEGRADED" and .state == "OPERATIONAL" and (.findings[0] | startswith("a ready job has waited"))'
  assert_equal "$(st get | jq -r .state)" OPERATIONAL
  run --separate-stderr st eval --apply
  assert_status 1
  assert_json '.applied == true and .state == "DEGRADED" and .event.actor == "sheratan-state eval" and (.event.reason | startswith("eval: a ready job has waited"))'
  assert_equal "$(st get | jq -r .state)" DEGRADED
  rm "$SHERATAN_CONFIG"
  run --separate-stderr st eval --apply
  assert_status 0
  assert_json '.applied == true and .event.prev_state == "DEGRADED" and .event.next_state == "OPERATIONAL" and .event.reason == "eval: all healthy"'
  # The same verdict again records nothing.
  n=$(st history --json | wc -l)
  st eval --apply >/dev/null
  [ "$(st history --json | wc -l)" -eq "$n" ]
}

@test "eval: dead jobs past the limit degrade; PAUSED is never left by --apply" {
  q push noop --max-attempts 1 >/dev/null
  tok=$(q claim --json | jq -r .lease_token)
  id=$(q ls --json | jq -r .id)
  q fail "$id" -t "$tok" -e boom >/dev/null
  run --separate-stderr st eval
  assert_status 1
  assert_json '.facts.dead_jobs == 1 and .findings == ["1 dead jobs in the last 1h (limit 0)"]'
  echo '{"state":{"max_dead_jobs":1}}' >"$SHERATAN_CONFIG"
  run --separate-stderr st eval
  assert_status 0
  rm "$SHERATAN_CONFIG"
  st set paused -r ops >/dev/null
  run --separate-stderr st eval --apply
  assert_status 1
  assert_json '.applied == false and .state == "PAUSED"'
  assert_equal "$(st get | jq -r .state)" PAUSED
}

@test "eval: a bad limit in the config names the key" {
  q push noop >/dev/null
  echo '{"state":{"max_ready_age":"soon"}}' >"$SHERATAN_CONFIG"
  run --separate-stderr st eval
  assert_status 4
  assert_contains "$stderr" "state.max_ready_age"
}

@test "reflect: a ledger journal altered in the store fails its check and the verdict" {
  "$SHERATAN_BIN/sheratan-ledger" open alice >/dev/null
  "$SHERATAN_BIN/sheratan-ledger" credit alice 10 >/dev/null
  sqlite3 "$SHERATAN_DB" "UPDATE ledger_journal SET amount = 50000 WHERE seq = (SELECT max(seq) FROM ledger_journal)"
  run --separate-stderr st reflect
  assert_status 1
  assert_json '(.checks[] | select(.name == "ledger") | .score == 0 and (.detail | startswith("verify failed: seq ")))'
  assert_json '.verdict == "DEGRADED"'
}

@test "reflect: REFLECTIVE then OPERATIONAL on a healthy store, findings recorded" {
  q push noop >/dev/null
  run --separate-stderr st reflect
  assert_status 0
  assert_json '.score == 1 and .verdict == "OPERATIONAL" and (.checks | map(.name)) == ["integrity","ledger","queue","probes"]'
  # No ledger in this store: its check is skipped, not counted as a free full score.
  assert_json '.checks[0].detail == "ok" and .checks[1].skipped == true and .checks[1].score == null'
  assert_json '.checks[1].detail == "no ledger: nothing to verify"'
  assert_json '.events[0].next_state == "REFLECTIVE" and .events[1].prev_state == "REFLECTIVE" and .events[1].next_state == "OPERATIONAL"'
  last=$(st history --limit 1)
  assert_json '.meta.score == 1 and (.reason | startswith("self-diagnosis: health 1.000"))' "$last"
}

@test "reflect: dead jobs give DEGRADED, a damaged store RECOVERY, RECOVERY cannot reflect" {
  q push noop --max-attempts 1 >/dev/null
  tok=$(q claim --json | jq -r .lease_token)
  q fail "$(q ls --json | jq -r .id)" -t "$tok" -e boom >/dev/null
  run --separate-stderr st reflect
  assert_status 1
  # (0.4 + 0.2 * 0.5 + 0.2) / 0.8: this store has no ledger, so that check's weight is left out.
  assert_json '.verdict == "DEGRADED" and .score == 0.875 and .checks[2].score == 0.5'
  # A table whose rows break its own schema: quick_check reports it.
  sqlite3 "$SHERATAN_DB" "CREATE TABLE t (x); INSERT INTO t VALUES (1)"
  sqlite3 "$SHERATAN_DB" "PRAGMA writable_schema=ON; UPDATE sqlite_schema SET sql = 'CREATE TABLE t (x, y NOT NULL)' WHERE name = 't'"
  run --separate-stderr st reflect
  assert_status 1
  assert_json '.verdict == "RECOVERY" and .checks[0].score == 0'
  run --separate-stderr st reflect
  assert_status 3
  assert_contains "$stderr" "cannot go from RECOVERY to REFLECTIVE"
}
