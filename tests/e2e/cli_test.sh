#!/usr/bin/env bash
# End-to-end tests of the installed medsettle command: settle, explain,
# validate, --help, --version, exit statuses and awkward inputs.
# Usage: cli_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
golden="$src/tests/golden"
command -v python3 >/dev/null || { echo "FAIL: python3 is needed (scripts/bootstrap.sh test installs it)"; exit 1; }

# golden_settlements FILE: the settlements as tests/golden/*.expected.jsonl
# holds them (every field but `digest` and the channels' display `name`, see
# tests/golden/README.md), one canonical JSON object a line.
golden_settlements() {
  python3 -c 'import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    if l.strip():
        s = json.loads(l); s.pop("digest", None); s.pop("itemization", None)
        for c in s.get("channels", []): c.pop("name", None)
        print(json.dumps(s, sort_keys=True))' "$1"
}
# golden_errors FILE: the facts of each rejection (stay_id, line, code, field).
golden_errors() {
  python3 -c 'import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    if l.strip():
        r = json.loads(l); print(json.dumps([r["stay_id"], r["line"], r["error"]["code"], r["error"]["field"]]))' "$1"
}
# same_as_golden SCHEME OUT ERR: OUT and ERR hold what tests/golden expects.
same_as_golden() {
  golden_settlements "$2" > "$work/g.out" && golden_settlements "$golden/$1.expected.jsonl" > "$work/g.out.want" &&
    golden_errors "$3" > "$work/g.err" && golden_errors "$golden/$1.errors.jsonl" > "$work/g.err.want" &&
    [ -s "$work/g.out.want" ] && cmp -s "$work/g.out" "$work/g.out.want" && cmp -s "$work/g.err" "$work/g.err.want"
}

# --version names the default rule set and its digest.
check "version" status 0 "$ms" --version
check "version shows digest" grep -q 'default rule set hunan .*sha256:[0-9a-f]\{64\}' "$work/out"
# --help on every subcommand, each with an example.
for sub in settle explain validate replay generate; do
  check "help $sub" status 0 "$ms" "$sub" --help
  check "help $sub has an example" grep -q 'Example' "$work/out"
done
check "no subcommand is a usage error" status 2 "$ms"
check "unknown option is a usage error" status 2 "$ms" settle --bogus

# settle: the golden examples, every scheme, settlements and rejections counted.
for s in hunan zhuzhou funing zhenba xuchang linxian; do
  check "settle $s exits 1 (some rejected)" status 1 "$ms" settle --rules "$src/rules/$s.yaml" --in "$golden/$s.stays.jsonl" --out "$work/$s.out" --errors "$work/$s.err"
  want_s=$(wc -l < "$golden/$s.expected.jsonl"); want_r=$(wc -l < "$golden/$s.errors.jsonl")
  check "settle $s counts" grep -q "settled $want_s, rejected $want_r" "$work/err"
  check "settle $s lines" test "$(wc -l < "$work/$s.out")" -eq "$want_s" -a "$(wc -l < "$work/$s.err")" -eq "$want_r"
  check "settle $s = tests/golden" same_as_golden "$s" "$work/$s.out" "$work/$s.err"
done
# The default rule set is hunan: the golden settlements of hunan, with
# hunan.yaml's digest.
check "default rule set settles" status 1 "$ms" settle --in "$golden/hunan.stays.jsonl" --errors "$work/default.err"
cp "$work/out" "$work/default.out"
check "default rule set is hunan" same_as_golden hunan "$work/default.out" "$work/default.err"
check "default rule set's digest" test "$(grep -c "\"rules\":\"hunan\",\"version\":\"[0-9-]*\",\"digest\":\"sha256:$(sha256sum "$src/rules/hunan.yaml" | cut -d' ' -f1)\"" "$work/default.out")" -eq "$(wc -l < "$golden/hunan.expected.jsonl")"
# Standard input and output.
check "settle reads stdin" status 1 sh -c "'$ms' settle < '$golden/hunan.stays.jsonl'"
grep '^{' "$work/err" > "$work/stdin.err" || true  # the rejections, without the summary line
check "stdin gives the golden settlements" same_as_golden hunan "$work/out" "$work/stdin.err"
check "stdin = --in, byte for byte" cmp -s "$work/out" "$work/default.out"
# The README's first command: the bundled examples all settle, exit 0.
check "bundled examples settle" status 0 "$ms" settle --itemize --in "$src/examples/stays.jsonl"
check "bundled examples summary" grep -q 'read 40, settled 40, rejected 0' "$work/err"
# All settled: exit 0 (a generated population has no bad record).
"$ms" generate --persons 50 --seed 3 --year 2019 --out "$work/gen.jsonl" 2>/dev/null
check "all settled exits 0" status 0 "$ms" settle --in "$work/gen.jsonl" --out /dev/null
check "all settled summary" grep -q 'rejected 0$' "$work/err"
# Empty input: nothing read, exit 0.
: > "$work/empty.jsonl"
check "empty input" status 0 "$ms" settle --in "$work/empty.jsonl"
check "empty input summary" grep -q 'read 0, settled 0, rejected 0' "$work/err"
# A truncated last line is one rejection (not_json), and nothing is lost.
{ head -n 3 "$golden/funing.stays.jsonl"; head -n 4 "$golden/funing.stays.jsonl" | tail -n 1 | head -c 120; } > "$work/trunc.jsonl"
check "truncated last line" status 1 "$ms" settle --rules "$src/rules/funing.yaml" --in "$work/trunc.jsonl" --errors "$work/trunc.err"
check "truncated last line counted" grep -q 'read 4, settled 3, rejected 1' "$work/err"
check "truncated last line is not_json on line 4" grep -q '"line":4,"error":{"code":"not_json"' "$work/trunc.err"
# CRLF input settles the same as LF input.
sed 's/$/\r/' "$golden/hunan.stays.jsonl" > "$work/crlf.jsonl"
check "CRLF input settles" status 1 "$ms" settle --in "$work/crlf.jsonl" --out "$work/crlf.out" --errors "$work/crlf.err"
check "CRLF input = tests/golden" same_as_golden hunan "$work/crlf.out" "$work/crlf.err"
check "CRLF input = LF input" cmp -s "$work/crlf.out" "$work/default.out"
# CSV out: a header and one row per settlement, the cells those of the JSON.
check "CSV out" status 1 "$ms" settle --in "$golden/hunan.stays.jsonl" --format csv --errors /dev/null
cp "$work/out" "$work/out.csv"
check "CSV out header" grep -qx 'stay_id,person_id,rules,version,digest,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,hifp_pay,hifmi_pay,maf_pay,hosp_part_amt,oth_pay,fund_pay_sumamt,psn_part_amt,basic_paid,critical_illness_paid,commercial_paid,medical_aid_paid,hospital_waiver_paid,backstop_paid' "$work/out.csv"
check "CSV out rows" test "$(wc -l < "$work/out.csv")" -eq $(( $(wc -l < "$golden/hunan.expected.jsonl") + 1 ))
# hunan.worked.md, stay S5493475: T 425403.08 = F 25211.12 + O 0.00 + P 13204.61 + S 386987.35; basic
# 200000.00 (cap_year), critical_illness 163788.62, commercial 10921.00, backstop 20482.34;
# oth_pay 10921.00 + 20482.34 = 31403.34; funds 395191.96; patient 30211.12.
check "CSV out cells of S5493475" grep -qx "S5493475,P000033,hunan,2019-01-01,sha256:$(sha256sum "$src/rules/hunan.yaml" | cut -d' ' -f1),425403.08,25211.12,0.00,13204.61,386987.35,200.00,200000.00,163788.62,0.00,0.00,31403.34,395191.96,30211.12,200000.00,163788.62,10921.00,0.00,0.00,20482.34" "$work/out.csv"
check "CSV out rows = tests/golden's settlements" test "$(cut -d, -f1 "$work/out.csv" | tail -n +2 | tr '\n' ' ')" = "$(grep -o '"stay_id": "[^"]*"' "$golden/hunan.expected.jsonl" | cut -d'"' -f4 | tr '\n' ' ')"
# --itemize: the worked example S7294443's backstop took 8.38 from in_scope and 8.87 from pre_selfpay
# (hunan.worked.md: X = 17.25); the plain fields are unchanged.
check "itemize" status 1 "$ms" settle --itemize --in "$golden/hunan.stays.jsonl" --errors /dev/null
cp "$work/out" "$work/item.out"
check "itemize adds the itemization" grep -q '"id":"backstop","computed":"17.25","limited_by":"none","bands":\[\],"taken":{"in_scope":"8.38","pre_selfpay":"8.87"' "$work/item.out"
check "itemize keeps the settlement" cmp -s <(sed 's/,"itemization":.*}$/}/' "$work/item.out") "$work/default.out"
check "--bom needs CSV output" status 2 "$ms" settle --bom --in "$golden/hunan.stays.jsonl"
check "--headers needs CSV output" status 2 "$ms" settle --headers zh --in "$golden/hunan.stays.jsonl"
# Threads do not change the output: both the golden settlements.
check "threads 1" status 1 "$ms" settle --in "$golden/hunan.stays.jsonl" --threads 1 --out "$work/t1.out" --errors "$work/t1.err"
check "threads 1 = tests/golden" same_as_golden hunan "$work/t1.out" "$work/t1.err"
check "threads 4" status 1 "$ms" settle --in "$golden/hunan.stays.jsonl" --threads 4 --out "$work/t4.out" --errors "$work/t4.err"
check "threads 4 = tests/golden" same_as_golden hunan "$work/t4.out" "$work/t4.err"
check "threads 1 = threads 4" cmp -s "$work/t1.out" "$work/t4.out"
# A larger input (about 12,000 stays: waves of 8,192 records when
# streaming), whose waves are formatted on several threads (from 2,048
# outcomes a wave) in chunks of 1,024: settlements and rejections in input
# order, byte for byte as with one thread, streaming and read whole, JSON
# and CSV.
check "generate 6000 persons" status 0 "$ms" generate --persons 6000 --seed 11 --year 2019 --out "$work/big.jsonl"
big_stays=$(wc -l < "$work/big.jsonl")
# One bad record (no person_id and the rest: missing_field) before every 997th line.
awk 'NR % 997 == 0 { print "{\"stay_id\": \"bad" NR "\"}" } { print }' "$work/big.jsonl" > "$work/big2.jsonl"
bad=$((big_stays / 997))
check "big: bad records planted" test "$bad" -ge 5 -a "$(wc -l < "$work/big2.jsonl")" -eq $((big_stays + bad))
for mode in stream whole; do
  for fmt in jsonl csv; do
    for t in 1 3; do
      check "big $mode $fmt threads $t exits 1" status 1 "$ms" settle --in "$work/big2.jsonl" --mode "$mode" --threads "$t" --format "$fmt" \
        --out "$work/big.$mode.$fmt.$t" --errors "$work/big.$mode.$fmt.$t.err"
      check "big $mode $fmt threads $t summary" grep -qx "read $((big_stays + bad)), settled $big_stays, rejected $bad" "$work/err"
      check "big $mode $fmt threads $t rejections are the planted ones" test "$(grep -o '"stay_id":"bad[0-9]*"' "$work/big.$mode.$fmt.$t.err" | tr -d '\n')" = "$(seq 1 "$bad" | awk '{ printf "\"stay_id\":\"bad%d\"", $1 * 997 }')"
    done
    check "big $mode $fmt: threads 1 = threads 3" cmp -s "$work/big.$mode.$fmt.1" "$work/big.$mode.$fmt.3"
    check "big $mode $fmt: rejections, threads 1 = threads 3" cmp -s "$work/big.$mode.$fmt.1.err" "$work/big.$mode.$fmt.3.err"
  done
done
check "big: every record out" test $(( $(wc -l < "$work/big.stream.jsonl.1") + $(wc -l < "$work/big.stream.jsonl.1.err") )) -eq "$(wc -l < "$work/big2.jsonl")"
check "big: rejections in input order" cmp -s <(grep -o '"line":[0-9]*' "$work/big.stream.jsonl.3.err") <(grep -o '"line":[0-9]*' "$work/big.stream.jsonl.3.err" | sort -t: -k2 -n)
check "big: stream = whole" cmp -s "$work/big.stream.jsonl.3" "$work/big.whole.jsonl.3"
# Automatic mode to files streams at once and checks the grouping as it goes:
# a file whose first person comes back on its last line (found apart after
# the first wave's 8,192 records were written) is started again in waves of
# persons, from the file and from standard input: the whole mode's bytes.
check "big automatic = whole" status 1 "$ms" settle --in "$work/big2.jsonl" --threads 2 --out "$work/big.auto" --errors "$work/big.auto.err"
check "big automatic = whole: settlements" cmp -s "$work/big.auto" "$work/big.whole.jsonl.3"
check "big automatic = whole: rejections" cmp -s "$work/big.auto.err" "$work/big.whole.jsonl.3.err"
first=$(head -1 "$work/big2.jsonl")
{ cat "$work/big2.jsonl"; sed 's/"stay_id":"[^"]*"/"stay_id":"LATE1"/' <<<"$first"; } > "$work/late.jsonl"
check "late: stream mode refuses it" status 2 "$ms" settle --in "$work/late.jsonl" --mode stream --out "$work/late.stream"
check "late: nothing written in stream mode" test ! -e "$work/late.stream"
check "late whole" status 1 "$ms" settle --in "$work/late.jsonl" --mode whole --out "$work/late.whole" --errors "$work/late.whole.err"
check "late automatic" status 1 "$ms" settle --in "$work/late.jsonl" --threads 2 --out "$work/late.auto" --errors "$work/late.auto.err"
check "late automatic = whole" cmp -s "$work/late.auto" "$work/late.whole"
check "late automatic = whole: rejections" cmp -s "$work/late.auto.err" "$work/late.whole.err"
check "late automatic: the late stay settled" grep -q '"stay_id":"LATE1"' "$work/late.auto"
check "late from standard input" status 1 "$ms" settle --out "$work/late.stdin" --errors "$work/late.stdin.err" < "$work/late.jsonl"
check "late from standard input = whole" cmp -s "$work/late.stdin" "$work/late.whole"
check "late from standard input = whole: rejections" cmp -s "$work/late.stdin.err" "$work/late.whole.err"
# Against the library's own figures, not another run: every settled line
# conserves money (medfee_sumamt = fund_pay_sumamt + hosp_part_amt + psn_part_amt, in fen).
check "big: every settlement adds up" python3 -c 'import json, sys
def fen(v): a, b = v.split("."); return int(a) * 100 + int(b)
n = 0
for l in open(sys.argv[1]):
    s = json.loads(l); n += 1
    assert fen(s["medfee_sumamt"]) == fen(s["fund_pay_sumamt"]) + fen(s["hosp_part_amt"]) + fen(s["psn_part_amt"]), s["stay_id"]
    assert fen(s["medfee_sumamt"]) == sum(fen(c["paid"]) for c in s["channels"]) + fen(s["psn_part_amt"]), s["stay_id"]
assert n == int(sys.argv[2]), n' "$work/big.stream.jsonl.1" "$big_stays"
check "big: CSV rows = JSON settlements" test "$(tail -n +2 "$work/big.stream.csv.1" | cut -d, -f1 | tr '\n' ' ')" = "$(grep -o '^{"stay_id":"[^"]*"' "$work/big.stream.jsonl.1" | cut -d'"' -f4 | tr '\n' ' ')"
# Bad stays never stop the batch; a bad --in is a usage error.
check "missing input file" status 2 "$ms" settle --in "$work/nope.jsonl"
# A bad rule file: every error as file:line:column, exit 2.
printf 'medsettle: 1\nid: x\nclass_b_selfpay: 0.10\nrounding: half_upp\nversions:\n  - from: 2019-02-30\n    channels: []\n' > "$work/bad.yaml"
check "bad rule file in settle" status 2 "$ms" settle --rules "$work/bad.yaml" --in "$golden/hunan.stays.jsonl"
check "bad rule file errors point at lines" grep -q "bad.yaml:4:11: rounding: unknown value 'half_upp'" "$work/err"

# validate: every scheme ok with a one-line summary; a bad file exits 2 with all its errors.
check "validate all schemes" status 0 "$ms" validate "$src"/rules/*.yaml
check "validate summary" test "$(grep -c ': ok: rule set .* sha256:' "$work/out")" -eq 6
check "validate bad file" status 2 "$ms" validate "$work/bad.yaml"
check "validate reports each error" test "$(grep -c '^.*bad.yaml:[0-9]*:[0-9]*: ' "$work/err")" -ge 2
check "validate missing file" status 2 "$ms" validate "$work/nope.yaml"

# explain: the worked example S7294443 of hunan.worked.md, step by step.
check "explain" status 0 "$ms" explain --in "$golden/hunan.stays.jsonl" --stay-id S7294443
check "explain shows channel names" grep -q '城乡居民基本医疗保险' "$work/out"
check "explain cites rule lines" grep -q 'hunan.yaml:[0-9]' "$work/out"
check "explain shows what the patient pays" grep -q 'patient pays (psn_part_amt) *107.29' "$work/out"
check "explain --json" status 0 "$ms" explain --in "$golden/hunan.stays.jsonl" --stay-id S7294443 --json
check "explain --json has steps" grep -q '"steps":\[{' "$work/out"
check "explain unknown stay" status 2 "$ms" explain --in "$golden/hunan.stays.jsonl" --stay-id NOPE
check "explain rejected stay" status 1 "$ms" explain --in "$golden/hunan.stays.jsonl" --stay-id S5422380

# Ids cannot attack the terminal (issue #18, item 9): a stay whose id holds
# ESC [ 2 J (clear the screen) is explained and named with the escape
# written out, and settles to CSV as one quoted cell; a NUL in an id cannot
# be carried by CSV: exit 2, nothing written.
python3 -c 'import json, sys
s = json.loads(open(sys.argv[1], encoding="utf-8").readline())
s["stay_id"] = "S\x1b[2J"; print(json.dumps(s))
s["stay_id"] = "N\x00UL"; s["person_id"] = "P-nul"; print(json.dumps(s))' "$golden/hunan.stays.jsonl" > "$work/esc.jsonl"
# no_escape_in FILE TEXT: FILE holds no ESC byte, and TEXT literally.
no_escape_in() { ! grep -q $'\x1b' "$1" && grep -qF "$2" "$1"; }
check "explain escapes the id" status 0 "$ms" explain --in "$work/esc.jsonl" --stay-id $'S\x1b[2J'
check "explain output holds no ESC" no_escape_in "$work/out" 'S\x1b[2J'
check "unknown id escaped in the message" status 2 "$ms" explain --in "$work/esc.jsonl" --stay-id $'X\x1b[2J'
check "message holds no ESC" no_escape_in "$work/err" 'X\x1b[2J'
head -n 1 "$work/esc.jsonl" > "$work/esc1.jsonl"
check "CSV quotes a control character" status 0 "$ms" settle --in "$work/esc1.jsonl" --format csv --out "$work/esc.csv"
check "CSV cell quoted" grep -q $'^"S\x1b\\[2J",' "$work/esc.csv"
echo keep > "$work/nul.csv"
check "CSV refuses a NUL" status 2 "$ms" settle --in "$work/esc.jsonl" --format csv --out "$work/nul.csv"
check "CSV refusal names the cell" grep -q "NUL character" "$work/err"
check "CSV refusal leaves --out as it was" grep -qx keep "$work/nul.csv"

if [ "$fails" -ne 0 ]; then echo "$fails failed"; exit 1; fi
echo "all passed"
