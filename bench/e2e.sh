#!/usr/bin/env bash
# End to end with the command (issue #15 item 6): generates a file grouped by
# person and a shuffled copy of it (the same lines in an order fixed by a
# constant random source), settles each with one and with two threads, JSON
# Lines in and out, under /usr/bin/time, and prints stays/s and peak memory,
# also as a ratio to the input file's size.
#
# Usage: bench/e2e.sh [COMMAND]
#   COMMAND      the medsettle command (default: $MEDSETTLE, else `medsettle`
#                on PATH, else ./build/medsettle)
#   PERSONS=N    persons to generate (default 495000: about 1,000,000 stays)
#   TMPDIR=DIR   where the inputs and outputs are written (mktemp's default)
set -euo pipefail

persons=${PERSONS:-495000}
cmd=${1:-${MEDSETTLE:-}}
if [ -z "$cmd" ]; then
  if command -v medsettle >/dev/null 2>&1; then cmd=medsettle
  else cmd=./build/medsettle
  fi
fi
if ! command -v "$cmd" >/dev/null 2>&1; then
  echo "e2e.sh: no medsettle command at '$cmd' (give its path as the argument or in MEDSETTLE, or build ./build/medsettle)" >&2
  exit 2
fi
if [ ! -x /usr/bin/time ]; then
  echo "e2e.sh: /usr/bin/time is missing (Debian: apt-get install time)" >&2
  exit 2
fi
case $persons in
  '' | *[!0-9]*) echo "e2e.sh: PERSONS must be a whole number, not '$persons'" >&2; exit 2 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$cmd" generate --persons "$persons" --seed 7 --year 2018 --out "$work/grouped.jsonl" >/dev/null
shuf --random-source=<(yes) "$work/grouped.jsonl" >"$work/shuffled.jsonl"
stays=$(wc -l <"$work/grouped.jsonl")

# run INPUT THREADS: one settle run; sets secs and kib (peak RSS in KiB).
run() {
  local status=0
  # The last run's output goes first, untimed: replacing a file of a
  # gigabyte frees its pages in the rename, which is not this run's work.
  rm -f "$work/out.jsonl" "$work/errors.jsonl"
  /usr/bin/time -f '%e %M' -o "$work/time" \
    "$cmd" settle --threads "$2" --in "$work/$1.jsonl" --out "$work/out.jsonl" --errors "$work/errors.jsonl" \
    2>"$work/stderr" || status=$?
  # 1: some stays were rejected (written to --errors); anything else is a failure.
  if [ "$status" -gt 1 ]; then
    echo "e2e.sh: settle --threads $2 on $1 input failed (exit $status):" >&2
    head -5 "$work/stderr" >&2
    exit 1
  fi
  read -r secs kib < <(tail -1 "$work/time")
}

printf '%-9s %7s %9s %8s %9s %9s %8s %8s\n' input threads stays seconds stays/s 'peak RSS' 'x input' speedup
for input in grouped shuffled; do
  size=$(stat -c %s "$work/$input.jsonl")
  t1=
  for threads in 1 2; do
    run "$input" "$threads"
    [ "$threads" = 1 ] && t1=$secs
    awk -v name="$input" -v t="$threads" -v n="$stays" -v s="$secs" -v k="$kib" -v size="$size" -v t1="$t1" 'BEGIN {
      rate = s > 0 ? sprintf("%.0f", n / s) : "-"
      speed = (t == 1) ? "" : (s > 0 ? sprintf("%.2fx", t1 / s) : "-")
      printf "%-9s %7d %9d %8.2f %9s %6.0f MB %7.2fx %8s\n", name, t, n, s, rate, k * 1024 / 1e6, k * 1024 / size, speed
    }'
  done
done
echo "($persons persons; grouped input $(($(stat -c %s "$work/grouped.jsonl") / 1000000)) MB; $cmd)"
