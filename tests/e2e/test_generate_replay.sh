#!/usr/bin/env bash
# End-to-end test of `medsettle generate` and `medsettle replay`.
# Usage: test_generate_replay.sh MEDSETTLE_BINARY PROJECT_SOURCE_DIR [WORK_DIR]
# Without WORK_DIR a temporary directory is made and removed at the end.
set -euo pipefail
bin=$1
src=$2
if [ $# -ge 3 ]; then
  work=$3
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
rules=$src/rules/hunan.yaml

fail() { echo "FAIL: $*" >&2; exit 1; }
# Runs a command, recording its exit status in $rc (set -e stays on elsewhere).
run() { set +e; "$@"; rc=$?; set -e; }
# must COMMAND...: runs the command, its stderr in $work/must.err; fails the test unless it exits 0.
must() {
  local status=0
  "$@" 2>"$work/must.err" || status=$?
  [ "$status" -eq 0 ] || fail "exit $status from: $* ($(head -c 500 "$work/must.err"))"
}
command -v python3 >/dev/null || fail "python3 is needed (scripts/bootstrap.sh test installs it)"

# ---- generate: determinism, counts, summary ------------------------------------
must "$bin" generate --persons 500 --seed 42 --out "$work/a.jsonl"
cp "$work/must.err" "$work/gen.err"
[ -s "$work/a.jsonl" ] || fail "generate wrote nothing"
must "$bin" generate --persons 500 --seed 42 --out "$work/b.jsonl"
cmp -s "$work/a.jsonl" "$work/b.jsonl" || fail "generate is not deterministic (same seed, different bytes)"
must "$bin" generate --persons 500 --seed 42 >"$work/stdout.jsonl"
cmp -s "$work/a.jsonl" "$work/stdout.jsonl" || fail "--out and standard output differ"
must "$bin" generate --persons 500 --seed 43 --out "$work/c.jsonl"
[ -s "$work/c.jsonl" ] || fail "generate --seed 43 wrote nothing"
cmp -s "$work/a.jsonl" "$work/c.jsonl" && fail "a different seed gives the same population"

stays=$(wc -l <"$work/a.jsonl")
persons=$(grep -o '"person_id":"[^"]*"' "$work/a.jsonl" | sort -u | wc -l)
[ "$persons" -eq 500 ] || fail "expected 500 persons, got $persons"
[ "$stays" -ge 500 ] && [ "$stays" -le 2000 ] || fail "expected 500..2000 stays, got $stays"
grep -qx "generated 500 persons, $stays stays" "$work/gen.err" || fail "summary line: $(cat "$work/gen.err")"
[ "$(wc -l <"$work/gen.err")" -eq 1 ] || fail "stderr has more than the summary line"
# The ids: P0000001.., S<person>-<sequence>; stay ids unique.
head -1 "$work/a.jsonl" | grep -q '^{"stay_id":"S0000001-1","person_id":"P0000001",' || fail "first record's ids"
[ "$(grep -o '"stay_id":"[^"]*"' "$work/a.jsonl" | sort -u | wc -l)" -eq "$stays" ] || fail "stay ids not unique"
# Some bucket-form stays, some referrals, some poor, some disease-group principals.
grep -q '"buckets":{"total":' "$work/a.jsonl" || fail "no stay in bucket form"
grep -q '"referred_from":"S' "$work/a.jsonl" || fail "no referral"
grep -q '"registered_poor"' "$work/a.jsonl" || fail "no registered_poor person"
grep -q '"selfpay_ratio":"0\.' "$work/a.jsonl" || fail "no B line with its own ratio"
grep -q '"over_limit":"' "$work/a.jsonl" || fail "no over-limit part"
grep -qE '"diagnoses":\["C[0-9]' "$work/a.jsonl" || fail "no malignant principal"
# --year moves the discharge dates: every stay of --year 2018 is discharged in 2018.
must "$bin" generate --persons 20 --year 2018 --out "$work/y2018.jsonl"
n2018=$(wc -l <"$work/y2018.jsonl")
[ "$n2018" -ge 20 ] || fail "--year 2018: $n2018 stays for 20 persons"
[ "$(grep -c '"discharged":"2018-[0-9][0-9]-[0-9][0-9]"' "$work/y2018.jsonl")" -eq "$n2018" ] ||
  fail "--year 2018: not every stay is discharged in 2018"
grep -q '"discharged":"2019-' "$work/a.jsonl" || fail "the default year is not 2019"

# ---- every stay settles, in JSON Lines and in CSV ---------------------------------
run "$bin" settle --rules "$rules" --in "$work/a.jsonl" --out "$work/settled.jsonl" --errors "$work/errors.jsonl" \
  2>"$work/settle.err"
[ "$rc" -eq 0 ] || fail "settle exit $rc: $(cat "$work/settle.err") $(head -3 "$work/errors.jsonl")"
grep -qx "read $stays, settled $stays, rejected 0" "$work/settle.err" || fail "settle summary: $(cat "$work/settle.err")"

must "$bin" generate --persons 500 --seed 42 --format csv --out "$work/a.csv"
head -1 "$work/a.csv" | grep -qx 'stay_id,person_id,identities,category,age,insurance,hospital_level,region,admitted,discharged,diagnoses,flags,referred_from,total,full_selfpay,over_limit,pre_selfpay,in_scope' ||
  fail "CSV header"
[ "$(($(wc -l <"$work/a.csv") - 1))" -eq "$stays" ] || fail "CSV has a different number of stays"
run "$bin" settle --rules "$rules" --in "$work/a.csv" --out "$work/settled_csv.jsonl" 2>"$work/settle_csv.err"
[ "$rc" -eq 0 ] || fail "settle of the CSV: exit $rc: $(cat "$work/settle_csv.err")"
# The CSV holds the same stays in bucket form (class_b_selfpay 0.10, half_up, as hunan): same settlements.
cmp -s "$work/settled.jsonl" "$work/settled_csv.jsonl" || fail "the CSV settles differently from the JSON Lines"

# ---- replay our own output: no difference ------------------------------------------
run "$bin" replay --rules "$rules" --recorded "$work/settled.jsonl" --in "$work/a.jsonl" >"$work/r0.txt" 2>"$work/r0.err"
[ "$rc" -eq 0 ] || fail "replay of our own output: exit $rc: $(tail -5 "$work/r0.txt")"
grep -q '^medsettle replay$' "$work/r0.txt" || fail "no report header"
grep -qE '^  rule set +hunan ' "$work/r0.txt" || fail "rule set not named"
grep -qE '^  digest +sha256:[0-9a-f]{64}$' "$work/r0.txt" || fail "digest not shown"
grep -qE '^  versions applied +2019-01-01 \(' "$work/r0.txt" || fail "version not shown"
grep -q "^MATCH: $stays recorded, $stays match, 0 differ" "$work/r0.txt" || fail "no MATCH line: $(tail -1 "$work/r0.txt")"
# Against the CSV too.
run "$bin" replay --rules "$rules" --recorded "$work/settled.jsonl" --in "$work/a.csv" >/dev/null 2>&1
[ "$rc" -eq 0 ] || fail "replay against the CSV stays: exit $rc"

# ---- a planted one-fen difference -----------------------------------------------------
# Line 3: add one fen to hifp_pay and to the basic channel's paid (the first "paid" of the line).
v=$(sed -n '3s/.*"hifp_pay":"\([0-9]*\.[0-9][0-9]\)".*/\1/p' "$work/settled.jsonl")
[ -n "$v" ] || fail "no hifp_pay on line 3"
sid=$(sed -n '3s/^{"stay_id":"\([^"]*\)".*/\1/p' "$work/settled.jsonl")
fen=$((10#${v%.*} * 100 + 10#${v#*.} + 1))
w=$(printf '%d.%02d' $((fen / 100)) $((fen % 100)))
sed -e "3s/\"hifp_pay\":\"$v\"/\"hifp_pay\":\"$w\"/" -e "3s/\"paid\":\"$v\"/\"paid\":\"$w\"/" \
  "$work/settled.jsonl" >"$work/planted.jsonl"
cmp -s "$work/settled.jsonl" "$work/planted.jsonl" && fail "the plant did not change anything"
run "$bin" replay --rules "$rules" --recorded "$work/planted.jsonl" --in "$work/a.jsonl" >"$work/r1.txt" 2>/dev/null
[ "$rc" -eq 1 ] || fail "planted difference: exit $rc, expected 1"
grep -qE "^ +3  $sid +P[0-9]+ +hifp_pay +$w +$v +-1$" "$work/r1.txt" || fail "hifp_pay difference not listed: $(cat "$work/r1.txt")"
grep -qE "^ +3  $sid +P[0-9]+ +channel basic\.paid +$w +$v +-1$" "$work/r1.txt" || fail "basic.paid difference not listed"
grep -qE '^  hifp_pay +1 +-1 +-0\.01$' "$work/r1.txt" || fail "hifp_pay total"
grep -qE '^  channel basic\.paid +1 +-1 +-0\.01$' "$work/r1.txt" || fail "basic.paid total"
grep -q "^DIFFER: $stays recorded, $((stays - 1)) match, 1 differ (2 differences)" "$work/r1.txt" || fail "DIFFER line"
# The same as JSON.
run "$bin" replay --rules "$rules" --recorded "$work/planted.jsonl" --in "$work/a.jsonl" --json --out "$work/r1.json" 2>/dev/null
[ "$rc" -eq 1 ] || fail "--json: exit $rc, expected 1"
grep -q "\"item\":\"hifp_pay\",\"recorded\":\"$w\",\"recomputed\":\"$v\",\"difference_fen\":-1" "$work/r1.json" ||
  fail "--json difference"
grep -q '"status":"differ"' "$work/r1.json" || fail "--json status"
python3 -m json.tool "$work/r1.json" >/dev/null || fail "--json is not JSON"

# ---- missing on either side, malformed lines ------------------------------------------
{ sed -n '2,$p' "$work/settled.jsonl"; echo '{"stay_id":"S9999999-1","hifp_pay":"1.00"}'; echo 'not json';
  echo '{"stay_id":"S0000002-1","hifp_pay":"1.001"}'; } >"$work/gaps.jsonl"
run "$bin" replay --rules "$rules" --recorded "$work/gaps.jsonl" --in "$work/a.jsonl" --list-unrecorded \
  >"$work/r2.txt" 2>/dev/null
[ "$rc" -eq 1 ] || fail "gaps: exit $rc, expected 1"
first=$(sed -n '1s/^{"stay_id":"\([^"]*\)".*/\1/p' "$work/settled.jsonl")
grep -A3 '^Settled now but not recorded (1):' "$work/r2.txt" | grep -q "^  $first " || fail "unrecorded stay not listed"
grep -A2 '^Recorded but not recomputable (1):' "$work/r2.txt" | grep -q 'S9999999-1  missing from the stays' ||
  fail "missing stay not listed"
grep -A4 '^Malformed recorded lines (2):' "$work/r2.txt" | grep -qE "^ +$((stays + 1)) +not JSON" || fail "not-JSON line not reported"
grep -A4 '^Malformed recorded lines (2):' "$work/r2.txt" | grep -qE "more than 2 fractional digits" ||
  fail "bad amount not reported"

# ---- national platform field names ------------------------------------------------------
# The first 20 stays, settled on their own, then written with setl_id/psn_no, amounts as
# numbers and strings, and channels replaced by setldetail.
head -20 "$work/a.jsonl" >"$work/a20.jsonl"
# Stays 1..20 might split a person: settle them on their own so both sides hold the same stays.
must "$bin" settle --rules "$rules" --in "$work/a20.jsonl" --out "$work/s20.jsonl"
[ "$(wc -l <"$work/s20.jsonl")" -eq 20 ] || fail "the first 20 stays did not all settle"
python3 - "$work/s20.jsonl" >"$work/national.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    s = json.loads(line)
    out = '{"setl_id": "%s", "psn_no": "%s", "mdtrt_id": "M1", "insutype": "390"' % (s["stay_id"], s["person_id"])
    for i, k in enumerate(("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
                           "act_pay_dedc", "hifp_pay", "hifmi_pay", "maf_pay", "hosp_part_amt", "oth_pay",
                           "fund_pay_sumamt", "psn_part_amt")):
        out += (', "%s": %s' if i % 2 else ', "%s": "%s"') % (k, s[k])  # numbers and strings, both
    detail = ", ".join('{"fund_pay_type": "%s", "fund_payamt": %s}' % (c["fund_pay_type"], c["paid"])
                       for c in s["channels"] if c["paid"] != "0.00")
    print(out + ', "setldetail": [' + detail + ']}')
EOF
grep -q '"setl_id": "S0000001-1", "psn_no": "P0000001"' "$work/national.jsonl" || fail "national conversion"
run "$bin" replay --rules "$rules" --recorded "$work/national.jsonl" --in "$work/a20.jsonl" >"$work/r3.txt" 2>/dev/null
[ "$rc" -eq 0 ] || fail "national field names: exit $rc: $(cat "$work/r3.txt")"
n20=$(wc -l <"$work/national.jsonl")
grep -q "^MATCH: $n20 recorded, $n20 match" "$work/r3.txt" || fail "national: $(tail -1 "$work/r3.txt")"
# A setldetail amount off by one fen is found per fund_pay_type.
python3 - "$work/national.jsonl" "$work/national_bad.jsonl" >"$work/bumped.txt" <<'EOF'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
for i, line in enumerate(lines):
    m = re.search(r'"fund_pay_type": "(\d+)", "fund_payamt": (\d+)\.(\d\d)', line)
    if m:
        fen = int(m.group(2)) * 100 + int(m.group(3)) + 1
        lines[i] = line[:m.start(2)] + "%d.%02d" % (fen // 100, fen % 100) + line[m.end(3):]
        print(i + 1, m.group(1))
        break
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines) + "\n")
EOF
read -r bline bcode <"$work/bumped.txt"
[ -n "$bcode" ] || fail "no setldetail entry to change"
run "$bin" replay --rules "$rules" --recorded "$work/national_bad.jsonl" --in "$work/a20.jsonl" >"$work/r4.txt" 2>/dev/null
[ "$rc" -eq 1 ] || fail "setldetail difference: exit $rc, expected 1"
grep -qE "^ +$bline  S[0-9-]+ +P[0-9]+ +fund_pay_type $bcode +[0-9]+\.[0-9]{2} +[0-9]+\.[0-9]{2} +-1\$" "$work/r4.txt" ||
  fail "fund_pay_type difference not listed: $(cat "$work/r4.txt")"
grep -qE "^  fund_pay_type $bcode +1 +-1 +-0\.01\$" "$work/r4.txt" || fail "fund_pay_type total"

# ---- --as-of selects another version ------------------------------------------------------
run "$bin" replay --rules "$rules" --recorded "$work/settled.jsonl" --in "$work/a.jsonl" --as-of 2018-06-01 \
  >"$work/r5.txt" 2>/dev/null
[ "$rc" -eq 1 ] || fail "--as-of 2018-06-01: exit $rc, expected 1"
grep -qE '^  as of +2018-06-01$' "$work/r5.txt" || fail "--as-of date not shown"
grep -qE '^  versions applied +2017-07-01 \(' "$work/r5.txt" || fail "--as-of version not applied"
grep -qE '^  channel critical_illness\.(deductible|paid) +[0-9]+ ' "$work/r5.txt" || fail "no critical_illness total"
grep -qE '^  (hifp_pay|hifmi_pay) +[0-9]+ ' "$work/r5.txt" || fail "no basic/critical-illness field total"
# The version in force on the discharge dates gives no difference.
run "$bin" replay --rules "$rules" --recorded "$work/settled.jsonl" --in "$work/a.jsonl" --as-of 2019-06-01 >/dev/null 2>&1
[ "$rc" -eq 0 ] || fail "--as-of 2019-06-01: exit $rc, expected 0"

# ---- differences first; stays not recorded counted in one line ---------------------------------
# The planted report: the first line after the header is the Differences heading.
after_header=$(awk 'NF == 0 { getline; print; exit }' "$work/r1.txt")
[ "$after_header" = "Differences (2; difference = recomputed - recorded, in fen):" ] ||
  fail "differences do not follow the header: $after_header"
# gaps.jsonl lacks the first stay's line: by default one line counts it, and nothing lists it.
run "$bin" replay --rules "$rules" --recorded "$work/gaps.jsonl" --in "$work/a.jsonl" >"$work/r2d.txt" 2>/dev/null
[ "$rc" -eq 1 ] || fail "gaps without --list-unrecorded: exit $rc, expected 1"
grep -qx '1 stay settled now has no recorded settlement (listed with --list-unrecorded)' "$work/r2d.txt" ||
  fail "no count line for the unrecorded stay: $(cat "$work/r2d.txt")"
grep -q '^Settled now but not recorded' "$work/r2d.txt" && fail "unrecorded stays listed without --list-unrecorded"
grep -q "^  $first " "$work/r2d.txt" && fail "the unrecorded stay is listed without --list-unrecorded"
# The JSON report lists it whatever the flag.
run "$bin" replay --rules "$rules" --recorded "$work/gaps.jsonl" --in "$work/a.jsonl" --json >"$work/r2.json" 2>/dev/null
[ "$rc" -eq 1 ] || fail "gaps --json: exit $rc, expected 1"
grep -q "\"not_recorded\":\[
{\"stay_id\":\"$first\"" "$work/r2.json" || fail "--json does not list the unrecorded stay"

# ---- --recorded-only: one recorded stay, its person's other stays settled for the ledger ----------
# The first line of settled.jsonl whose person is the line before's: a later stay of its person,
# which the person's earlier stays of the year feed (yearly deductible and caps).
later=$(awk -F'"person_id":"' '{ split($2, a, "\""); if (a[1] == prev) { print NR; exit } prev = a[1] }' \
  "$work/settled.jsonl")
[ -n "$later" ] || fail "no person with two stays"
pid=$(sed -n "${later}s/.*\"person_id\":\"\([^\"]*\)\".*/\1/p" "$work/settled.jsonl")
own=$(grep -c "\"person_id\":\"$pid\"" "$work/a.jsonl")
sed -n "${later}p" "$work/settled.jsonl" >"$work/one.jsonl"
run "$bin" replay --rules "$rules" --recorded "$work/one.jsonl" --in "$work/a.jsonl" --recorded-only >"$work/r6.txt" \
  2>"$work/r6.err"
[ "$rc" -eq 0 ] || fail "--recorded-only, one matching line: exit $rc, expected 0: $(cat "$work/r6.txt")"
# Read: every stay; settled: the person's $own; not settled: the rest. Of the person's stays,
# $own - 1 have no recorded line: counted, not a difference.
grep -qE "^  stays +$work/a.jsonl: $stays read, $own settled, 0 rejected; $((stays - own)) not settled: their person has no recorded stay\$" \
  "$work/r6.txt" || fail "--recorded-only counts: $(grep '^  stays' "$work/r6.txt")"
grep -qx "MATCH: 1 recorded, 1 match, 0 differ (0 differences), 0 not recomputable, $((own - 1)) not recorded, 0 malformed" \
  "$work/r6.txt" || fail "--recorded-only summary: $(tail -1 "$work/r6.txt")"
grep -qx "replayed 1 recorded, 1 match, 0 differ, 0 not recomputable, $((own - 1)) not recorded, 0 malformed" \
  "$work/r6.err" || fail "--recorded-only stderr: $(cat "$work/r6.err")"
run "$bin" replay --rules "$rules" --recorded "$work/one.jsonl" --in "$work/a.jsonl" --recorded-only --json \
  >"$work/r6.json" 2>/dev/null
[ "$rc" -eq 0 ] || fail "--recorded-only --json: exit $rc, expected 0"
grep -q "\"recorded_only\":true,\"not_settled\":$((stays - own))," "$work/r6.json" || fail "--recorded-only --json counts"
# The planted line alone: its two differences, exit 1.
sed -n "3p" "$work/planted.jsonl" >"$work/one_planted.jsonl"
run "$bin" replay --rules "$rules" --recorded "$work/one_planted.jsonl" --in "$work/a.jsonl" --recorded-only \
  >"$work/r7.txt" 2>/dev/null
[ "$rc" -eq 1 ] || fail "--recorded-only, planted line: exit $rc, expected 1"
grep -qE "^ +1  $sid +P[0-9]+ +hifp_pay +$w +$v +-1$" "$work/r7.txt" || fail "--recorded-only: planted difference"

# ---- notes name the other rule set and digest; fields not given are "not compared" ---------------
# Lines 1 and 2 say zhuzhou with digest sha256:00..., line 3 says hunan with another digest; line 4
# lacks hifmi_pay and basic's eligible, line 5 gives no channels (nor setldetail).
zero="sha256:$(printf '0%.0s' $(seq 64))"
sed -e "1,2s/\"rules\":\"hunan\"/\"rules\":\"zhuzhou\"/" -e "1,2s/\"digest\":\"[^\"]*\"/\"digest\":\"$zero\"/" \
  -e "3s/\"digest\":\"[^\"]*\"/\"digest\":\"sha256:abc\"/" -e '4s/"hifmi_pay":"[0-9.]*",//' \
  -e '4s/"eligible":[a-z]*,//' -e '5s/,"channels":\[.*\]}$/}/' "$work/settled.jsonl" >"$work/notes.jsonl"
run "$bin" replay --rules "$rules" --recorded "$work/notes.jsonl" --in "$work/a.jsonl" >"$work/r8.txt" 2>/dev/null
[ "$rc" -eq 0 ] || fail "notes: exit $rc, expected 0 (nothing differs): $(cat "$work/r8.txt")"
grep -qxE "  note +2 recorded settlements name rule set zhuzhou \($zero\)" "$work/r8.txt" ||
  fail "note on zhuzhou: $(grep note "$work/r8.txt")"
grep -qxE "  note +1 recorded settlement of rule set hunan carries another digest: sha256:abc" "$work/r8.txt" ||
  fail "note on the other digest: $(grep note "$work/r8.txt")"
grep -qx 'Not compared (3; the number of recorded lines that do not give the item):' "$work/r8.txt" ||
  fail "no Not compared section: $(cat "$work/r8.txt")"
basic_id=$(sed -n '4s/.*"channels":\[{"id":"\([^"]*\)".*/\1/p' "$work/settled.jsonl")
grep -qxE '  hifmi_pay +1' "$work/r8.txt" || fail "hifmi_pay not compared"
grep -qxE "  channel $basic_id\.eligible +1" "$work/r8.txt" || fail "channel eligible not compared"
grep -qxE '  channels or setldetail +1' "$work/r8.txt" || fail "channels not compared"
run "$bin" replay --rules "$rules" --recorded "$work/notes.jsonl" --in "$work/a.jsonl" --json >"$work/r8.json" 2>/dev/null
[ "$rc" -eq 0 ] || fail "notes --json: exit $rc, expected 0"
grep -q "\"other_rule_sets\":\[
{\"rules\":\"zhuzhou\",\"digest\":\"$zero\",\"settlements\":2},
{\"rules\":\"hunan\",\"digest\":\"sha256:abc\",\"settlements\":1}\]" "$work/r8.json" || fail "--json other_rule_sets"
grep -q '{"item":"hifmi_pay","lines":1}' "$work/r8.json" || fail "--json not_compared"

# ---- the national platform's example (examples/replay, README) ------------------------------------
# S4342670's hifp_pay is recorded as 13230.05; tests/golden/hunan.expected.jsonl (the worked example)
# has 13230.06: recomputed - recorded = +1 fen. The setldetail of 390100 says 13230.06: no difference.
ex=$src/examples/replay
run "$bin" replay --rules "$rules" --recorded "$ex/platform.recorded.jsonl" --in "$ex/platform.stays.jsonl" \
  >"$work/r9.txt" 2>"$work/r9.err"
[ "$rc" -eq 1 ] || fail "platform example: exit $rc, expected 1"
grep -qxE '     4  S4342670  P000731    hifp_pay  13230.05    13230.06          \+1' "$work/r9.txt" ||
  fail "platform example difference: $(cat "$work/r9.txt")"
# 7 stays, 5 recorded: S1039570 (P000049's first stay, its referral) and S1498986 (P001945) are not.
grep -qx '2 stays settled now have no recorded settlement (listed with --list-unrecorded)' "$work/r9.txt" ||
  fail "platform example: unrecorded count"
grep -qx 'DIFFER: 5 recorded, 4 match, 1 differ (1 difference), 0 not recomputable, 2 not recorded, 0 malformed' \
  "$work/r9.txt" || fail "platform example summary: $(tail -1 "$work/r9.txt")"
# --recorded-only: P001945 has no recorded stay, so S1498986 is not settled; S1039570 is (its person).
run "$bin" replay --rules "$rules" --recorded "$ex/platform.recorded.jsonl" --in "$ex/platform.stays.jsonl" \
  --recorded-only --list-unrecorded >"$work/r10.txt" 2>/dev/null
[ "$rc" -eq 1 ] || fail "platform example --recorded-only: exit $rc, expected 1"
grep -qE '^  stays +.*: 7 read, 6 settled, 0 rejected; 1 not settled: their person has no recorded stay$' \
  "$work/r10.txt" || fail "platform example --recorded-only counts"
grep -A2 '^Settled now but not recorded (1):' "$work/r10.txt" | grep -q '^  S1039570  P000049 ' ||
  fail "platform example --recorded-only: S1039570 not listed"

# ---- usage errors ------------------------------------------------------------------------
run "$bin" replay --rules "$rules" --recorded "$work/settled.jsonl" --in "$work/a.jsonl" --as-of 2016-01-01 >/dev/null 2>&1
[ "$rc" -eq 2 ] || fail "--as-of with no version in force: exit $rc, expected 2"
run "$bin" replay --rules "$rules" --recorded "$work/settled.jsonl" --in "$work/a.jsonl" --as-of 2019-13-01 >/dev/null 2>&1
[ "$rc" -eq 2 ] || fail "bad --as-of date: exit $rc, expected 2"
run "$bin" replay --rules "$rules" --recorded "$work/no-such-file" --in "$work/a.jsonl" >/dev/null 2>&1
[ "$rc" -eq 2 ] || fail "missing recorded file: exit $rc, expected 2"
run "$bin" replay --rules "$rules" --in "$work/a.jsonl" >/dev/null 2>&1
[ "$rc" -eq 2 ] || fail "no --recorded: exit $rc, expected 2"
run "$bin" generate >/dev/null 2>&1
[ "$rc" -eq 2 ] || fail "generate without --persons: exit $rc, expected 2"
"$bin" generate --help | grep -q 'Example:' || fail "generate --help has no example"
"$bin" replay --help | grep -q 'Example:' || fail "replay --help has no example"
"$bin" replay --help | grep -q -- '--recorded-only' || fail "replay --help: no --recorded-only"
"$bin" replay --help | grep -q -- '--list-unrecorded' || fail "replay --help: no --list-unrecorded"

echo "generate/replay: all checks passed ($stays stays)"
