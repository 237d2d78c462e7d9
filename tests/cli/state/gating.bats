#!/usr/bin/env bats
# PAUSED gates the toolkit: sheratan-queue claim leases nothing (exit 5) unless
# --ignore-state; sheratan-worker claims nothing and sleeps until the state changes.

load ../lib

S="$SHERATAN_BIN/sheratan-state"
W="$SHERATAN_BIN/sheratan-worker"
st() { "$S" "$@"; }

# True when the process's main thread sleeps in epoll with no timeout: no timer is
# armed, so it wakes only when something happens (x86_64: epoll_wait 232, epoll_pwait 281).
blocked_without_timer() {
  local state call
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  read -r -a call <"/proc/$1/syscall" 2>/dev/null || return 1
  [ "$state" = S ] || return 1
  case ${call[0]} in
    232 | 281) [ "${call[4]}" = 0xffffffffffffffff ] || [ "${call[4]}" = 0xffffffff ] ;;
    *) return 1 ;;
  esac
}

@test "claim while PAUSED exits 5 with a message and leases nothing; --ignore-state claims" {
  q push noop >/dev/null
  st set paused -r maintenance >/dev/null
  run --separate-stderr q claim
  assert_status 5
  [ -z "$output" ]
  assert_contains "$stderr" "sheratan-queue: error: the system is PAUSED: claiming nothing"
  [ "$(q ls --status ready --json | wc -l)" -eq 1 ]
  run --separate-stderr q claim --ignore-state
  assert_status 0
  assert_json 'has("lease_token")'
  st set operational -r done >/dev/null
  q push noop >/dev/null
  run --separate-stderr q claim
  assert_status 0
}

@test "claim --wait while PAUSED waits through the pause and claims when it ends" {
  q push noop >/dev/null
  st set paused -r maintenance >/dev/null
  bg_start "$dir/claim.out" "$QUEUE" claim --wait 30s
  claimer=$bg_pid
  wait_until 10 has_inotify "$claimer"
  ! process_ended "$claimer"
  [ "$(q ls --status ready --json | wc -l)" -eq 1 ]
  st set operational -r back >/dev/null
  wait_exit "$claimer" 10
  assert_equal "$bg_status" 0
  assert_json 'has("lease_token")' "$(cat "$dir/claim.out")"
}

@test "a PAUSED worker claims nothing, sleeps with no timer, and is woken when the state changes" {
  st_ok=$(q push noop | jq -r .id)
  st set paused -r maintenance >/dev/null
  bg_start "$dir/worker.out" "$W" --json
  worker=$bg_pid
  wait_until 10 grep -q '"event":"paused"' "$dir/worker.out"
  wait_until 10 blocked_without_timer "$worker"
  assert_equal "$(job_field "$st_ok" .status)" ready
  ! grep -q '"event":"claimed"' "$dir/worker.out"
  st set operational -r back >/dev/null
  wait_until 10 grep -q '"event":"done"' "$dir/worker.out"
  assert_equal "$(job_field "$st_ok" .status)" done
  grep -q '"event":"resumed"' "$dir/worker.out"
  kill -TERM "$worker"
  wait_exit "$worker" 10
  assert_equal "$bg_status" 143
}

@test "PAUSED stops a running worker from claiming until the state changes" {
  bg_start "$dir/worker.out" "$W" --json
  worker=$bg_pid
  first=$(q push noop | jq -r .id)
  wait_until 10 grep -q '"event":"done"' "$dir/worker.out"
  st set paused -r 'stop claims' >/dev/null
  wait_until 10 grep -q '"event":"paused"' "$dir/worker.out"
  second=$(q push noop | jq -r .id)
  wait_until 10 blocked_without_timer "$worker"
  assert_equal "$(job_field "$second" .status)" ready
  st set degraded -r 'resume, carefully' >/dev/null
  wait_until 10 sh -c "[ \"\$('$QUEUE' show $second | jq -r .status)\" = done ]"
  assert_equal "$(job_field "$first" .status)" done
}

@test "--drain while PAUSED runs nothing and exits 5" {
  id=$(q push noop | jq -r .id)
  st set paused -r maintenance >/dev/null
  run --separate-stderr "$W" --drain
  assert_status 5
  assert_contains "$stderr" "the system is PAUSED"
  assert_equal "$(job_field "$id" .status)" ready
}

@test "an idle state wait sleeps with no timer" {
  q push noop >/dev/null
  bg_start "$dir/wait.out" "$S" wait paused
  waiter=$bg_pid
  wait_until 10 blocked_without_timer "$waiter"
  st set paused -r now >/dev/null
  wait_exit "$waiter" 5
  assert_equal "$bg_status" 0
}
