#!/usr/bin/env bash
# A smoke test of bench/e2e.sh (issue #15 item 6) with the installed command
# and 300 persons: it runs, settles both inputs with one and two threads, and
# prints its table; a missing command is a clear error. The figures are not checked.
# Usage: bench_e2e_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/time ] || { echo "skipped: /usr/bin/time is missing (Debian: apt-get install time)"; exit 77; }

mkdir "$work/tmp"
check "runs" status 0 env PERSONS=300 TMPDIR="$work/tmp" bash "$src/bench/e2e.sh" "$ms"
cp "$work/out" "$work/table"
check "four rows, grouped and shuffled, 1 and 2 threads" \
  test "$(grep -cE '^(grouped|shuffled) +[12] +[0-9]+ ' "$work/table")" -eq 4
check "the speedup on the 2-thread rows" test "$(grep -cE ' 2 .*[0-9.]+x +[0-9.]+x$' "$work/table")" -eq 2
check "its temporary files removed" test -z "$(ls -A "$work/tmp")"
check "a missing command is refused" status 2 env MEDSETTLE="$work/no-such-medsettle" bash "$src/bench/e2e.sh"
check "  and named" grep -q "no medsettle command at '$work/no-such-medsettle'" "$work/err"
finish
