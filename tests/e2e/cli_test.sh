#!/usr/bin/env bash
# End-to-end tests of the installed medsettle command: settle, explain,
# validate, --help, --version, exit statuses and awkward inputs.
# Usage: cli_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
golden="$src/tests/golden"

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
done
# The default rule set is hunan.
"$ms" settle --in "$golden/hunan.stays.jsonl" --errors /dev/null > "$work/default.out" || true
check "default rule set is hunan" cmp -s "$work/default.out" <("$ms" settle --rules "$src/rules/hunan.yaml" --in "$golden/hunan.stays.jsonl" --errors /dev/null || true)
# Standard input and output.
check "settle reads stdin" status 1 sh -c "'$ms' settle < '$golden/hunan.stays.jsonl'"
check "stdin gives the same settlements" cmp -s "$work/out" "$work/default.out"
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
"$ms" settle --in "$work/crlf.jsonl" --errors /dev/null > "$work/crlf.out" || true
check "CRLF input" cmp -s "$work/crlf.out" "$work/default.out"
# CSV out: a header and one row per settlement.
"$ms" settle --in "$golden/hunan.stays.jsonl" --format csv --errors /dev/null > "$work/out.csv" || true
check "CSV out header" grep -q '^stay_id,person_id,rules,version,digest,medfee_sumamt,.*,basic_paid,critical_illness_paid' "$work/out.csv"
check "CSV out rows" test "$(wc -l < "$work/out.csv")" -eq $(( $(wc -l < "$golden/hunan.expected.jsonl") + 1 ))
# --itemize: the worked example S7294443's backstop took 8.38 from in_scope and 8.87 from pre_selfpay
# (hunan.worked.md: X = 17.25); the plain fields are unchanged.
"$ms" settle --itemize --in "$golden/hunan.stays.jsonl" --errors /dev/null > "$work/item.out" || true
check "itemize adds the itemization" grep -q '"id":"backstop","computed":"17.25","limited_by":"none","bands":\[\],"taken":{"in_scope":"8.38","pre_selfpay":"8.87"' "$work/item.out"
check "itemize keeps the settlement" cmp -s <(sed 's/,"itemization":.*}$/}/' "$work/item.out") "$work/default.out"
check "itemize needs JSON Lines" status 2 "$ms" settle --itemize --format csv --in "$golden/hunan.stays.jsonl"
# Threads do not change the output.
"$ms" settle --in "$golden/hunan.stays.jsonl" --threads 1 --errors /dev/null > "$work/t1.out" || true
"$ms" settle --in "$golden/hunan.stays.jsonl" --threads 4 --errors /dev/null > "$work/t4.out" || true
check "threads 1 = threads 4" cmp -s "$work/t1.out" "$work/t4.out"
# A larger input, whose waves are formatted on several threads (a slice
# each, from 2,048 outcomes): settlements and rejections in input order,
# byte for byte as with one thread, streaming and read whole, JSON and CSV.
"$ms" generate --persons 6000 --seed 11 --year 2019 --out "$work/big.jsonl" 2>/dev/null
awk 'NR % 997 == 0 { print "{\"stay_id\": \"bad" NR "\"}" } { print }' "$work/big.jsonl" > "$work/big2.jsonl"
for mode in stream whole; do
  for fmt in jsonl csv; do
    for t in 1 3; do
      "$ms" settle --in "$work/big2.jsonl" --mode "$mode" --threads "$t" --format "$fmt" \
        --out "$work/big.$mode.$fmt.$t" --errors "$work/big.$mode.$fmt.$t.err" 2>/dev/null || true
    done
    check "big $mode $fmt: threads 1 = threads 3" cmp -s "$work/big.$mode.$fmt.1" "$work/big.$mode.$fmt.3"
    check "big $mode $fmt: rejections, threads 1 = threads 3" cmp -s "$work/big.$mode.$fmt.1.err" "$work/big.$mode.$fmt.3.err"
  done
done
check "big: every record out" test $(( $(wc -l < "$work/big.stream.jsonl.1") + $(wc -l < "$work/big.stream.jsonl.1.err") )) -eq "$(wc -l < "$work/big2.jsonl")"
check "big: rejections in input order" cmp -s <(grep -o '"line":[0-9]*' "$work/big.stream.jsonl.3.err") <(grep -o '"line":[0-9]*' "$work/big.stream.jsonl.3.err" | sort -t: -k2 -n)
check "big: stream = whole" cmp -s "$work/big.stream.jsonl.3" "$work/big.whole.jsonl.3"
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

if [ "$fails" -ne 0 ]; then echo "$fails failed"; exit 1; fi
echo "all passed"
