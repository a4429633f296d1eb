#!/usr/bin/env bash
# End-to-end: `medsettle settle --format csv` for spreadsheets (issue #16
# item 7) with the installed command: --bom, --headers zh, --itemize, each
# alone and together, and the plain CSV unchanged without them.
# Usage: csv_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
golden="$src/tests/golden"
digest="sha256:$(sha256sum "$src/rules/hunan.yaml" | cut -d' ' -f1)"
row() { grep "^$2," "$1"; }  # row FILE STAY_ID
settle_csv() {  # settle_csv OUT OPTIONS...: hunan's golden stays (7 of them rejected: exit 1)
  local out=$1; shift
  status 1 env LANG=C "$ms" settle --in "$golden/hunan.stays.jsonl" --errors /dev/null --format csv "$@" --out "$out"
}

# The plain CSV: the 18 fixed columns and <id>_paid per channel. S5493475 (hunan.worked.md):
# T 425403.08 = F 25211.12 + O 0.00 + P 13204.61 + S 386987.35; funds 395191.96; patient 30211.12.
plain_header="stay_id,person_id,rules,version,digest,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,hifp_pay,hifmi_pay,maf_pay,hosp_part_amt,oth_pay,fund_pay_sumamt,psn_part_amt,basic_paid,critical_illness_paid,commercial_paid,medical_aid_paid,hospital_waiver_paid,backstop_paid"
fixed="S5493475,P000033,hunan,2019-01-01,$digest,425403.08,25211.12,0.00,13204.61,386987.35,200.00,200000.00,163788.62,0.00,0.00,31403.34,395191.96,30211.12"
check "plain CSV" settle_csv "$work/plain.csv"
check "plain CSV: the header" test "$(head -1 "$work/plain.csv")" = "$plain_header"
check "plain CSV: S5493475" test "$(row "$work/plain.csv" S5493475)" = "$fixed,200000.00,163788.62,10921.00,0.00,0.00,20482.34"
check "plain CSV: no byte-order mark" test "$(head -c 3 "$work/plain.csv" | od -An -tx1 | tr -d ' ')" = "737461"  # "sta"
check "plain CSV: 40 settlements" test "$(($(wc -l < "$work/plain.csv") - 1))" -eq 40

# --bom: EF BB BF, then the same bytes.
check "--bom" settle_csv "$work/bom.csv" --bom
check "--bom: EF BB BF first" test "$(head -c 3 "$work/bom.csv" | od -An -tx1 | tr -d ' ')" = "efbbbf"
check "--bom: then the plain CSV" cmp -s <(tail -c +4 "$work/bom.csv") "$work/plain.csv"

# --headers zh: the fixed columns in Chinese, the channel ids kept, the rows the same.
zh_header="结算ID,人员编号,规则集,版本,规则集摘要,医疗费总额,全自费金额,超限价自费费用,先行自付金额,符合政策范围金额,实际支付起付线,基本医疗保险统筹基金支出,大病保险资金支出,医疗救助基金支出,医院负担金额,其他支出,基金支付总额,个人负担总金额,basic_paid,critical_illness_paid,commercial_paid,medical_aid_paid,hospital_waiver_paid,backstop_paid"
check "--headers zh" settle_csv "$work/zh.csv" --headers zh
check "--headers zh: the header" test "$(head -1 "$work/zh.csv")" = "$zh_header"
check "--headers zh: the rows unchanged" cmp -s <(tail -n +2 "$work/zh.csv") <(tail -n +2 "$work/plain.csv")
check "--headers en = plain" settle_csv "$work/en.csv" --headers en
check "--headers en: the plain CSV" cmp -s "$work/en.csv" "$work/plain.csv"
check "--headers fr: usage error" status 2 "$ms" settle --in "$golden/hunan.stays.jsonl" --format csv --headers fr

# --itemize: <id>_base, <id>_deductible, <id>_paid per channel (hunan.worked.md, S5493475):
#   basic            B 386987.35, D 200.00 (min(B, 200.00)), paid 200000.00 (cap_year)
#   critical_illness B 386987.35 - 200000.00 = 186987.35, D 10000.00 x 0.5 = 5000.00, paid 163788.62
#   commercial       B S 23198.73 + P 13204.61 = 36403.34, D 0.00, paid 0.30 x 36403.34 = 10921.00
#   medical_aid, hospital_waiver: not eligible: 0.00, 0.00, 0.00
#   backstop         B S 12277.73 + P 13204.61 = 25482.34, D 0.00, paid 25482.34 - 5000.00 = 20482.34
check "--itemize" settle_csv "$work/item.csv" --itemize
check "--itemize: the header" test "$(head -1 "$work/item.csv")" = "${plain_header%%,basic_paid*},basic_base,basic_deductible,basic_paid,critical_illness_base,critical_illness_deductible,critical_illness_paid,commercial_base,commercial_deductible,commercial_paid,medical_aid_base,medical_aid_deductible,medical_aid_paid,hospital_waiver_base,hospital_waiver_deductible,hospital_waiver_paid,backstop_base,backstop_deductible,backstop_paid"
check "--itemize: S5493475" test "$(row "$work/item.csv" S5493475)" = "$fixed,386987.35,200.00,200000.00,186987.35,5000.00,163788.62,36403.34,0.00,10921.00,0.00,0.00,0.00,0.00,0.00,0.00,25482.34,0.00,20482.34"
check "--itemize: the _paid columns = the plain CSV's" cmp -s \
  <(cut -d, -f1-18,21,24,27,30,33,36 "$work/item.csv" | tail -n +2) <(tail -n +2 "$work/plain.csv")

# All three: the mark, the Chinese header, the itemized rows; RFC 4180 (every row 36 cells, none quoted here).
check "--bom --headers zh --itemize" settle_csv "$work/all.csv" --bom --headers zh --itemize
check "all three: EF BB BF first" test "$(head -c 3 "$work/all.csv" | od -An -tx1 | tr -d ' ')" = "efbbbf"
check "all three: the header" test "$(head -1 "$work/all.csv" | tail -c +4)" = "${zh_header%%,basic_paid*},$(head -1 "$work/item.csv" | cut -d, -f19-)"
check "all three: the rows = --itemize's" cmp -s <(tail -n +2 "$work/all.csv") <(tail -n +2 "$work/item.csv")
check "all three: Python's csv reads 36 cells a row" python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert rows[0][0] == "结算ID" and all(len(r) == 36 for r in rows), rows[0]' "$work/all.csv"
# A stay id that needs quoting (RFC 4180): a comma and a quote, doubled.
sed -n '1p' "$golden/hunan.stays.jsonl" | sed 's/"stay_id": "S1039570"/"stay_id": "S1,\\"2"/' > "$work/quoted.jsonl"
check "quoted stay id" status 0 "$ms" settle --in "$work/quoted.jsonl" --format csv --headers zh --itemize --out "$work/quoted.csv"
check "quoted stay id: the cell" test "$(tail -1 "$work/quoted.csv" | cut -c1-9)" = '"S1,""2",'

# --bom and --headers need CSV.
check "--bom without CSV: usage error" status 2 "$ms" settle --in "$golden/hunan.stays.jsonl" --bom
check "--bom without CSV: says so" grep -qF -- "--bom and --headers need CSV output" "$work/err"
finish
