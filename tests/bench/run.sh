#!/usr/bin/env bash
# `make bench`: runs the benchmarks on the real disk (inside the build folder, not a
# tmpfs) and keeps the last report in tests/bench/latest.md for the README.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
work="$build/bench-work"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
large=${SHERATAN_BENCH_JOBS:-1000000}
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -m)), $(sqlite3 --version | cut -d' ' -f1) SQLite shell;"
  echo "store on $(df -T "$work" | awk 'NR==2 {print $2}'), synchronous=FULL; load average at the start: $(cut -d" " -f1-3 /proc/loadavg)."
  echo
  echo "sheratan-queue:"
  echo
  "$build/bench-queue" "$build" "$work" "$large" | tee "$work/queue.txt" | sed -n '/^| figure/,$p'
  echo
  echo "sheratan-worker:"
  echo
  "$build/bench-worker" "$build" "$work" | tee "$work/worker.txt" | sed -n '/^| figure/,$p'
  echo
  echo "sheratan-ledger:"
  echo
  "$build/bench-ledger" "$build" "$work/ledger" "${SHERATAN_BENCH_LEDGER_ENTRIES:-1000000}" |
    tee "$work/ledger.txt" | sed -n '/^| figure/,$p'
  echo
  echo "sheratan-probe and sheratan-state:"
  echo
  "$build/bench-probe" "$build" "$work" | tee "$work/probe.txt" | sed -n '/^| figure/,$p'
  echo
  echo "sheratan-serve:"
  echo
  "$build/bench-serve" "$build" "$work/serve" | tee "$work/serve.txt" | sed -n '/^| figure/,$p'
} >"$work/report.md"
sed '/^| figure/,$d' "$work/queue.txt" "$work/worker.txt" "$work/ledger.txt" "$work/probe.txt" "$work/serve.txt"
cp "$work/report.md" "$src/tests/bench/latest.md"
# The README's performance section is this report, between its markers.
python3 - "$src/README.md" "$work/report.md" <<'PY'
import sys
readme, report = sys.argv[1], open(sys.argv[2]).read().strip()
text = open(readme).read()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
head, rest = text.split(begin, 1)
open(readme, "w").write(head + begin + "\n" + report + "\n" + end + rest.split(end, 1)[1])
PY
echo
echo "report written to tests/bench/latest.md and README.md"
