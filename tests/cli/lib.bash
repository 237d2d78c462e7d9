# Shared helpers for the end-to-end CLI tests (bats). Load with `load ../lib`.
#
# Every test gets a fresh temporary folder $dir that is also $HOME, a store path
# $SHERATAN_DB=$dir/s.db (not created yet) and a config path $SHERATAN_CONFIG that
# does not exist unless a test writes it. Nothing from the caller's environment that
# would change the tools' behaviour leaks in.
# Admission gate G2 admits any kind that is not forbidden (SHERATAN_GATES_KINDS='*'),
# as a site with --exec handlers for its kinds would: tests name kinds freely. The
# gates' own tests unset it.
#
# Waiting: never `sleep`. Wait for an event with `wait_until SECONDS COMMAND...`
# (a poll with a short step and a deadline), or with the tool's own blocking.

bats_require_minimum_version 1.5.0

: "${SHERATAN_BIN:?SHERATAN_BIN must name the build folder}"
QUEUE="$SHERATAN_BIN/sheratan-queue"

setup() {
  dir=$(mktemp -d "${BATS_TMPDIR:-/tmp}/sheratan-cli.XXXXXX")
  unset SHERATAN_QUEUE SHERATAN_QUEUE_MAX_DEPTH SHERATAN_BUSY_TIMEOUT SHERATAN_SYNC SHERATAN_TOKEN \
    XDG_DATA_HOME XDG_CONFIG_HOME
  export SHERATAN_DB="$dir/s.db" SHERATAN_CONFIG="$dir/config.json" HOME="$dir" SHERATAN_GATES_KINDS='*'
  BG_PIDS=()
}

teardown() {
  local pid
  for pid in "${BG_PIDS[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ -n "${dir:-}" ] && rm -rf "$dir"
}

# The tool under test.
q() { "$QUEUE" "$@"; }

# ---- assertions -------------------------------------------------------------

# assert_status N: the last `run` exited with N.
assert_status() {
  if [ "$status" -ne "$1" ]; then
    echo "expected exit status $1, got $status"
    echo "stdout: ${output:-}"
    echo "stderr: ${stderr:-}"
    return 1
  fi
}

# assert_json FILTER [JSON]: the jq FILTER is true for JSON (default: $output).
# With several JSON lines, it must hold for every one of them.
assert_json() {
  local filter=$1 input=${2-$output}
  if [ -z "$input" ]; then
    echo "assert_json '$filter': no JSON to check"
    return 1
  fi
  if ! jq -e "$filter" >/dev/null <<<"$input"; then
    echo "assert_json failed: $filter"
    echo "on: $input"
    return 1
  fi
  local results
  results=$(jq -c "$filter" <<<"$input") || return 1
  if grep -qvx true <<<"$results"; then
    echo "assert_json failed: $filter"
    echo "results: $results"
    echo "on: $input"
    return 1
  fi
}

# assert_contains HAYSTACK NEEDLE...: every needle occurs in the haystack.
assert_contains() {
  local haystack=$1 needle
  shift
  for needle in "$@"; do
    if [[ "$haystack" != *"$needle"* ]]; then
      echo "expected to find: $needle"
      echo "in: $haystack"
      return 1
    fi
  done
}

# assert_equal ACTUAL EXPECTED
assert_equal() {
  if [ "$1" != "$2" ]; then
    echo "expected: $2"
    echo "actual:   $1"
    return 1
  fi
}

# ---- store inspection -------------------------------------------------------

# Number of jobs the tool lists (0 when the store does not exist yet).
job_count() {
  if [ ! -e "$SHERATAN_DB" ]; then
    echo 0
    return
  fi
  q ls --json | wc -l
}

# jq over the JSON of one job: job_field ID FILTER
job_field() { q show "$1" | jq -r "$2"; }

# jq helper turning an RFC 3339 time with milliseconds into epoch milliseconds.
JQ_MS='def ms: capture("^(?<s>[^.]+)\\.(?<f>[0-9]{3})Z$") | ((.s + "Z") | fromdateiso8601) * 1000 + (.f | tonumber);'

now_ms() { date +%s%3N; }

# SHA-256 (hex) of a JSON value in its RFC 8785 canonical form. For the plain values
# the tests use (ASCII strings, integers, nested objects and arrays), that is jq's
# compact output with sorted keys.
canonical_sha256() { jq -cS . <<<"$1" | tr -d '\n' | sha256sum | cut -d' ' -f1; }

# ---- waiting ----------------------------------------------------------------

# One short poll step (20 ms) without `sleep`.
poll_step() { read -r -t 0.02 <> <(:) || true; }

# wait_until SECONDS COMMAND...: runs COMMAND until it succeeds; fails after SECONDS.
wait_until() {
  local deadline=$(($(date +%s%3N) + $1 * 1000))
  shift
  until "$@"; do
    if [ "$(date +%s%3N)" -ge "$deadline" ]; then
      echo "gave up waiting for: $*"
      return 1
    fi
    poll_step
  done
}

# bg_start OUT COMMAND...: starts COMMAND in the background with stdout in OUT and
# stderr in OUT.err; sets $bg_pid. Teardown kills whatever is left.
bg_start() {
  local out=$1
  shift
  "$@" >"$out" 2>"$out.err" 3>&- &
  bg_pid=$!
  BG_PIDS+=("$bg_pid")
}

# bg_start_on_fifo FIFO OUT CMD...: as bg_start, with stdin from a new fifo whose write
# end is then open on fd 7 until the test closes it (exec 7>&-). The child opens the
# fifo, not this shell: opening it blocks until the other end is opened too.
bg_start_on_fifo() {
  local fifo=$1 out=$2
  shift 2
  mkfifo "$fifo"
  "$@" <"$fifo" >"$out" 2>"$out.err" 3>&- &
  bg_pid=$!
  BG_PIDS+=("$bg_pid")
  exec 7>"$fifo"
}

# True once the process has ended (gone, or a zombie waiting to be reaped).
process_ended() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 0
  [ -z "$state" ] || [ "$state" = Z ]
}

# wait_exit PID SECONDS: waits for a background child to end, at most SECONDS, and
# puts its exit status in $bg_status.
wait_exit() {
  wait_until "$2" process_ended "$1" || return 1
  bg_status=0
  wait "$1" || bg_status=$?
}

# True when the process holds an inotify descriptor (its watch is armed).
has_inotify() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q inotify; }

# True when the process sleeps waiting for its stdin: one thread in read(2) on fd 0 or
# in poll(2) (push reads on a thread of its own), any other thread waiting on a futex
# (for that one), none running or in another call.
reading_stdin() {
  local task state call readers=0
  for task in /proc/"$1"/task/*; do
    state=$(sed 's/.*) //' "$task/stat" 2>/dev/null | cut -d' ' -f1)
    call=$(cut -d' ' -f1,2 "$task/syscall" 2>/dev/null)
    [ "$state" = S ] || return 1
    case "$call" in
      "0 0x0" | "7 "*) readers=$((readers + 1)) ;;
      "202 "*) ;;
      *) return 1 ;;
    esac
  done
  [ "$readers" -eq 1 ]
}

# Bytes still unread in the pipe whose write end is our descriptor FD.
pipe_unread() {
  python3 -c 'import array, fcntl, sys, termios
n = array.array("i", [0])
fcntl.ioctl(int(sys.argv[1]), termios.FIONREAD, n)
print(n[0])' "$1"
}

# True when the reader of pipe FD (pid PID) has taken everything written so far and
# is blocked waiting for more (checked twice, 20 ms apart, to skip a wake-up in flight).
consumed_and_waiting() {
  local fd=$1 pid=$2
  [ "$(pipe_unread "$fd")" -eq 0 ] && reading_stdin "$pid" || return 1
  poll_step
  [ "$(pipe_unread "$fd")" -eq 0 ] && reading_stdin "$pid"
}
