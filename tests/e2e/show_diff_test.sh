#!/usr/bin/env bash
# End-to-end: `medsettle show` and `medsettle diff` of the installed command,
# text and JSON, and the "parameters that differ" section of compare --html.
# Every check asserts the exit status first, then the output. The expected
# values are hunan.yaml's: version 2019-01-01 (line 149) changes basic's
# cap_year 150000 (line 59) to 200000 (line 153) and critical_illness'
# deductible 12000 (line 75) to 10000 (line 155), both `illustrative`.
# Usage: show_diff_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
hunan="$src/rules/hunan.yaml"
out_has() {  # out_has REGEX: a line of standard output matches
  grep -qE -- "$1" "$work/out" || { echo "  wanted /$1/ in:"; sed 's/^/  | /' "$work/out" | head -12; return 1; }
}
json() {  # json PYTHON-EXPRESSION: true on the JSON of standard output (as `d`)
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" "$work/out" ||
    { echo "  not true: $1"; head -c 400 "$work/out"; echo; return 1; }
}

for sub in show diff; do
  check "help $sub" status 0 "$ms" "$sub" --help
  check "help $sub has an example" out_has 'Example'
done

# show: the version in force on 2019-06-30, every parameter with its line and source.
check "show: exit 0" status 0 "$ms" show "$hunan" --as-of 2019-06-30
check "show: the version and when it is in force" out_has '^version 2019-01-01, in force 2019-01-01 to 2020-12-31 \(as of 2019-06-30\); .*hunan.yaml:149  illustrative'
check "show: basic's cap_year after the changes" out_has '^  cap_year +200000\.00 +.*hunan\.yaml:153 +illustrative$'
check "show: a value per level, its own line" out_has '^  deductible\.county +500\.00 +.*hunan\.yaml:48 +illustrative$'
check "show --json: exit 0" status 0 "$ms" show "$hunan" --as-of 2019-06-30 --json
check "show --json: the version" json 'd["version"] == "2019-01-01" and d["to"] == "2020-12-31" and d["as_of"] == "2019-06-30"'
check "show --json: basic's cap_year" json '[(p["value"], p["line"], p["source"]) for p in d["channels"][0]["parameters"] if p["name"] == "cap_year"] == [("200000.00", 153, "illustrative")]'
check "show --json: per level" json '[p["value"] for p in d["channels"][0]["parameters"] if p["name"] == "deductible"] == ["100.00", "200.00", "500.00", "800.00", "1500.00"]'
check "show: no version in force is exit 2" status 2 "$ms" show "$hunan" --as-of 2016-05-01
check "show: says when the versions run" grep -qF 'no version of rule set hunan is in force on 2016-05-01; its versions run from 2017-07-01 to 2020-12-31' "$work/err"

# diff: two versions of one file (FILE@DATE).
check "diff versions: exit 0" status 0 "$ms" diff "$hunan@2018-06-30" "$hunan@2019-06-30"
check "diff versions: two differ" out_has '^2 parameters differ$'
check "diff versions: cap_year old and new" test "$(grep -A2 '^  basic\.cap_year$' "$work/out" | sed -E 's/ +/ /g' | tail -n 2 | cut -d' ' -f2-3 | tr '\n' '|')" = "A 150000.00|B 200000.00|"
check "diff versions --json: exit 0" status 0 "$ms" diff "$hunan@2018-06-30" "$hunan@2019-06-30" --json
check "diff versions --json: the changes" json '[(c["channel"], c["parameter"], c["a"]["value"], c["a"]["line"], c["b"]["value"], c["b"]["line"]) for c in d["changes"]] == [("basic", "cap_year", "150000.00", 59, "200000.00", 153), ("critical_illness", "deductible", "12000.00", 75, "10000.00", 155)]'
# diff: two files on one date (--as-of for both sides).
check "diff files: exit 0" status 0 "$ms" diff "$hunan" "$src/rules/zhuzhou.yaml" --as-of 2019-06-30 --json
check "diff files: zhuzhou's basic cap_year is 150000" json '[c["b"]["value"] for c in d["changes"] if c["channel"] == "basic" and c["parameter"] == "cap_year"] == ["150000.00"]'
check "diff a file with itself" status 0 "$ms" diff "$hunan" "$hunan"
check "diff a file with itself: nothing differs" out_has '^no parameter differs$'
printf 'medsettle: 1\nid: x\n' > "$work/bad.yaml"
check "diff a bad file: exit 2" status 2 "$ms" diff "$hunan" "$work/bad.yaml"
check "diff a bad file: its errors" grep -qF "$work/bad.yaml:1:1: the rule file: missing required key 'class_b_selfpay'" "$work/err"

# compare --html: the section of the parameters that differ.
"$ms" generate --persons 50 --seed 2 --year 2019 --out "$work/stays.jsonl" 2>/dev/null
check "compare --html: exit 0" status 0 "$ms" compare --rules "$hunan" --as-of-a 2018-06-30 --against "$hunan" --as-of-b 2019-06-30 --in "$work/stays.jsonl" --html "$work/report.html"
check "compare --html: the section" grep -qF '<h2>Parameters that differ</h2>' "$work/report.html"
check "compare --html: cap_year's row" grep -qF '<td>basic</td><td class="mono">cap_year</td><td><span class="mono">150000.00</span>' "$work/report.html"

finish
