#!/usr/bin/env bats
# Review of quarantined jobs: review lists them, approve and reject decide with a
# reason and an actor, all or nothing; --reviewer (or gates.reviewer) lets a command
# decide, recorded as a person's decision.

load ../lib

# Pushes a job that gate G2 quarantines (a forbidden kind); prints its id.
quarantined() { q push shell -p "{\"n\":${1:-0}}" --json | jq -r .id; }

@test "review lists quarantined jobs oldest first with their reports; a table names why" {
  a=$(quarantined 1)
  q push noop >/dev/null
  b=$(quarantined 2)
  run q review --json
  assert_status 0
  assert_equal "$(jq -r .id <<<"$output" | tr '\n' ' ')" "$a $b "
  assert_json '.status == "quarantined" and .gate.findings[0].code == "kind_forbidden"'
  run q review --format table
  assert_contains "$output" "G2 kind_forbidden"
  run q review --json -n 1
  assert_equal "$(wc -l <<<"$output")" 1
}

@test "approve: ready and claimable, the decision kept on the job and in its events" {
  id=$(quarantined)
  USER=alice run q approve "$id" --reason "checked the command" --json
  assert_status 0
  assert_json '.status == "ready" and .gate.review.decision == "approve" and .gate.review.actor == "alice" and
    .gate.review.reason == "checked the command"'
  assert_json '.events[-1] | .from == "quarantined" and .to == "ready" and
    .detail == "approved by alice: checked the command"' "$(q show "$id")"
  run q claim --kinds shell --json
  assert_json ".id == \"$id\""
}

@test "approve respects run time and dependencies: pending until the dependency is done" {
  dep=$(q push noop --json | jq -r .id)
  id=$(q push shell --depends-on "$dep" --json | jq -r .id)
  assert_equal "$(job_field "$id" .status)" quarantined
  run q approve "$id" --reason ok --actor bob --json
  assert_json '.status == "pending"'
  lease=$(q claim --kinds noop --json)
  q ack "$dep" --token "$(jq -r .lease_token <<<"$lease")" >/dev/null
  assert_equal "$(job_field "$id" .status)" ready
}

@test "a quarantined job stays quarantined when its dependency is done or dies" {
  dep=$(q push noop --json | jq -r .id)
  id=$(q push shell --depends-on "$dep" --json | jq -r .id)
  lease=$(q claim --kinds noop --json)
  q fail "$dep" --token "$(jq -r .lease_token <<<"$lease")" --no-retry -e boom >/dev/null
  assert_equal "$(job_field "$id" .status)" quarantined
  run q approve "$id" --reason ok --json
  assert_json '.status == "blocked"'
}

@test "reject: canceled with the actor recorded, and its dependents blocked" {
  id=$(quarantined)
  child=$(q push noop --depends-on "$id" --json | jq -r .id)
  run q reject "$id" --reason "no shells" --actor carol --json
  assert_status 0
  assert_json '.status == "canceled" and .gate.review.decision == "reject" and .gate.review.actor == "carol" and
    .finished_at != null'
  assert_equal "$(job_field "$child" .status)" blocked
}

@test "approve and reject are all or nothing: a wrong id or status changes nothing" {
  a=$(quarantined 1)
  ready=$(q push noop --json | jq -r .id)
  run --separate-stderr q approve "$a" "$ready" --reason ok
  assert_status 3
  assert_contains "$stderr" "is ready, not quarantined"
  assert_equal "$(job_field "$a" .status)" quarantined
  run --separate-stderr q reject "$a" no-such-job --reason no
  assert_status 1
  assert_equal "$(job_field "$a" .status)" quarantined
  run --separate-stderr q approve "$a" --reason "  "
  assert_status 2
  run --separate-stderr q approve "$a"
  assert_status 2
  assert_equal "$(job_field "$a" .status)" quarantined
}

@test "review --reviewer: the command gets job and report, its decisions are recorded as a person's" {
  a=$(quarantined 1)
  b=$(quarantined 2)
  cat >"$dir/auditor.sh" <<'SH'
jq -c 'if .job.params.n == 1 and .report.findings[0].code == "kind_forbidden"
       then {decision: "approve", reason: "n is one"} else {decision: "reject", reason: "not one"} end'
SH
  run --separate-stderr q review --reviewer "sh $dir/auditor.sh" --json
  assert_status 0
  assert_json "select(.id == \"$a\") | .decision == \"approve\" and .status == \"ready\"" "$(grep "$a" <<<"$output")"
  assert_json '.decision == "reject" and .status == "canceled" and .actor == "reviewer:sh '"$dir"'/auditor.sh"' \
    "$(grep "$b" <<<"$output")"
  assert_json '.gate.review.reason == "n is one"' "$(q show "$a")"
  run q review --json
  assert_equal "$output" ""
}

@test "a reviewer that fails or answers nonsense leaves the job quarantined; exit 1; config gates.reviewer" {
  a=$(quarantined 1)
  echo '{"gates":{"reviewer":"echo maybe"}}' >"$SHERATAN_CONFIG"
  run --separate-stderr q review
  assert_status 1
  assert_contains "$stderr" "stays quarantined: reviewer answered 'maybe'"
  run --separate-stderr q review --reviewer "exit 7"
  assert_status 1
  assert_contains "$stderr" "exited 7"
  assert_equal "$(job_field "$a" .status)" quarantined
  cat >"$SHERATAN_CONFIG" <<'JSON'
{"gates": {"reviewer": "echo '{\"decision\":\"reject\",\"reason\":\"by config\"}'"}}
JSON
  run q review --actor robot --json
  assert_status 0
  assert_json '.decision == "reject" and .actor == "robot"'
}

@test "stats counts quarantined jobs, in every format" {
  quarantined >/dev/null
  q push noop >/dev/null
  run --separate-stderr q stats --json
  assert_status 0
  assert_json '.total.quarantined == 1 and .total.ready == 1 and .queues.default.quarantined == 1'
  run --separate-stderr q stats --format tsv
  assert_status 0
  assert_equal "$(sed -n 2p <<<"$output" | cut -f1,3,9)" "$(printf 'default\t1\t1')"
}

@test "retry of a canceled or rejected job that was never approved puts it back in quarantine" {
  canceled=$(quarantined 1)
  q cancel "$canceled" >/dev/null
  rejected=$(quarantined 2)
  q reject "$rejected" --reason no >/dev/null
  for id in "$canceled" "$rejected"; do
    run --separate-stderr q retry "$id" --json
    assert_status 0
    assert_json '.status == "quarantined"'
    assert_json '.events[-1].detail == "retried, attempts reset; quarantined until approved"' "$(q show "$id")"
  done
  run q claim --kinds shell
  assert_status 1
  # Approved once, it is retried as any job.
  q approve "$canceled" --reason ok >/dev/null
  q cancel "$canceled" >/dev/null
  run --separate-stderr q retry "$canceled" --json
  assert_json '.status == "ready"'
}

@test "a reason that is not UTF-8 is bad input (exit 4), nothing decided; an id named twice is decided once" {
  id=$(quarantined)
  run --separate-stderr q reject "$id" --reason "$(printf 'bad\xff')"
  assert_status 4
  assert_contains "$stderr" "the reason is not valid UTF-8"
  assert_equal "$(job_field "$id" .status)" quarantined
  run --separate-stderr q approve "$id" "$id" --reason ok --json
  assert_status 0
  assert_equal "${#lines[@]}" 1
}
