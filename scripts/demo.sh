#!/usr/bin/env bash
# `make run`: the main job on a throw-away store: push jobs, work them, show the result.
set -euo pipefail
bin=$(cd "${1:-build}" && pwd)
demo=$(mktemp -d "${TMPDIR:-/tmp}/sheratan-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
export SHERATAN_DB="$demo/sheratan.db"
q="$bin/sheratan-queue"

echo "== store: $SHERATAN_DB"
echo "== push three jobs (one from flags, two as JSON lines; the second line repeats a key)"
first=$("$q" push read_file --params '{"path":"README.md"}' --priority high --json | jq -r .id)
printf '%s\n' \
  '{"kind":"list_files","params":{"root":"."},"idempotency_key":"ls-root"}' \
  '{"kind":"list_files","params":{"root":"."},"idempotency_key":"ls-root"}' \
  "{\"kind\":\"summarize\",\"depends_on\":[\"$first\"],\"labels\":{\"chain\":\"demo\"}}" |
  "$q" push --format table

echo "== work them: claim, then ack with a result (a worker does this: sheratan-worker)"
while jobs=$("$q" claim --worker demo --limit 10 --json); do
  printf '%s\n' "$jobs" |
    jq -c '{id, token: .lease_token, result: {worked_on: .kind, params: .params}}' |
    "$q" ack --format table
done

echo "== the result"
"$q" ls --format table
"$q" stats --format table
echo "== history of the first job"
"$q" show "$first" | jq '{id, status, result, result_verified, events: [.events[] | "\(.from // "-") -> \(.to)"]}'
