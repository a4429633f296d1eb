#!/usr/bin/env bash
# The command's kept-ledger contract (INTERCHANGE.md): reverse writes records
# on standard output and nothing else, a refusal on standard error with exit
# 1; output that cannot be put in place after the commit says so; another
# rule set is a usage error.
#   cli_test.sh MEDSETTLE SOURCE_DIR
set -euo pipefail
medsettle=$1 src=$2
work=$(mktemp -d /tmp/medsettle-cli-store.XXXXXX)
trap 'rm -rf "$work"' EXIT
kept=$src/tests/store/kept
db=$work/l.db
fail() { echo "FAIL: $*" >&2; exit 1; }

"$medsettle" settle --ledger "$db" --in "$kept/hunan.step1.stays.jsonl" >/dev/null 2>&1
# A refusal: nothing on standard output, the rejection on standard error, exit 1.
set +e
"$medsettle" reverse --ledger "$db" --stay-id H1 > "$work/out" 2> "$work/err"; rc=$?
set -e
[[ $rc == 1 && ! -s $work/out ]] || fail "reverse of an earlier stay: exit $rc, stdout $(cat "$work/out")"
grep -q '^{"stay_id":"H1","error":{"code":"not_last","field":"stay_id","message":".*H2' "$work/err" || fail "not_last on stderr"
# A reversal: the records and nothing else on standard output.
"$medsettle" reverse --ledger "$db" --stay-id H2 --reason "fee corrected" > "$work/out" 2> "$work/err"
[[ $(wc -l < "$work/out") == 1 && ! -s $work/err ]] || fail "reverse: one record on stdout, nothing on stderr"
grep -q '"hifp_pay":"-42075.00".*"reversal":true}$' "$work/out" || fail "the reversal record"
"$medsettle" ledger --ledger "$db" --person P1 --json | grep -q '"kind":"reversal","recorded_at":"[^"]*","reason":"fee corrected"' \
  || fail "the reason is kept in the records"
# Output that cannot be written after the commit: the message says the run was committed.
set +e
"$medsettle" settle --ledger "$db" --in "$kept/hunan.step5.stays.jsonl" --out /dev/full 2> "$work/err"; rc=$?
set -e
[[ $rc == 2 ]] || fail "settle with --out /dev/full: exit $rc"
grep -q "the run was committed to the kept ledger" "$work/err" || fail "the message says the run was committed"
"$medsettle" ledger --ledger "$db" --person P1 | grep -q "settlement H3" || fail "ledger --person has the records"
# Another rule set: refused before anything is settled, exit 2.
set +e
"$medsettle" settle --ledger "$db" --rules "$src/rules/zhenba.yaml" --in "$kept/zhenba.step1.stays.jsonl" \
  > "$work/out" 2> "$work/err"; rc=$?
set -e
[[ $rc == 2 && ! -s $work/out ]] || fail "another rule set: exit $rc"
grep -q "belongs to rule set hunan; it cannot settle under rule set zhenba" "$work/err" || fail "the rule set message"
# --dry-run without a ledger is a usage error.
set +e
"$medsettle" settle --dry-run --in "$kept/hunan.step1.stays.jsonl" >/dev/null 2>&1; rc=$?
set -e
[[ $rc == 2 ]] || fail "--dry-run without --ledger: exit $rc"
echo "kept-ledger command contract: ok"
