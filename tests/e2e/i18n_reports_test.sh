#!/usr/bin/env bash
# End-to-end: the reports of the installed command in Chinese and English
# (issue #16): compare (text and HTML), show, diff, explain's attributes, and
# CLI11's parse errors. Chinese by --lang zh or the locale, whatever locales
# the machine has; English unchanged by LANG=C and --lang en; JSON the same
# in both languages.
# Usage: i18n_reports_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
golden="$src/tests/golden"
hunan="$src/rules/hunan.yaml"
has() {  # has FILE TEXT: FILE holds this exact line
  grep -qxF -- "$2" "$1" || { echo "  wanted: $2"; sed 's/^/  | /' "$1" | head -8; return 1; }
}
contains() {  # contains FILE TEXT: FILE holds this text
  grep -qF -- "$2" "$1" || { echo "  wanted: $2"; sed 's/^/  | /' "$1" | head -8; return 1; }
}
lacks() {  # lacks FILE REGEX: no line of FILE matches
  ! grep -qE -- "$2" "$1" || { echo "  unwanted /$2/:"; grep -E -- "$2" "$1" | head -3 | sed 's/^/  | /'; return 1; }
}
in_env() { env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LANG -u MEDSETTLE_LOCALEDIR "$@"; }
zh() { in_env LANG=zh_CN.UTF-8 "$@"; }
c() { in_env LANG=C "$@"; }
# aligned FILE HEADING-REGEX WORD ROW-REGEX CELL [start]: in the first lines
# matching HEADING-REGEX and ROW-REGEX, WORD and CELL end (or start) in the
# same terminal column (CJK characters take two): the heading sits over its column.
aligned() {
  python3 - "$@" <<'PY' || { sed 's/^/  | /' "$1" | head -3; return 1; }
import re, sys, unicodedata
path, head_re, word, row_re, cell = sys.argv[1:6]
start = sys.argv[6:] == ["start"]
width = lambda s: sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
lines = open(path, encoding="utf-8").read().split("\n")
def end(pattern, text):
    for line in lines:
        if re.search(pattern, line):
            at = line.find(text)
            if at < 0:
                sys.exit(f"  no '{text}' in: {line}")
            return width(line[: at if start else at + len(text)]), line
    sys.exit(f"  no line matches /{pattern}/")
(h, hl), (r, rl) = end(head_re, word), end(row_re, cell)
if h != r:
    sys.exit(f"  '{word}' and '{cell}' at columns {h} and {r}:\n  | {hl}\n  | {rl}")
PY
}

# ---- compare: text and HTML --------------------------------------------------
cmp_args=(compare --rules "$hunan" --as-of-a 2018-06-30 --against "$hunan" --as-of-b 2019-06-30 --in "$golden/hunan.stays.jsonl")
check "compare --lang zh: exit 0" status 0 c "$ms" --lang zh "${cmp_args[@]}" --html "$work/zh.html" --diff "$work/zh.diff"
cp "$work/out" "$work/compare.zh"
check "compare zh: the title" has "$work/compare.zh" "medsettle 政策测算：A 对比 B"
check "compare zh: as of" contains "$work/compare.zh" "湖南省健康扶贫 三提高、两补贴、一减免、一兜底, 适用日期 2018-06-30"
check "compare zh: versions applied" grep -qE '^     适用的版本：2017-07-01（40 次住院）；摘要 sha256:[0-9a-f]{64}$' "$work/compare.zh"
check "compare zh: the counts" has "$work/compare.zh" "  住院：读取 49；结算 A 40，B 40；拒绝 A 9，B 9（两者 9，仅 A 0，仅 B 0）；配对 40；结算变化 13"
check "compare zh: rejected stays left out" has "$work/compare.zh" "  （被拒绝的住院不计入以下任何数字）"
check "compare zh: the fields heading" has "$work/compare.zh" "结算字段（元，配对住院）"
check "compare zh: the channels heading" has "$work/compare.zh" "各渠道支付（元，实付，配对住院）"
check "compare zh: the ratio heading" has "$work/compare.zh" "报销比例（1 - 个人负担 / 医疗费总额，配对住院）"
check "compare zh: by hospital level" has "$work/compare.zh" "  按医院等级"
check "compare zh: the distribution heading" has "$work/compare.zh" "个人负担（psn_part_amt，元；最近秩百分位数；超过阈值的人次）"
check "compare zh: the persons heading" has "$work/compare.zh" "年度个人负担变化最大的人员（按 |B - A| 取前 10 名；7 个人年发生变化，共 28 个人年）"
check "compare zh: field ids stay" grep -qE '^  hifp_pay +402,093\.93 +511,314\.24 +\+109,220\.31 +\+27\.16%  基本医保统筹基金支出$' "$work/compare.zh"
check "compare zh: the fields' columns line up (CJK is two columns)" aligned "$work/compare.zh" '^  字段 ' '变化' '^  medfee_sumamt ' '0.00%'
check "compare zh: the channels' columns line up" aligned "$work/compare.zh" '^  渠道 ' '变化' '^  basic ' '+27.16%'
check "compare zh: the patient's row lines up" aligned "$work/compare.zh" '^  （个人负担） ' '-1.89%' '^  psn_part_amt ' '-1.89%'
check "compare zh: the ratios' columns line up" aligned "$work/compare.zh" '^    分组 ' '住院人次' '^    overall ' '40'
check "compare zh: the ratios' last column" aligned "$work/compare.zh" '^    分组 ' '变化' '^    overall ' '+0.29 pp'
check "compare zh: the persons' columns line up" aligned "$work/compare.zh" '^  人员 ' '住院人次' '^  P001721 ' '2020        1'
check "compare zh: the persons' last column" aligned "$work/compare.zh" '^  人员 ' '变化' '^  P001721 ' '-32.08%'
check "compare zh: the distribution's rows" aligned "$work/compare.zh" '^  每次住院 ' '1,188.42' '^  每人年 ' '2,053.30'
check "compare zh: no English heading left" lacks "$work/compare.zh" 'Settlement fields|Funding by channel|Reimbursement ratio|What patients pay|Persons whose|versions applied|stays: read'
check "compare zh HTML: the h1" contains "$work/zh.html" "<h1>medsettle 政策测算：A 对比 B</h1>"
check "compare zh HTML: the title" contains "$work/zh.html" "<title>medsettle 政策测算：hunan 适用日期 2018-06-30 对比 hunan 适用日期 2019-06-30</title>"
for h2 in 不同的参数 结算合计 各渠道支付 个人负担 按人员身份的报销比例 按医院等级的报销比例 按就医地的报销比例 个人负担变化最大的人员; do
  check "compare zh HTML: <h2>$h2</h2>" contains "$work/zh.html" "<h2>$h2</h2>"
done
check "compare zh HTML: the counts" contains "$work/zh.html" "读取住院 49；配对（两者均结算）40；A 下拒绝 9，B 下拒绝 9"
check "compare zh HTML: a table heading" contains "$work/zh.html" "<th>字段</th><th></th><th class=\"num\">A（元）</th><th class=\"num\">B（元）</th>"
check "compare zh HTML: the parameters section" contains "$work/zh.html" "A：hunan 版本 2017-07-01；B：hunan 版本 2019-01-01。"
check "compare zh HTML: the footer" contains "$work/zh.html" "<footer>由 medsettle compare 生成。"
check "compare zh HTML: no English heading left" lacks "$work/zh.html" '<h2>[A-Za-z]'
check "compare LANG=zh_CN.UTF-8: exit 0" status 0 zh "$ms" "${cmp_args[@]}" --html "$work/loc.html" --diff "$work/loc.diff"
check "compare by the locale = --lang zh (text)" cmp -s "$work/out" "$work/compare.zh"
check "compare by the locale = --lang zh (HTML)" cmp -s "$work/loc.html" "$work/zh.html"
check "compare LANG=C: exit 0" status 0 c "$ms" "${cmp_args[@]}" --html "$work/en.html" --diff "$work/en.diff"
cp "$work/out" "$work/compare.en"
check "compare en: the title" has "$work/compare.en" "medsettle what-if: A vs B"
check "compare en: the counts" has "$work/compare.en" "  stays: read 49; settled A 40, B 40; rejected A 9, B 9 (both 9, only A 0, only B 0); paired 40; settlement changed 13"
check "compare en: the fields heading" has "$work/compare.en" "Settlement fields (yuan, paired stays)"
check "compare en: the persons heading" has "$work/compare.en" "Persons whose yearly payment changes most (top 10 by |B - A|; 7 of 28 person-years change)"
check "compare en: the columns line up" aligned "$work/compare.en" '^  field ' 'change' '^  medfee_sumamt ' '0.00%'
check "compare en: no Chinese heading" lacks "$work/compare.en" '政策测算|结算字段|各渠道支付'
check "compare en HTML: the h1" contains "$work/en.html" "<h1>medsettle what-if: A vs B</h1>"
check "compare en HTML: <h2>Settlement totals</h2>" contains "$work/en.html" "<h2>Settlement totals</h2>"
check "compare en HTML: <h2>Parameters that differ</h2>" contains "$work/en.html" "<h2>Parameters that differ</h2>"
check "compare --lang en under LANG=zh_CN.UTF-8 = LANG=C" status 0 zh "$ms" --lang en "${cmp_args[@]}"
check "compare --lang en: byte for byte" cmp -s "$work/out" "$work/compare.en"
check "compare --diff JSON Lines do not depend on the language" cmp -s "$work/zh.diff" "$work/en.diff"
check "compare: the figures do not depend on the language" \
  test "$(grep -c '1,220,320.49' "$work/compare.zh")" -eq "$(grep -c '1,220,320.49' "$work/compare.en")"

# ---- show ------------------------------------------------------------------------
check "show --lang zh: exit 0" status 0 c "$ms" show "$hunan" --as-of 2019-06-30 --lang zh
check "show zh: the rule set" has "$work/out" "规则集 hunan：湖南省健康扶贫 三提高、两补贴、一减免、一兜底"
check "show zh: the file" grep -qE "^文件 $hunan，sha256:[0-9a-f]{64}\$" "$work/out"
check "show zh: the version in force" grep -qE '^版本 2019-01-01，生效 2019-01-01 至 2020-12-31（适用日期 2019-06-30）; .*hunan\.yaml:149  illustrative' "$work/out"
check "show zh: the table heading" grep -qE '^  参数 +值 +出处 +依据$' "$work/out"
check "show zh: a channel" grep -qE '^渠道 basic（城乡居民基本医疗保险），.*hunan\.yaml:38$' "$work/out"
check "show zh: parameter ids and values stay" grep -qE '^  cap_year +200000\.00 +.*hunan\.yaml:153 +illustrative$' "$work/out"
check "show zh: the values' column" aligned "$work/out" '^  参数 +值 +出处 +依据$' '值' '^  rounding ' 'half_up' start
check "show zh: the citations' column" aligned "$work/out" '^  参数 +值 +出处 +依据$' '出处' '^  rounding ' "$hunan:9" start
check "show LANG=zh_CN.UTF-8: exit 0" status 0 zh "$ms" show "$hunan" --as-of 2019-06-30
check "show by the locale: Chinese" grep -qE '^  参数 +值 +出处 +依据$' "$work/out"
check "show LANG=C: exit 0" status 0 c "$ms" show "$hunan" --as-of 2019-06-30
check "show en: the version in force" grep -qE '^version 2019-01-01, in force 2019-01-01 to 2020-12-31 \(as of 2019-06-30\); ' "$work/out"
check "show en: the table heading" grep -qE '^  parameter +value +cited +source$' "$work/out"
check "show en: a channel" grep -qE '^channel basic \(城乡居民基本医疗保险\), .*hunan\.yaml:38$' "$work/out"
check "show --json LANG=zh_CN.UTF-8" status 0 zh "$ms" show "$hunan" --as-of 2019-06-30 --json
cp "$work/out" "$work/show.loc.json"
check "show --json --lang zh" status 0 c "$ms" show "$hunan" --as-of 2019-06-30 --json --lang zh
check "show --json: the same in both languages" cmp -s "$work/out" "$work/show.loc.json"

# ---- diff ------------------------------------------------------------------------
check "diff --lang zh: exit 0" status 0 c "$ms" --lang zh diff "$hunan@2018-06-30" "$hunan@2019-06-30"
check "diff zh: side A" grep -qE '^A  hunan \(.*hunan\.yaml\) 版本 2017-07-01，生效 2017-07-01 至 2018-12-31（适用日期 2018-06-30）; sha256:' "$work/out"
check "diff zh: how many differ" has "$work/out" "2 个参数不同"
check "diff zh: a change, ids as they are" has "$work/out" "  basic.cap_year"
check "diff zh: its values" grep -qE '^    B  200000\.00  .*hunan\.yaml:153  illustrative$' "$work/out"
check "diff zh: an absent side" status 0 c "$ms" --lang zh diff "$hunan" "$src/rules/zhuzhou.yaml" --as-of 2019-06-30
check "diff zh: (absent)" grep -qE '^    [AB]  （无）$' "$work/out"
check "diff zh: the count" grep -qE '^[0-9]+ 个参数不同$' "$work/out"
check "diff zh: nothing differs" status 0 c "$ms" --lang zh diff "$hunan@2019-06-30" "$hunan@2020-06-30"
check "diff zh: 没有参数不同" has "$work/out" "没有参数不同"
check "diff LANG=C: exit 0" status 0 c "$ms" diff "$hunan@2018-06-30" "$hunan@2019-06-30"
check "diff en: how many differ" has "$work/out" "2 parameters differ"
check "diff en: nothing differs" status 0 c "$ms" diff "$hunan@2019-06-30" "$hunan@2020-06-30"
check "diff en: no parameter differs" has "$work/out" "no parameter differs"
check "diff --json LANG=zh_CN.UTF-8" status 0 zh "$ms" diff "$hunan@2018-06-30" "$hunan@2019-06-30" --json
cp "$work/out" "$work/diff.loc.json"
check "diff --json LANG=C" status 0 c "$ms" diff "$hunan@2018-06-30" "$hunan@2019-06-30" --json
check "diff --json: the same in both languages" cmp -s "$work/out" "$work/diff.loc.json"

# ---- explain: the stay's attributes ----------------------------------------------
explain=(explain --in "$golden/hunan.stays.jsonl" --stay-id S7294443)
check "explain --lang zh: exit 0" status 0 c "$ms" --lang zh "${explain[@]}"
check "explain zh: the heading" has "$work/out" "住院属性"
check "explain zh: hospital level" has "$work/out" "  医院等级        township"
check "explain zh: region" has "$work/out" "  就医地          in_county"
check "explain zh: insurance" has "$work/out" "  险种            resident"
check "explain zh: identities" has "$work/out" "  人员身份        registered_poor"
check "explain zh: category" has "$work/out" "  救助类别        I"
check "explain zh: age" has "$work/out" "  年龄            74"
check "explain zh: flags" has "$work/out" "  标志            -"
check "explain zh: diagnoses" has "$work/out" "  诊断            E11.9, N39.0, K35.8, O80"
check "explain zh: admitted, discharged" has "$work/out" "  出院日期        2020-07-23"
check "explain zh: the attribute that chose a value" contains "$work/out" "医院等级 township → basic：起付线 200.00"
check "explain zh: no English attribute name" lacks "$work/out" '^  (hospital_level|region|identities|category|age|flags) '
check "explain LANG=C: exit 0" status 0 c "$ms" "${explain[@]}"
check "explain en: the heading" has "$work/out" "stay attributes"
check "explain en: hospital level" has "$work/out" "  hospital_level  township"
check "explain en: identities" has "$work/out" "  identities      registered_poor"
check "explain en: age" has "$work/out" "  age             74"
check "explain en: the attribute that chose a value" contains "$work/out" "hospital_level township → basic: deductible 200.00"

# ---- CLI11's parse errors --------------------------------------------------------
# parse_error LABEL ZH-MESSAGE EN-MESSAGE ARGS...: exit 2 in both languages, each its message.
parse_error() {
  local label=$1 zh_msg=$2 en_msg=$3; shift 3
  check "$label --lang zh: exit 2" status 2 c "$ms" --lang zh "$@"
  check "$label --lang zh: in Chinese" has "$work/err" "medsettle: $zh_msg"
  check "$label --lang zh: how to get help" has "$work/err" "使用 --help 查看更多信息。"
  check "$label LANG=zh_CN.UTF-8: in Chinese" status 2 zh "$ms" "$@"
  check "$label LANG=zh_CN.UTF-8: the same message" has "$work/err" "medsettle: $zh_msg"
  check "$label LANG=C: exit 2" status 2 c "$ms" "$@"
  check "$label LANG=C: CLI11's English" has "$work/err" "$en_msg"
  check "$label LANG=C: how to get help" has "$work/err" "Run with --help for more information."
}
parse_error "missing required option" "缺少必需的 --against" "--against is required" compare --in "$golden/hunan.stays.jsonl"
parse_error "missing positional" "缺少必需的 b" "b is required" diff "$hunan"
parse_error "unknown option" "未知选项：--bogus" "The following argument was not expected: --bogus" settle --bogus
parse_error "extra argument" "多余的参数：extra" "The following argument was not expected: extra" show "$hunan" extra
parse_error "value out of range" "--top：5000000 不在 0 到 1000000 的范围内" "--top: Value 5000000 not in range 0 to 1000000" \
  compare --against "$hunan" --top 5000000
parse_error "value not allowed" "--in-format：“xml”不是 jsonl,csv 之一" "--in-format: xml not in {jsonl,csv}" \
  compare --against "$hunan" --in-format xml
parse_error "option without its value" "--in 需要一个值" "--in: 1 required TEXT missing" settle --in
parse_error "no subcommand" "需要一个子命令（settle、explain、validate 等）" "A subcommand is required"
check "--help --lang zh still exit 0" status 0 c "$ms" compare --help --lang zh
check "--help --lang zh: the usage line in Chinese" has "$work/out" "用法: medsettle compare [选项]"
finish
