#!/usr/bin/env bats
# sheratan-queue ingest: the drop folder.

load ../lib

drop_file() {  # drop_file NAME JSON: written in place
  printf '%s\n' "$2" >"$dir/drop/$1"
}

@test "good drop files become jobs keyed by job_id and move to ingested/" {
  mkdir "$dir/drop"
  drop_file a.job.json '{"job_id":"j-a","kind":"read_file","payload":{"params":{"path":"x"}}}'
  drop_file b.job.json '{"job_id":"j-b","kind":"noop","payload":{"n":1},"priority":"high"}'
  drop_file ignored.txt 'not a drop file'
  run --separate-stderr q ingest "$dir/drop"
  assert_status 0
  [ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
  assert_json '.accepted == true and .duplicate == false and (.id | length) == 36'
  [ -f "$dir/drop/ingested/a.job.json" ] && [ -f "$dir/drop/ingested/b.job.json" ]
  [ ! -e "$dir/drop/a.job.json" ] && [ -f "$dir/drop/ignored.txt" ]
  run q ls --json
  assert_json 'select(.idempotency_key == "j-a") | .kind == "read_file" and .params == {"path":"x"}' \
    "$(printf '%s\n' "$output" | grep j-a)"
  assert_json '.params == {"n":1} and .priority == 20' "$(printf '%s\n' "$output" | grep j-b)"
}

@test "a bad drop file moves to rejected/ beside NAME.error.json; exit 4; nothing written" {
  mkdir "$dir/drop"
  drop_file bad.job.json '{"job_id":"j-1","kind":7}'
  drop_file broken.job.json '{"job_id":'
  drop_file mixed.job.json '{"job_id":"j-2","kind":"x","payload":{"params":{"a":1},"b":2}}'
  run --separate-stderr q ingest "$dir/drop"
  assert_status 4
  for name in bad broken mixed; do
    [ -f "$dir/drop/rejected/$name.job.json" ]
    [ -f "$dir/drop/rejected/$name.error.json" ]
  done
  assert_json '.error | contains("kind")' "$(cat "$dir/drop/rejected/bad.error.json")"
  assert_json '.error | contains("malformed JSON")' "$(cat "$dir/drop/rejected/broken.error.json")"
  assert_json '.error | contains("payload.b")' "$(cat "$dir/drop/rejected/mixed.error.json")"
  assert_contains "$stderr" "rejected 'bad.job.json'"
  assert_equal "$(job_count)" 0
}

@test "the same job_id dropped again is a duplicate; with another payload, a conflict (exit 3)" {
  mkdir "$dir/drop"
  drop_file a.job.json '{"job_id":"j-a","kind":"noop","payload":{"params":{"n":1}}}'
  run q ingest "$dir/drop"
  first=$(jq -r .id <<<"$output")
  cp "$dir/drop/ingested/a.job.json" "$dir/drop/again.job.json"
  run q ingest "$dir/drop"
  assert_status 0
  assert_json ".duplicate == true and .id == \"$first\""
  drop_file other.job.json '{"job_id":"j-a","kind":"noop","payload":{"params":{"n":2}}}'
  run --separate-stderr q ingest "$dir/drop"
  assert_status 3
  assert_json '.error | contains("different payload")' "$(cat "$dir/drop/rejected/other.error.json")"
  assert_equal "$(job_count)" 1
}

@test "ingest --watch takes files written in place and renamed in, and exits 143 on SIGTERM" {
  mkdir "$dir/drop" "$dir/staging"
  q push warmup >/dev/null
  bg_start "$dir/out" "$QUEUE" ingest "$dir/drop" --watch
  wait_until 10 has_inotify "$bg_pid"
  drop_file w1.job.json '{"job_id":"w-1","kind":"noop"}'
  printf '%s\n' '{"job_id":"w-2","kind":"noop"}' >"$dir/staging/w2.job.json"
  mv "$dir/staging/w2.job.json" "$dir/drop/w2.job.json"
  # Poll (bounded) until both jobs are in the store.
  both_jobs() { [ "$(q ls --json | jq -r '.idempotency_key // empty' | sort | tr '\n' ' ')" = "w-1 w-2 " ]; }
  wait_until 10 both_jobs
  wait_until 10 bash -c "[ \$(wc -l <'$dir/out') -ge 2 ]"
  assert_json '.accepted == true' "$(cat "$dir/out")"
  [ -f "$dir/drop/ingested/w1.job.json" ] && [ -f "$dir/drop/ingested/w2.job.json" ]
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 143
}

@test "ingest of a folder that does not exist: exit 1" {
  run --separate-stderr q ingest "$dir/nowhere"
  assert_status 1
  assert_contains "$stderr" "does not exist"
}

@test "a drop file that is not UTF-8 is rejected with a readable reason, and the files after it are taken" {
  mkdir "$dir/drop"
  printf '{"job_id":"u","kind":"noop","payload":{"params":{"s":"a\xffb"}}}\n' >"$dir/drop/a.job.json"
  drop_file b.job.json '{"job_id":"b","kind":"noop"}'
  run --separate-stderr q ingest "$dir/drop"
  assert_status 4
  assert_json '.error | contains("UTF-8") and contains("\\xff")' "$(cat "$dir/drop/rejected/a.error.json")"
  [ -f "$dir/drop/ingested/b.job.json" ]
  assert_equal "$(job_count)" 1
}

@test "a rejected or ingested file never replaces an earlier one of the same name" {
  mkdir "$dir/drop"
  for n in 1 2; do
    drop_file x.job.json "{\"job_id\":\"x$n\",\"kind\":$n}"
    run q ingest "$dir/drop"
    assert_status 4
    drop_file y.job.json "{\"job_id\":\"y$n\",\"kind\":\"noop\"}"
    q ingest "$dir/drop" >/dev/null
  done
  assert_equal "$(jq -r .job_id "$dir/drop/rejected/x.job.json") $(jq -r .job_id "$dir/drop/rejected/x.1.job.json")" "x1 x2"
  assert_json '.file == "x.1.job.json"' "$(cat "$dir/drop/rejected/x.1.error.json")"
  assert_equal "$(jq -r .job_id "$dir/drop/ingested/y.job.json") $(jq -r .job_id "$dir/drop/ingested/y.1.job.json")" "y1 y2"
}

@test "a FIFO, a dangling link or a file too large is rejected, not skipped or waited on" {
  mkdir "$dir/drop"
  mkfifo "$dir/drop/pipe.job.json"
  ln -s "$dir/nowhere" "$dir/drop/dangling.job.json"
  truncate -s 17M "$dir/drop/huge.job.json"
  run --separate-stderr timeout 20 "$QUEUE" ingest "$dir/drop"
  assert_status 4
  assert_json '.error == "not a regular file"' "$(cat "$dir/drop/rejected/pipe.error.json")"
  assert_json '.error == "the symbolic link points to nothing"' "$(cat "$dir/drop/rejected/dangling.error.json")"
  assert_json '.error == "larger than 16 MiB"' "$(cat "$dir/drop/rejected/huge.error.json")"
}

@test "ingest --watch keeps a file while the queue is full and takes it once there is room; a link counts" {
  mkdir "$dir/drop"
  first=$(q push noop | jq -r .id)
  bg_start "$dir/out" "$QUEUE" ingest "$dir/drop" --watch --max-depth 1
  wait_until 10 has_inotify "$bg_pid"
  drop_file f.job.json '{"job_id":"f","kind":"noop"}'
  wait_until 10 grep -q "is full" "$dir/out.err"
  [ -f "$dir/drop/f.job.json" ]
  kill -0 "$bg_pid"  # still watching
  q cancel "$first" >/dev/null
  wait_until 20 test -f "$dir/drop/ingested/f.job.json"
  printf '%s\n' '{"job_id":"l","kind":"noop"}' >"$dir/linked.json"
  q cancel "$(q ls --status ready | jq -r .id)" >/dev/null
  ln -s "$dir/linked.json" "$dir/drop/l.job.json"
  wait_until 10 test -L "$dir/drop/ingested/l.job.json"
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 143
}

@test "ingest of a file as the folder: exit 1, it is not a folder" {
  touch "$dir/file"
  run --separate-stderr q ingest "$dir/file"
  assert_status 1
  assert_contains "$stderr" "is not a folder"
}

@test "ingest --watch whose drop folder is removed stops with exit 1 and says why" {
  mkdir "$dir/drop"
  bg_start "$dir/out" "$QUEUE" ingest "$dir/drop" --watch
  wait_until 10 has_inotify "$bg_pid"
  rm -r "$dir/drop"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 1
  assert_contains "$(cat "$dir/out.err")" "drop folder '$dir/drop' was removed or moved"
}

@test "a symbolic link in a loop is rejected with the reason; the files beside it are taken" {
  mkdir "$dir/drop"
  ln -s loop.job.json "$dir/drop/loop.job.json"
  drop_file ok.job.json '{"job_id":"ok","kind":"noop"}'
  run --separate-stderr q ingest "$dir/drop"
  assert_status 4
  assert_json '.error | startswith("cannot read it: too many levels of symbolic links")' "$(cat "$dir/drop/rejected/loop.error.json")"
  [ -f "$dir/drop/ingested/ok.job.json" ]
}

@test "ingest --watch takes a FIFO (rejected) and a hard link (ingested) made while it watches" {
  mkdir "$dir/drop"
  printf '%s\n' '{"job_id":"h","kind":"noop"}' >"$dir/h.json"
  bg_start "$dir/out" "$QUEUE" ingest "$dir/drop" --watch
  wait_until 10 has_inotify "$bg_pid"
  mkfifo "$dir/drop/p.job.json"
  ln "$dir/h.json" "$dir/drop/h.job.json"
  wait_until 10 test -f "$dir/drop/rejected/p.error.json"
  wait_until 10 test -f "$dir/drop/ingested/h.job.json"
  assert_json '.error == "not a regular file"' "$(cat "$dir/drop/rejected/p.error.json")"
  kill -TERM "$bg_pid"
  wait_exit "$bg_pid" 10
  assert_equal "$bg_status" 143
}
