#!/usr/bin/env bash
# 8 processes settle interleaved stays of the same 1,000 persons against one
# kept ledger at once, 4 runs each (SEMANTICS.md §11, INTERCHANGE.md): every
# record is accounted for, no stay is settled twice (some ids are given to
# two writers), and the final ledgers and records equal a sequential
# settlement of the same runs in the order they committed.
#   concurrent_test.sh sqlite|postgresql MEDSETTLE
set -euo pipefail
kind=$1 medsettle=$2
work=$(mktemp -d /tmp/medsettle-concurrent.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/store_lib.sh"
cd "$work"

"$medsettle" generate --persons 1000 --seed 5 --year 2019 --out all.jsonl 2>/dev/null
# Line i to writer i % 8, run (i / 8) % 4; the first 40 lines also to writer (i + 3) % 8's last run.
awk '{ w = NR % 8; r = int(NR / 8) % 4; print > ("w" w "_" r ".jsonl");
       if (NR <= 40) print > ("d" ((NR + 3) % 8) ".jsonl") }' all.jsonl
for w in $(seq 0 7); do cat "d$w.jsonl" >> "w${w}_3.jsonl"; done

fresh cshared
loc=$(location cshared)
for w in $(seq 0 7); do
  (
    for r in 0 1 2 3; do
      rc=0
      "$medsettle" settle --ledger "$loc" --threads 1 --in "w${w}_$r.jsonl" --out "w${w}_$r.out" \
        --errors "w${w}_$r.err" 2> "w${w}_$r.log" || rc=$?
      # Exit 0 or 1 (some stays rejected); anything else is the test's failure, with its message.
      if [[ $rc != 0 && $rc != 1 ]]; then { echo "w${w}_$r: exit $rc"; cat "w${w}_$r.log"; } >> failed; fi
    done
  ) &
done
wait
[[ ! -s failed ]] || { echo "runs failed:" >&2; cat failed >&2; exit 1; }

# Every record: one settlement or one rejection.
for f in w*_*.jsonl; do
  b=${f%.jsonl}
  in=$(wc -l < "$f"); got=$(( $(wc -l < "$b.out") + $(wc -l < "$b.err") ))
  [[ $in == "$got" ]] || { echo "$f: $in records in, $got out" >&2; exit 1; }
done
# No stay settled twice, and every stay of the population settled once.
settled=$(cat w*_*.out | grep -o '^{"stay_id":"[^"]*"' | sort)
[[ -z $(uniq -d <<< "$settled") ]] || { echo "settled twice: $(uniq -d <<< "$settled" | head -3)" >&2; exit 1; }
# Nothing lost: every stay id of the population settled or rejected. (A
# referral to a stay another writer has not committed yet is rejected, and
# then a second copy of a stay may settle.)
ids() { grep -o '^{"stay_id":"[^"]*"' "$@" | sed 's/.*"stay_id":"//; s/"$//' | sort -u; }
cmp -s <(ids all.jsonl) <(cat <(ids w*_*.out) <(ids w*_*.err) | sort -u) || { echo "stays lost" >&2; exit 1; }
dups=$(cat w*_*.err | grep -c duplicate_stay_id || true)

# The same runs one after another, in the order they committed.
order=$(for f in w*_*.log; do
  n=$(sed -nE 's/.*: run [0-9]+ committed \(commit ([0-9]+)\)/\1/p' "$f")
  [[ -n $n ]] || { echo "$f: no commit line" >&2; cat "$f" >&2; exit 1; }
  echo "$n ${f%.log}"
done | sort -n | awk '{print $2}')
fresh csequential
for b in $order; do
  "$medsettle" settle --ledger "$(location csequential)" --in "$b.jsonl" --out "$b.seq.out" --errors /dev/null \
    2>/dev/null || [[ $? == 1 ]]
  cmp -s "$b.out" "$b.seq.out" || { echo "$b: settled differently in sequence" >&2; exit 1; }
done
exported cshared > shared.txt
exported csequential > sequential.txt
cmp -s shared.txt sequential.txt || { echo "the concurrent ledger differs from the sequential one" >&2; exit 1; }
echo "$kind: 8 writers, 32 runs, $(wc -l < all.jsonl) stays of 1000 persons (+40 given twice, $dups refused as" \
     "duplicates): every record accounted for, none settled twice, ledgers equal to the runs in commit order"
