#!/usr/bin/env bash
# The README's hand-checked example: two stays of P1 settled a week apart,
# by two processes, continue the same yearly critical-illness deductible.
#   readme_example_test.sh MEDSETTLE SOURCE_DIR
set -euo pipefail
medsettle=$1 src=$2
work=$(mktemp -d /tmp/medsettle-readme.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=$work/window.db
"$medsettle" settle --ledger "$db" --in "$src/examples/kept/monday.jsonl" > "$work/s1.jsonl" 2>/dev/null
grep -q '"id":"critical_illness","name":"[^"]*","fund_pay_type":"390200","eligible":true,"base":"4925.00","deductible":"4925.00","paid":"0.00"' "$work/s1.jsonl"
pre=$("$medsettle" settle --ledger "$db" --dry-run --in "$src/examples/kept/next-monday.jsonl" 2>/dev/null)
# 0.90 x (1,925.00 - (5,000.00 - 4,925.00)) = 1,665.00
"$medsettle" settle --ledger "$db" --in "$src/examples/kept/next-monday.jsonl" > "$work/s2.jsonl" 2>/dev/null
grep -q '"hifmi_pay":"1665.00"' "$work/s2.jsonl"
grep -q '"base":"1925.00","deductible":"75.00","paid":"1665.00"' "$work/s2.jsonl"
[[ $pre == "$(cat "$work/s2.jsonl")" ]]  # the pre-settlement was the settlement
"$medsettle" ledger --ledger "$db" --person P1 | grep -Eq 'critical_illness +6850.00 +1665.00'
echo "README example: S2 continues S1's yearly deductible (critical illness pays 1665.00)"
