#!/usr/bin/env bash
# End-to-end: the installed command in Chinese and English (issue #16 item 1,
# po/zh_CN.po). --lang before and after the subcommand, the locale
# (LANG=zh_CN.UTF-8, whether or not the machine has generated that locale),
# --help, a rejection, a rule-file diagnostic, the JSON outputs (English
# messages unless --lang is given), and English unchanged.
# Usage: i18n_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
golden="$src/tests/golden"
has() {  # has FILE TEXT: FILE holds this exact line
  grep -qxF -- "$2" "$1" || { echo "  wanted: $2"; sed 's/^/  | /' "$1" | head -5; return 1; }
}
contains() {  # contains FILE TEXT: FILE holds this text
  grep -qF -- "$2" "$1" || { echo "  wanted: $2"; sed 's/^/  | /' "$1" | head -5; return 1; }
}
# Runs the installed command in a clean environment: no locale variable but those given.
in_env() { env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LANG -u MEDSETTLE_LOCALEDIR "$@"; }
zh() { in_env LANG=zh_CN.UTF-8 "$@"; }
c() { in_env LANG=C "$@"; }

check "the catalogue is installed" test -f "$work/prefix/share/locale/zh_CN/LC_MESSAGES/medsettle.mo"
if locale -a 2>/dev/null | grep -qi '^zh_CN'; then
  echo "note: this machine has a zh_CN locale; LANG=zh_CN.UTF-8 is tested with it"
else
  echo "note: this machine has no zh_CN locale generated; LANG=zh_CN.UTF-8 must work without it"
fi

# --help: the main help and a subcommand's, --lang before or after the subcommand, or the locale.
check "--lang zh --help" status 0 c "$ms" --lang zh --help
check "main help in Chinese" contains "$work/out" "medsettle：住院一站式结算，按支付方顺序逐级计算，精确到分。"
check "settle --help --lang zh (after the subcommand)" status 0 c "$ms" settle --help --lang zh
check "settle help in Chinese" contains "$work/out" "结算一批住院：结算结果写到 --out，拒绝记录写到 --errors"
check "settle help: --bom in Chinese" contains "$work/out" "CSV：以 UTF-8 字节顺序标记（BOM）开头"
check "settle help: CLI11's usage line in Chinese" has "$work/out" "用法: medsettle settle [选项]"
check "settle help: the options heading in Chinese" has "$work/out" "选项:"
check "settle help: -h in Chinese" grep -qE '^  -h,--help +显示此帮助信息并退出$' "$work/out"
check "settle help: the example in Chinese" has "$work/out" "示例："
check "main help: the subcommands heading in Chinese" status 0 c "$ms" --help --lang zh
check "main help: 子命令:" has "$work/out" "子命令:"
check "--lang=zh validate --help" status 0 c "$ms" --lang=zh validate --help
check "validate help in Chinese" contains "$work/out" "检查规则文件；每个错误输出为 file:line:column: message"
check "LANG=zh_CN.UTF-8 replay --help" status 0 zh "$ms" replay --help
check "replay help in Chinese by the locale" contains "$work/out" "重算已记录的结算，按字段和渠道报告差异"
check "LANGUAGE=zh_CN with LANG=en_US.UTF-8 (gettext's order)" status 0 in_env LANG=en_US.UTF-8 LANGUAGE=zh_CN "$ms" show --help
check "show help in Chinese by LANGUAGE" contains "$work/out" "显示某日期生效的参数"
check "LANG=C --help is English" status 0 c "$ms" --help
check "main help in English" contains "$work/out" "medsettle: one-stop settlement of inpatient stays across a chain of payers, exact to the fen."
check "no Chinese in the English help" test "$(grep -c '住院' "$work/out")" -eq 0
check "--lang en beats LANG=zh_CN.UTF-8" status 0 zh "$ms" --lang en settle --help
check "settle help in English" contains "$work/out" "Settle a batch of stays: settlements to --out, rejections to --errors"
check "settle help: CLI11's words in English" test "$(sed -n '2,5p' "$work/out")" = "$(printf 'Usage: medsettle settle [OPTIONS]\n\nOptions:\n  -h,--help                   Print this help message and exit')"
check "--lang fr: usage error" status 2 c "$ms" --lang fr --help
check "--lang fr: says so" has "$work/err" "medsettle: --lang: 'fr' (zh or en)"

# A rule-file diagnostic: a disease group that lists another group (line 6, column 22).
printf 'medsettle: 1\nid: t\nclass_b_selfpay: 0.10\ndisease_groups:\n  major: [N18]\n  cancers: [C00-C97, major]\n' > "$work/group.yaml"
printf 'versions:\n  - from: 2020-01-01\n    channels:\n      - id: basic\n        name: Basic\n        kind: coinsurance\n        fund_pay_type: "390100"\n        reports_as: hifp_pay\n        base: [in_scope]\n        period: stay\n        deductible: 500\n        rate: 0.75\n' >> "$work/group.yaml"
zh_group="$work/group.yaml:6:22: “major”是病种组，不是 ICD-10 编码：病种组不能包含病种组；请在此列出其编码，或在条件中同时写出两个病种组（any_diagnosis: [cancers, major]）"
en_group="$work/group.yaml:6:22: 'major' is a disease group, not an ICD-10 code: a group cannot contain a group; list its codes here, or name both groups in the condition (any_diagnosis: [cancers, major])"
check "diagnostic --lang zh: exit 2" status 2 c "$ms" validate "$work/group.yaml" --lang zh
check "diagnostic --lang zh: in Chinese" has "$work/err" "$zh_group"
check "diagnostic --lang zh: the count in Chinese" has "$work/err" "$work/group.yaml：1 处错误"
check "diagnostic LANG=zh_CN.UTF-8: exit 2" status 2 zh "$ms" validate "$work/group.yaml"
check "diagnostic LANG=zh_CN.UTF-8: in Chinese" has "$work/err" "$zh_group"
check "diagnostic LANG=C: exit 2" status 2 c "$ms" validate "$work/group.yaml"
check "diagnostic LANG=C: in English" has "$work/err" "$en_group"
cp "$work/err" "$work/group.c.err"
check "diagnostic --lang en under LANG=zh_CN.UTF-8" status 2 zh "$ms" --lang en validate "$work/group.yaml"
check "diagnostic: --lang en = LANG=C, byte for byte" cmp -s "$work/err" "$work/group.c.err"
check "validate ok in Chinese" status 0 c "$ms" validate "$src/rules/hunan.yaml" --lang zh
check "validate ok: the summary in Chinese" grep -qE "^$src/rules/hunan.yaml：正确：规则集 hunan，2 个版本（2017-07-01, 2019-01-01），6 个渠道，sha256:[0-9a-f]{64}\$" "$work/out"
check "validate ok in English" status 0 c "$ms" validate "$src/rules/hunan.yaml"
check "validate ok: the summary in English" grep -qE "^$src/rules/hunan.yaml: ok: rule set hunan, 2 versions \(2017-07-01, 2019-01-01\), 6 channels, sha256:[0-9a-f]{64}\$" "$work/out"

# A rejection (tests/golden/hunan.stays.jsonl line 4: S5422380, bad_amount at fees[2].amount).
# JSON keeps its keys, codes and fields; its message is Chinese only with --lang zh.
rejection() {  # rejection FILE: the S5422380 line's code, field and message, tab-separated
  python3 -c 'import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l)
    if r["stay_id"] == "S5422380":
        e = r["error"]; print(e["code"], e["field"], e["message"], sep="\t")' "$1"
}
check "settle --lang zh: exit 1" status 1 c "$ms" settle --lang zh --in "$golden/hunan.stays.jsonl" --out "$work/zh.out" --errors "$work/zh.errors"
check "settle --lang zh: the summary in Chinese" has "$work/err" "读取 49，结算 40，拒绝 9"
check "settle --lang zh: the rejection's message in Chinese, code and field English" \
  test "$(rejection "$work/zh.errors")" = "$(printf 'bad_amount\tfees[2].amount\tfees[2].amount：小数超过 2 位：“123.456”')"
check "settle LANG=zh_CN.UTF-8: exit 1" status 1 zh "$ms" settle --in "$golden/hunan.stays.jsonl" --out "$work/loc.out" --errors "$work/loc.errors"
check "settle LANG=zh_CN.UTF-8: the summary in Chinese" has "$work/err" "读取 49，结算 40，拒绝 9"
check "settle LANG=C: exit 1" status 1 c "$ms" settle --in "$golden/hunan.stays.jsonl" --out "$work/c.out" --errors "$work/c.errors"
check "settle LANG=C: the summary in English" has "$work/err" "read 49, settled 40, rejected 9"
check "settle LANG=C: the rejection in English" \
  test "$(rejection "$work/c.errors")" = "$(printf "bad_amount\tfees[2].amount\tfees[2].amount: more than 2 fractional digits: '123.456'")"
check "JSON rejections under the locale alone stay English (= LANG=C)" cmp -s "$work/loc.errors" "$work/c.errors"
check "settlements do not depend on the language" cmp -s "$work/zh.out" "$work/c.out"
check "settlements do not depend on the locale" cmp -s "$work/loc.out" "$work/c.out"
check "the rejections are the golden ones (stay, line, code, field)" python3 -c 'import json, sys
facts = lambda f: [(r["stay_id"], r["line"], r["error"]["code"], r["error"]["field"])
                   for r in map(json.loads, open(f, encoding="utf-8"))]
assert facts(sys.argv[1]) == facts(sys.argv[2])' "$work/c.errors" "$golden/hunan.errors.jsonl"

# explain: the text follows the locale; --json keeps English messages unless --lang is given.
check "explain --lang zh" status 0 c "$ms" explain --lang zh --in "$golden/hunan.stays.jsonl" --stay-id S7294443
check "explain: the patient's share in Chinese" contains "$work/out" "个人负担 107.29（政策范围内 in_scope 0.00 + 先行自付 pre_selfpay 17.06"
check "explain: a heading in Chinese" contains "$work/out" "个人负担 (psn_part_amt)"
check "explain --json LANG=zh_CN.UTF-8" status 0 zh "$ms" explain --json --in "$golden/hunan.stays.jsonl" --stay-id S7294443
cp "$work/out" "$work/explain.loc.json"
check "explain --json LANG=C" status 0 c "$ms" explain --json --in "$golden/hunan.stays.jsonl" --stay-id S7294443
check "explain --json under the locale alone = LANG=C" cmp -s "$work/out" "$work/explain.loc.json"
check "explain --json in English" contains "$work/out" "patient pays 107.29"
check "explain --json --lang zh" status 0 c "$ms" explain --json --lang zh --in "$golden/hunan.stays.jsonl" --stay-id S7294443
check "explain --json --lang zh: Chinese messages" contains "$work/out" "个人负担 107.29"
check "explain --json --lang zh: English keys" python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert "steps" in json.dumps(d) or d' "$work/out"

# A usage error of the command itself, in Chinese.
check "--as-of not a date --lang zh" status 2 c "$ms" show "$src/rules/hunan.yaml" --as-of 2019-13-01 --lang zh
check "--as-of not a date: in Chinese" contains "$work/err" "“2019-13-01”不是日期（YYYY-MM-DD）"
finish
