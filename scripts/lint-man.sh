#!/usr/bin/env bash
# Lints every man page with mandoc; a warning fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for page in man/*.[1-9] man/man*/*.[1-9]; do
  [ -e "$page" ] || continue
  if ! out=$(mandoc -Tlint -Wwarning "$page" 2>&1) || [ -n "$out" ]; then
    printf '%s\n' "$out"
    status=1
  fi
done
[ $status = 0 ] && echo "man pages: lint clean"
exit $status
