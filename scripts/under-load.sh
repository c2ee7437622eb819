#!/usr/bin/env bash
# npm run test:under-load: the grader's meta-specs with the CPU saturated (two busy
# processes per core, started here and ended here by pid), to show that a busy
# machine changes no verdict. Prints the load average it ran under.
set -uo pipefail
cd "$(dirname "$0")/.."
pids=()
for _ in $(seq $(( $(nproc) * 2 ))); do node -e 'for (;;) {}' & pids+=($!); done
trap 'kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null' EXIT
echo "under-load: ${#pids[@]} busy processes (pids ${pids[*]})"
npx vitest run spec/grader-meta-broken.test.ts spec/grader-meta-fair.test.ts spec/grader-meta-textbook.test.ts spec/grader-isolation.test.ts
status=$?
echo "under-load: load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
