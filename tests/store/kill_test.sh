#!/usr/bin/env bash
# A run against a kept ledger killed with SIGKILL at random moments (20
# tries) leaves the ledger exactly as before the run or exactly as after it,
# never in between (SEMANTICS.md §11: a run is atomic).
#   kill_test.sh sqlite|postgresql MEDSETTLE
set -euo pipefail
kind=$1 medsettle=$2
work=$(mktemp -d /tmp/medsettle-kill.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/store_lib.sh"
cd "$work"

"$medsettle" generate --persons 2000 --seed 3 --year 2019 --out all.jsonl 2>/dev/null
head -n 1000 all.jsonl > base.jsonl
tail -n +1001 all.jsonl > run.jsonl
fresh kbefore
"$medsettle" settle --ledger "$(location kbefore)" --in base.jsonl --out /dev/null --errors /dev/null 2>/dev/null || true
exported kbefore > before.txt
fresh kafter kbefore
start=$(date +%s%N)
"$medsettle" settle --ledger "$(location kafter)" --in run.jsonl --out /dev/null --errors /dev/null 2>/dev/null || true
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
exported kafter > after.txt
cmp -s before.txt after.txt && { echo "the run changed nothing" >&2; exit 1; }

n_before=0 n_after=0
for i in $(seq 1 20); do
  fresh "ktry$i" kbefore
  "$medsettle" settle --ledger "$(location "ktry$i")" --in run.jsonl --out "out$i.jsonl" --errors /dev/null \
    >/dev/null 2>&1 &
  pid=$!
  # Anywhere from the start to a little after the end of a whole run.
  delay_ms=$(( RANDOM % (took_ms * 12 / 10 + 1) ))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  exported "ktry$i" > "try$i.txt"
  if cmp -s "try$i.txt" before.txt; then
    n_before=$((n_before + 1))
  elif cmp -s "try$i.txt" after.txt; then
    n_after=$((n_after + 1))
  else
    echo "try $i (killed after $delay_ms ms): the ledger is neither as before nor as after the run" >&2
    diff <(tr ',' '\n' < before.txt) <(tr ',' '\n' < "try$i.txt") | head -n 20 >&2
    exit 1
  fi
  if [[ $kind == postgresql ]]; then psql_run "DROP DATABASE IF EXISTS ktry$i WITH (FORCE)"; fi
done
echo "$kind: 20 runs killed at random (a whole run takes $took_ms ms): $n_before left it as before, $n_after as after"
