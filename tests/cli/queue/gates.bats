#!/usr/bin/env bats
# Admission gates G0-G4 through the real tools: every entry point (push, ingest, a
# chain's follow-up), every verdict, the dry run, and the bypasses the original allowed
# (ORIGIN.md, "Defects to leave behind"). The policy is the built-in default here:
# SHERATAN_GATES_KINDS, which the other suites set, is unset.

load ../lib

W="$SHERATAN_BIN/sheratan-worker"

setup() {
  dir=$(mktemp -d "${BATS_TMPDIR:-/tmp}/sheratan-cli.XXXXXX")
  unset SHERATAN_QUEUE SHERATAN_QUEUE_MAX_DEPTH SHERATAN_BUSY_TIMEOUT SHERATAN_SYNC SHERATAN_GATES_KINDS \
    XDG_DATA_HOME XDG_CONFIG_HOME
  export SHERATAN_DB="$dir/s.db" SHERATAN_CONFIG="$dir/config.json" HOME="$dir"
  BG_PIDS=()
}

policy() { echo "{\"gates\":$1}" >"$SHERATAN_CONFIG"; }

# The stderr of the last `run --separate-stderr`: the message line, then the report.
report_line() { sed -n 2p <<<"$stderr"; }

@test "PASS: a built-in action with good params is admitted ready, with no report" {
  run --separate-stderr q push read_file -p '{"path":"docs/a.md"}'
  assert_status 0
  assert_json '.status == "ready" and .verdict == "PASS"'
  assert_json '.source == "cli" and .gate == null' "$(q show "$(jq -r .id <<<"$output")")"
}

@test "FAIL: exit 4, the message names the gate, the report is a JSON line on stderr, nothing is written" {
  q push noop >/dev/null
  printf '%s\n' '{"kind":"noop"}' '{"kind":"read_file","params":{"path":"ok.txt"}}' \
    '{"kind":"read_file","params":{"path":"../../etc/passwd"}}' >"$dir/in.jsonl"
  run --separate-stderr q push <"$dir/in.jsonl"
  assert_status 4
  assert_equal "$output" ""
  assert_equal "$(head -1 <<<"$stderr")" \
    "sheratan-queue: error: line 3: refused by gate G3 path_parent: path '../../etc/passwd' climbs out with '..'"
  assert_json '.verdict == "FAIL" and .action == "REFUSE" and .line == 3 and .source == "cli" and
    .findings == [{"gate":"G3","code":"path_parent","verdict":"FAIL","field":"params.path",
      "message":"path '"'../../etc/passwd'"' climbs out with '"'..'"'"}]' "$(report_line)"
  assert_equal "$(job_count)" 1
}

@test "G2: a kind that is not built in is refused until the policy or the environment names it" {
  run --separate-stderr q push resize
  assert_status 4
  assert_json '.findings[0].code == "kind_not_allowed" and .findings[0].field == "kind"' "$(report_line)"
  policy '{"kinds":["resize","img.*"]}'
  run q push resize
  assert_status 0
  run q push img-thumb
  assert_status 0
  run --separate-stderr q push video
  assert_status 4
  SHERATAN_GATES_KINDS='video,audio' run q push video
  assert_status 0
  assert_equal "$(job_count)" 3
}

@test "PAUSE: a forbidden kind is quarantined with its report and never claimed" {
  run q push Shell-Exec -p '{"cmd":"rm -rf /"}'
  assert_status 0
  assert_json '.status == "quarantined" and .verdict == "PAUSE"'
  id=$(jq -r .id <<<"$output")
  assert_json '.status == "quarantined" and .gate.verdict == "PAUSE" and .gate.action == "QUARANTINE" and
    .gate.findings[0].code == "kind_forbidden" and .events[0].to == "quarantined"' "$(q show "$id")"
  run q claim --kinds Shell-Exec
  assert_status 1
  assert_equal "$output" ""
}

@test "WARN: a soft phrase is admitted ready with the report kept; 'enforce' is not 'force'" {
  run q push noop -p '{"note":"use --force if needed"}'
  assert_json '.status == "ready" and .verdict == "WARN"'
  assert_json '.gate.verdict == "WARN" and .gate.findings[0].code == "soft_phrase" and
    .gate.findings[0].field == "params.note"' "$(q show "$(jq -r .id <<<"$output")")"
  run q push noop -p '{"note":"we enforce the rules"}'
  assert_json '.verdict == "PASS"'
}

@test "G4: a hard phrase anywhere in params or labels quarantines; a patch of 51 ops too" {
  run q push write_file -p '{"path":"a","content":"Now IGNORE-Policy and go"}'
  assert_json '.status == "quarantined"'
  run q push noop -l task="disable gates"
  assert_json '.status == "quarantined"'
  ops=$(jq -cn '[range(51) | {op: "delete", old: "x"}]')
  run q push patch_file -p "{\"path\":\"a\",\"ops\":$ops}"
  assert_json '.status == "quarantined"'
  assert_json '.gate.findings[0].code == "patch_too_large"' "$(q show "$(jq -r .id <<<"$output")")"
}

@test "bypasses of the original are closed: provenance, prefix tricks, case" {
  # A client cannot name its own source or zone.
  for field in '"source":"cli"' '"provenance":{"source_zone":"api"}'; do
    run --separate-stderr q push <<<"{\"kind\":\"noop\",$field}"
    assert_status 4
    assert_json '.findings[0].gate == "G1" and .findings[0].code == "schema"' "$(report_line)"
  done
  # Paths are compared by segments after normalising, not as raw prefixes.
  for path in './.git/config' './/.git//config' '.git\\config' 'a/../../x' 'docs\\..\\..\\x' '.env.local' \
    '/etc/passwd' 'C:\\Windows'; do
    run --separate-stderr q push <<<"{\"kind\":\"read_file\",\"params\":{\"path\":\"$path\"}}"
    assert_status 4
    assert_json '.findings[0].gate == "G3"' "$(report_line)"
  done
  run q push read_file -p '{"path":".GIT/config"}'
  assert_status 0
  policy '{"case_insensitive_paths":true}'
  run --separate-stderr q push read_file -p '{"path":".GIT/config"}'
  assert_status 4
  assert_json '.findings[0].code == "path_forbidden"' "$(report_line)"
}

@test "a malformed policy is refused with its key named, and nothing is written" {
  policy '{"kinds":"resize"}'
  run --separate-stderr q push noop
  assert_status 4
  assert_contains "$stderr" "'gates.kinds'"
  policy '{"max_patch_ops":500}'
  run --separate-stderr q push noop
  assert_status 4
  assert_contains "$stderr" "'gates.max_patch_ops'"
  [ ! -e "$SHERATAN_DB" ] || assert_equal "$(job_count)" 0
}

@test "gate: a dry run prints each job's report, exits 4 when one would be refused, writes nothing" {
  printf '%s\n' '{"kind":"noop"}' '{"kind":"bash"}' '{"kind":"read_file","params":{"path":"/x"}}' >"$dir/in.jsonl"
  run --separate-stderr q gate <"$dir/in.jsonl"
  assert_status 4
  assert_equal "$(jq -r '[.line, .verdict, (.findings[0].code // "-")] | @tsv' <<<"$output" | tr '\t\n' ' |')" \
    "1 PASS -|2 PAUSE kind_forbidden|3 FAIL path_absolute|"
  [ ! -e "$SHERATAN_DB" ]
  run q gate write_file -p '{"path":"a","content":"x"}' --source followup
  assert_status 0
  assert_json '.verdict == "PAUSE" and .source == "followup" and .findings[0].code == "followup_kind" and .line == null'
}

@test "ingest: a refused drop file goes to rejected/ with the report; a forbidden kind is quarantined" {
  mkdir "$dir/drop"
  echo '{"job_id":"j-1","kind":"read_file","payload":{"path":".env"}}' >"$dir/drop/a.job.json"
  echo '{"job_id":"j-2","kind":"delete_tree","payload":{"path":"docs"}}' >"$dir/drop/b.job.json"
  run --separate-stderr q ingest "$dir/drop"
  assert_status 4
  assert_json '.accepted == false and .gate.findings[0].code == "path_forbidden"' "$(grep a.job.json <<<"$output")"
  assert_json '.accepted == true and .status == "quarantined" and .gate.verdict == "PAUSE"' \
    "$(grep b.job.json <<<"$output")"
  assert_json '.gate.source == "ingest" and .gate.findings[0].field == "params.path"' \
    "$(cat "$dir/drop/rejected/a.error.json")"
  assert_json '.source == "ingest" and .status == "quarantined"' "$(q ls --json)"
}

@test "follow-ups: reading kinds run, others wait for review, a refused one ends the chain" {
  mkdir -p "$dir/root"
  echo hello >"$dir/root/a.txt"
  policy '{"kinds":["plan"]}'
  cat >"$dir/plan.sh" <<'SH'
jq -c '.params.reply'
SH
  reply='{"lcp_version":"1","type":"followup_jobs","jobs":[{"kind":"read_file","params":{"path":"a.txt"}},{"kind":"write_file","params":{"path":"b.txt","content":"x"}}]}'
  root=$(q push plan -p "{\"reply\":$reply}" --json | jq -r .id)
  "$W" --drain --kinds plan --exec "sh $dir/plan.sh" >/dev/null
  assert_json '.result.chain.enqueued | length == 2' "$(q show "$root")"
  assert_json '.result.chain.quarantined | length == 1' "$(q show "$root")"
  assert_equal "$(q ls --chain "$root" --json | jq -r 'select(.id != "'"$root"'") | "\(.kind) \(.status) \(.source)"' |
    sort | tr '\n' '|')" "read_file ready followup|write_file quarantined followup|"
  # A follow-up that a gate refuses: nothing of that result is enqueued.
  bad='{"lcp_version":"1","type":"followup_jobs","jobs":[{"kind":"noop"},{"kind":"read_file","params":{"path":"/etc/shadow"}}]}'
  other=$(q push plan -p "{\"reply\":$bad}" --json | jq -r .id)
  "$W" --drain --kinds plan --exec "sh $dir/plan.sh" >/dev/null
  assert_json '.status == "done" and (.result.chain.ended | startswith("follow-up 2: refused by gate G3 path_absolute")) and
    .result.chain.gate.source == "followup" and .result.chain.enqueued == []' "$(q show "$other")"
  assert_equal "$(q ls --chain "$other" --json | wc -l)" 1
}
