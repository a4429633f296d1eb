#!/usr/bin/env bash
# End-to-end test of `medsettle compare` without a browser: the text summary,
# the --diff file, the HTML file's self-containment and the exit codes.
# Usage: compare_test.sh MEDSETTLE_BINARY PROJECT_SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stays=$src/tests/golden/hunan.stays.jsonl
rules=$src/rules/hunan.yaml

fail() { echo "FAIL: $*" >&2; exit 1; }
# The amount in yuan as integer fen: "1,234.50" -> 123450, "-3.00" -> -300.
to_fen() { local v=${1//,/}; v=${v/+/}; local neg=""; [[ $v == -* ]] && neg=- && v=${v#-}; echo "$neg$((10#${v%.*} * 100 + 10#${v#*.}))"; }

# ---- 1. hunan 2017 against 2019 (one file, two versions) ----------------------
set +e
"$bin" compare --rules "$rules" --as-of-a 2018-06-30 --against "$rules" --as-of-b 2019-06-30 \
  --in "$stays" --diff "$work/diff.jsonl" --html "$work/report.html" --top 5 >"$work/out.txt" 2>"$work/err.txt"
rc=$?
set -e
cat "$work/out.txt"
[ "$rc" -eq 0 ] || fail "exit status $rc, expected 0 (stderr: $(cat "$work/err.txt"))"

grep -q '^medsettle what-if: A vs B$' "$work/out.txt" || fail "no header"
grep -q 'as of 2018-06-30' "$work/out.txt" || fail "A's as-of not shown"
grep -q 'as of 2019-06-30' "$work/out.txt" || fail "B's as-of not shown"
grep -q 'versions applied: 2017-07-01 (40 stays)' "$work/out.txt" || fail "A's version not shown"
grep -q 'versions applied: 2019-01-01 (40 stays)' "$work/out.txt" || fail "B's version not shown"
grep -q 'rejected A 9, B 9' "$work/out.txt" || fail "rejections per side not reported"
grep -q 'paired 40' "$work/out.txt" || fail "paired count"
for section in 'Settlement fields' 'Funding by channel' 'Reimbursement ratio' 'What patients pay' \
               'Persons whose yearly payment changes most'; do
  grep -q "^$section" "$work/out.txt" || fail "no section '$section'"
done
for field in medfee_sumamt fulamt_ownpay_amt overlmt_selfpay preselfpay_amt inscp_scp_amt act_pay_dedc hifp_pay \
             hifmi_pay maf_pay hosp_part_amt oth_pay fund_pay_sumamt psn_part_amt; do
  grep -qE "^  $field +[0-9,]+\.[0-9]{2} +[0-9,]+\.[0-9]{2} +[-+]?[0-9,]+\.[0-9]{2} +" "$work/out.txt" ||
    fail "no totals line for $field"
done
for channel in basic critical_illness commercial medical_aid hospital_waiver backstop; do
  grep -qE "^  $channel +[0-9,]+\.[0-9]{2} " "$work/out.txt" || fail "no line for channel $channel"
done
for group in overall rural_poor marginal none village township county city province in_county in_city \
             in_province out_of_province; do
  grep -qE "^    $group +[0-9]+ " "$work/out.txt" || fail "no ratio line for $group"
done
grep -qE '^  per stay +A +40 ' "$work/out.txt" || fail "no per-stay distribution"
grep -qE '^  per person-year +A +[0-9]+ ' "$work/out.txt" || fail "no per-person-year distribution"

# The 2019 version raises basic's yearly cap and lowers critical illness's deductible.
hifp=$(awk '$1=="hifp_pay"{print $4; exit}' "$work/out.txt")
[[ $hifp == +* ]] || fail "hifp_pay should grow under 2019, got $hifp"

# --top 5: at most five persons.
persons=$(awk '/^Persons whose yearly payment changes most/{f=1; next} f && /^  P/{n++} END{print n+0}' "$work/out.txt")
[ "$persons" -ge 1 ] && [ "$persons" -le 5 ] || fail "expected 1..5 persons, got $persons"

# --diff: one line per changed stay, with both settlements.
changed=$(sed -nE 's/.*settlement changed ([0-9]+).*/\1/p' "$work/out.txt")
lines=$(wc -l <"$work/diff.jsonl")
[ "$changed" -gt 0 ] || fail "expected some stays to change"
[ "$lines" -eq "$changed" ] || fail "--diff has $lines lines, the summary says $changed changed"
while IFS= read -r l; do
  [[ $l == '{"stay_id":"'*'","a":{"stay_id":"'*'"rules":"hunan","version":"2017-07-01"'*'},"b":{"stay_id":"'*'"version":"2019-01-01"'*'}}' ]] ||
    fail "bad --diff line: $l"
done <"$work/diff.jsonl"
# Exactness: the psn_part_amt change summed over the diff lines equals the printed B - A.
sum=0
while IFS= read -r l; do
  mapfile -t v < <(grep -oE '"psn_part_amt":"[0-9]+\.[0-9]{2}"' <<<"$l" | sed -E 's/.*:"(.*)"/\1/')
  [ "${#v[@]}" -eq 2 ] || fail "diff line without two psn_part_amt: $l"
  sum=$((sum + $(to_fen "${v[1]}") - $(to_fen "${v[0]}")))
done <"$work/diff.jsonl"
printed=$(to_fen "$(awk '$1=="psn_part_amt"{print $4; exit}' "$work/out.txt")")
[ "$sum" -eq "$printed" ] || fail "diff lines give psn_part_amt change $sum fen, summary prints $printed"

# The HTML is self-contained: no script, no external resource.
grep -q '<meta charset="utf-8">' "$work/report.html" || fail "no charset"
grep -q '<h1>medsettle what-if: A vs B</h1>' "$work/report.html" || fail "no h1"
if grep -qiE '<script|(src|href)="(https?:)?//|@import|url\(' "$work/report.html"; then
  fail "the report references something outside itself"
fi
a_total=$(awk '$1=="psn_part_amt"{print $2; exit}' "$work/out.txt")
grep -q "id=\"total-a-psn_part_amt\">$a_total<" "$work/report.html" || fail "HTML total differs from the text"

# ---- 2. a rule set against itself: nothing changes -------------------------------
"$bin" compare --rules "$rules" --against "$rules" --in "$stays" --diff "$work/same.jsonl" >"$work/same.txt" 2>/dev/null ||
  fail "compare against itself did not exit 0"
[ ! -s "$work/same.jsonl" ] || fail "--diff of a rule set against itself is not empty"
grep -q 'settlement changed 0' "$work/same.txt" || fail "a rule set against itself changed"
awk '$1 ~ /^[a-z_]+$/ && NF >= 5 && $4 ~ /^[-+]?[0-9,]+\.[0-9][0-9]$/ && $4 != "0.00" {bad=1} END{exit bad}' \
  "$work/same.txt" || fail "a rule set against itself shows a difference"
# Its psn_part_amt total is the sum of what `settle` gives (discharge-date versions on both sides).
rc=0
"$bin" settle --rules "$rules" --in "$stays" --out "$work/settled.jsonl" --errors "$work/rejected.jsonl" 2>"$work/settle.err" || rc=$?
# Exit 1: the golden stays include rejected ones on purpose (tests/golden/README.md: hunan settles 40 of 49).
[ "$rc" -eq 1 ] || fail "settle exited $rc, expected 1 ($(cat "$work/settle.err"))"
grep -qx 'read 49, settled 40, rejected 9' "$work/settle.err" || fail "settle summary: $(cat "$work/settle.err")"
settled=0
while IFS= read -r v; do settled=$((settled + $(to_fen "$v"))); done < <(
  grep -oE '"psn_part_amt":"[0-9]+\.[0-9]{2}"' "$work/settled.jsonl" | sed -E 's/.*:"(.*)"/\1/')
[ "$(grep -c '"psn_part_amt":' "$work/settled.jsonl")" -eq 40 ] || fail "expected 40 settlements with psn_part_amt"
same_total=$(to_fen "$(awk '$1=="psn_part_amt"{print $2; exit}' "$work/same.txt")")
[ "$settled" -eq "$same_total" ] || fail "compare total $same_total fen, settle gives $settled fen"

# ---- 3. usage errors exit 2 ---------------------------------------------------
set +e
"$bin" compare --rules "$rules" --against "$rules" --in "$stays" --as-of-a 2018-13-01 >/dev/null 2>&1
[ $? -eq 2 ] || fail "a bad --as-of-a should exit 2"
"$bin" compare --rules "$rules" --in "$stays" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a missing --against should exit 2"
"$bin" compare --rules "$rules" --against "$work/no-such-rules.yaml" --in "$stays" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a missing rule file should exit 2"
set -e
echo "PASS"
