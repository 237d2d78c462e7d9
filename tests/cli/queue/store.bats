#!/usr/bin/env bats
# The store under sheratan-queue: missing, damaged, newer, locked; its path and modes.

load ../lib

@test "ls on a store that does not exist: exit 1, says so, creates nothing" {
  run --separate-stderr q ls
  assert_status 1
  assert_contains "$stderr" "'$SHERATAN_DB'" "does not exist"
  [ ! -e "$SHERATAN_DB" ]
}

@test "a file that is not a database: exit 1 with a clear message" {
  printf 'hello, this is not sqlite\n%.0s' {1..200} >"$SHERATAN_DB"
  before=$(sha256sum <"$SHERATAN_DB")
  run --separate-stderr q push a
  assert_status 1
  assert_equal "$output" ""
  assert_contains "$stderr" "'$SHERATAN_DB'" "not a"
  run --separate-stderr q ls
  assert_status 1
  assert_contains "$stderr" "'$SHERATAN_DB'" "not a"
  assert_equal "$(sha256sum <"$SHERATAN_DB")" "$before"
}

@test "another program's SQLite database is refused, not turned into a store" {
  sqlite3 "$SHERATAN_DB" 'CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES (1)'
  before=$(sha256sum <"$SHERATAN_DB")
  for args in ls stats "push a"; do
    # shellcheck disable=SC2086
    run --separate-stderr q $args
    assert_status 1
    assert_contains "$stderr" "'$SHERATAN_DB'" "another program, not a Sheratan store"
  done
  assert_equal "$(sha256sum <"$SHERATAN_DB")" "$before"
  assert_equal "$(sqlite3 "$SHERATAN_DB" .tables)" notes
}

@test "a store with a newer schema is refused: exit 1, mentions newer" {
  q push a >/dev/null
  sqlite3 "$SHERATAN_DB" 'PRAGMA user_version=99'
  run --separate-stderr q ls
  assert_status 1
  assert_equal "$output" ""
  assert_contains "$stderr" "'$SHERATAN_DB'" "newer"
  run --separate-stderr q push b
  assert_status 1
  assert_contains "$stderr" "newer"
  # Nothing was migrated or written.
  assert_equal "$(sqlite3 "$SHERATAN_DB" 'PRAGMA user_version')" 99
  assert_equal "$(sqlite3 "$SHERATAN_DB" 'SELECT count(*) FROM jobs')" 1
}

@test "a store locked by another process: push exits 5 and writes nothing" {
  q push a >/dev/null
  # A sqlite3 shell holding the write lock until we close its input.
  bg_start_on_fifo "$dir/ctl" "$dir/holder.out" sqlite3 "$SHERATAN_DB"
  # It prints 'locked' once BEGIN IMMEDIATE has taken the write lock.
  printf "BEGIN IMMEDIATE;\nSELECT 'locked';\n" >&7
  wait_until 10 grep -qx locked "$dir/holder.out"
  SHERATAN_BUSY_TIMEOUT=200ms run --separate-stderr q push b
  assert_status 5
  assert_contains "$stderr" "busy"
  printf 'ROLLBACK;\n' >&7
  exec 7>&-
  wait "$bg_pid"
  assert_equal "$(q ls --json | jq -r .kind | tr '\n' ' ')" "a "
}

@test "the store is created 0600 in a folder created 0700" {
  export SHERATAN_DB="$dir/new/sub/s.db"
  q push a >/dev/null
  assert_equal "$(stat -c %a "$SHERATAN_DB")" 600
  assert_equal "$(stat -c %a "$dir/new/sub")" 700
}

@test "store path: --db wins over SHERATAN_DB, which wins over the config, then XDG_DATA_HOME" {
  printf '{"db":"%s"}\n' "$dir/from-config.db" >"$SHERATAN_CONFIG"
  q --db "$dir/from-flag.db" push a >/dev/null
  [ -f "$dir/from-flag.db" ] && [ ! -e "$SHERATAN_DB" ]
  q push b >/dev/null
  [ -f "$SHERATAN_DB" ] && [ ! -e "$dir/from-config.db" ]
  unset SHERATAN_DB
  q push c >/dev/null
  [ -f "$dir/from-config.db" ]
  rm "$SHERATAN_CONFIG"
  XDG_DATA_HOME="$dir/xdg" q push d >/dev/null
  [ -f "$dir/xdg/sheratan/sheratan.db" ]
  q push e >/dev/null  # no XDG_DATA_HOME: ~/.local/share
  [ -f "$HOME/.local/share/sheratan/sheratan.db" ]
}

@test "a malformed config file is an error naming it (exit 4); a missing one is fine" {
  printf '{"queue": {"max_depth": 2' >"$SHERATAN_CONFIG"
  run --separate-stderr q push a
  assert_status 4
  assert_contains "$stderr" "'$SHERATAN_CONFIG'" "malformed JSON"
  rm "$SHERATAN_CONFIG"
  run q push a
  assert_status 0
}

@test "a read-only store: exit 1 naming it, and nothing changes" {
  q push a >/dev/null
  if [ "$(id -u)" = 0 ]; then
    # Root ignores permission bits, not the immutable attribute.
    chattr +i "$SHERATAN_DB" 2>/dev/null || skip "cannot make the store immutable here"
  else
    chmod 0444 "$SHERATAN_DB"
  fi
  before=$(sha256sum <"$SHERATAN_DB")
  run --separate-stderr q push b
  status_push=$status
  stderr_push=$stderr
  chattr -i "$SHERATAN_DB" 2>/dev/null || chmod 0600 "$SHERATAN_DB"
  assert_equal "$status_push" 1
  assert_contains "$stderr_push" "cannot open store '$SHERATAN_DB'"
  # The system's reason in the message style: lowercase.
  if [ "$(id -u)" = 0 ]; then
    assert_contains "$stderr_push" "': operation not permitted"
  else
    assert_contains "$stderr_push" "': permission denied"
  fi
  assert_equal "$(sha256sum <"$SHERATAN_DB")" "$before"
}

# folder_syncs COMMAND...: runs COMMAND under strace; prints how many times it synced
# the store's folder (strace -y names each descriptor's file).
folder_syncs() {
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -y -o "$dir/trace" \
    -e trace=fsync,fdatasync "$@" >/dev/null
  grep -c "sync([0-9]*<$dir>)" "$dir/trace" || true
}

@test "a commit syncs the store's folder only while the -wal file is new" {
  command -v strace >/dev/null || skip "strace is not installed"
  [ "$(folder_syncs "$QUEUE" push a)" -ge 1 ]  # a new store: its files are created, the folder synced
  assert_equal "$(folder_syncs "$QUEUE" push b)" 0  # the -wal file holds frames: it alone is synced
  grep -q "fdatasync([0-9]*<$dir/s.db-wal>)" "$dir/trace"
  # The sqlite3 shell deletes the -wal file as it closes; the next commit creates it
  # again, and syncs the folder again.
  sqlite3 "$SHERATAN_DB" 'SELECT count(*) FROM jobs' >/dev/null
  [ ! -e "$dir/s.db-wal" ]
  [ "$(folder_syncs "$QUEUE" push c)" -ge 1 ]
  assert_equal "$(q ls --json | jq -s length)" 3
}

@test "a commit writes its WAL frames in a few large writes, not two per frame" {
  command -v strace >/dev/null || skip "strace is not installed"
  q push a >/dev/null
  seq 1 2000 | jq -c '{kind: "bulk", params: {n: ., pad: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}' >"$dir/jobs.jsonl"
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -y -o "$dir/trace" -e trace=pwrite64 \
    "$QUEUE" push <"$dir/jobs.jsonl" >/dev/null
  # Each WAL frame is a 24-byte header and a 4,096-byte page: SQLite writes them apart.
  grep "pwrite64([0-9]*<$dir/s.db-wal>" "$dir/trace" >"$dir/wal-writes"
  local writes bytes
  writes=$(wc -l <"$dir/wal-writes")
  bytes=$(awk '{ sum += $NF } END { print sum }' "$dir/wal-writes")
  local frames=$((bytes / 4120))
  [ "$frames" -ge 100 ]                    # the push wrote a WAL of some length...
  [ $((writes * 16)) -le "$frames" ]       # ...in writes of 16 frames or more on average
  assert_equal "$(q ls --kind bulk --json | jq -s length)" 2000
}

@test "a store path that is empty is a usage error; one that is a folder is named as such" {
  run --separate-stderr q --db "" ls
  assert_status 2
  assert_contains "$stderr" "--db: must not be empty"
  mkdir "$dir/folder.db"
  run --separate-stderr q --db "$dir/folder.db" ls
  assert_status 1
  assert_contains "$stderr" "'$dir/folder.db' is a folder, not a file"
}

@test "a damaged store: the message names the store and what may save it" {
  for n in $(seq 300); do echo '{"kind":"a","params":{"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}'; done | q push >/dev/null
  sqlite3 "$SHERATAN_DB" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
  # Every page but the first (the schema) overwritten with garbage.
  python3 -c 'import os, sys; f = open(sys.argv[1], "r+b"); n = os.path.getsize(sys.argv[1]); f.seek(4096); f.write(b"\xff" * (n - 4096))' "$SHERATAN_DB"
  run --separate-stderr q stats
  assert_status 1
  assert_contains "$stderr" "store '$SHERATAN_DB' is damaged" ".recover"
}
