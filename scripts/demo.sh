#!/usr/bin/env bash
# `make run`: the main job on a throw-away store: push jobs, work them, show the result.
set -euo pipefail
bin=$(cd "${1:-build}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
demo=$(mktemp -d "${TMPDIR:-/tmp}/sheratan-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
export SHERATAN_DB="$demo/sheratan.db"
export SHERATAN_ROOT="$demo/files" # file actions stay inside this folder
# The admission policy: gate G2 admits the built-in actions and the kinds named here,
# the kinds this site runs with --exec handlers.
export SHERATAN_CONFIG="$demo/config.json"
echo '{"gates":{"kinds":["shout"]}}' >"$SHERATAN_CONFIG"
mkdir -p "$SHERATAN_ROOT/docs"
cp "$src/README.md" "$SHERATAN_ROOT/docs/"
q="$bin/sheratan-queue"
w="$bin/sheratan-worker"
st="$bin/sheratan-state"

echo "== store: $SHERATAN_DB"
echo "== push jobs (one from flags, the rest as JSON lines; the second line repeats a key)"
first=$("$q" push read_file --params '{"path":"docs/README.md","max_bytes":200}' --priority high --json | jq -r .id)
printf '%s\n' \
  '{"kind":"list_files","params":{"path":"docs","patterns":["*.md"]},"idempotency_key":"ls-docs"}' \
  '{"kind":"list_files","params":{"path":"docs","patterns":["*.md"]},"idempotency_key":"ls-docs"}' \
  "{\"kind\":\"write_file\",\"params\":{\"path\":\"notes.txt\",\"content\":\"hello\\n\"},\"depends_on\":[\"$first\"]}" \
  '{"kind":"shout","params":{"text":"jobs done"}}' |
  "$q" push --format table

echo "== every job passes the admission gates G0-G4: a path out of the root is refused (exit 4) ..."
"$q" push read_file --params '{"path":"../../etc/passwd"}' 2>&1 | head -1 || true
echo "== ... and a shell job is held for review (quarantined), then rejected"
held=$("$q" push shell --params '{"cmd":"rm -rf ~"}' --json | jq -r .id)
"$q" review --json | jq -c '{id, kind, status, why: .gate.findings[-1].code}'
"$q" reject "$held" --reason "no shells here" --actor demo --json | jq -c '{id, status}'

echo "== the system state of a new store (PAUSED would stop every claim)"
"$st" get | jq -c '{state, since, reason}'

echo "== work the built-in actions, four at a time, until nothing is ready (its events are JSON lines)"
"$w" --drain --concurrency 4 --id demo-builtin | jq -r 'select(.job) | [.event, .kind, .job] | @tsv'

echo "== work the 'shout' job with any program: the job is on stdin, stdout is the result"
"$w" --drain --kinds shout --exec 'jq -c "{shouted: (.params.text | ascii_upcase)}"' --id demo-exec \
  | jq -r 'select(.job) | [.event, .kind, .job] | @tsv'

echo "== the result"
"$q" ls --format table
"$q" stats --format table
echo "== the first job, its result and its history"
"$q" show "$first" | jq '{id, status, result: {chars: .result.chars, truncated: .result.truncated},
  result_verified, events: [.events[] | "\(.from // "-") -> \(.to)"]}'
echo "== written inside the root: $(cat "$SHERATAN_ROOT/notes.txt")"
