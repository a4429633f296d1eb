#!/usr/bin/env bash
# End-to-end: `medsettle slip` (issue #16 item 5) and the stay's attributes
# and choices in `medsettle explain` (item 4), with the installed command.
# The slip's figures are checked against `settle --itemize` of the same stay,
# and with --ledger against the settlement committed in a kept ledger.
# Usage: slip_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
stays="$src/examples/stays.jsonl"   # the valid stays of the hunan worked examples
stays_sum=$(sha256sum <"$stays")
id=S7294443   # township hospital, registered_poor (rural_poor), category I, age 74
out_has() {  # out_has REGEX: a line of standard output matches
  grep -qE -- "$1" "$work/out" || { echo "  wanted /$1/ in:"; sed 's/^/  | /' "$work/out" | head -12; return 1; }
}
# slip_matches HTML SETTLEMENT_JSONL: every figure of the slip is the settlement's.
slip_matches() {
  python3 - "$1" "$2" "$id" <<'PY' || return 1
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
s = next(json.loads(l) for l in open(sys.argv[2]) if json.loads(l)["stay_id"] == sys.argv[3])
def by_id(i):
    m = re.search(r'id="%s"[^>]*>([^<]*)<' % re.escape(i), html)
    return m and m.group(1)
want = {"bucket-total": s["medfee_sumamt"], "bucket-full_selfpay": s["fulamt_ownpay_amt"],
        "bucket-over_limit": s["overlmt_selfpay"], "bucket-pre_selfpay": s["preselfpay_amt"],
        "bucket-in_scope": s["inscp_scp_amt"], "patient-pays": s["psn_part_amt"],
        "funds-total": s["fund_pay_sumamt"], "rules": s["rules"], "version": s["version"]}
for c in s["channels"]:
    want["channel-%s-paid" % c["id"]] = c["paid"]
bad = [(k, v, by_id(k)) for k, v in want.items() if by_id(k) != v]
# The waterfall: the total less each step is the patient's share (in fen).
fen = lambda t: int(t.replace(".", ""))
steps = re.findall(r'<rect id="step-\d+" data-amount="([0-9.]+)" data-kind="(\w+)"', html)
if not (steps and steps[0][1] == "total" and steps[-1][1] == "total" and
        fen(steps[0][0]) - sum(fen(a) for a, k in steps[1:-1]) == fen(steps[-1][0]) == fen(s["psn_part_amt"])):
    bad.append(("waterfall", s["psn_part_amt"], steps))
if bad:
    print("  differ:", bad)
    sys.exit(1)
PY
}

check "slip --help: exit 0" status 0 "$ms" slip --help
check "slip --help: an example" out_has 'Example'
check "settle the stays: exit 0" status 0 "$ms" settle --itemize --in "$stays" --out "$work/settled.jsonl"

check "slip --lang en: exit 0" status 0 "$ms" --lang en slip --in "$stays" --stay-id "$id" --html "$work/en.html"
check "slip --lang en: English labels" grep -qF '<h1>One-stop settlement slip</h1>' "$work/en.html"
check "slip --lang en: the figures are the settlement's" slip_matches "$work/en.html" "$work/settled.jsonl"
check "slip --lang en: the why of an ineligible channel" grep -qF 'not eligible: its condition does not hold' "$work/en.html"
check "slip --lang en: the digest" grep -qF "$("$ms" --version | grep -o 'sha256:[0-9a-f]*')" "$work/en.html"
check "slip (default): exit 0" status 0 "$ms" slip --in "$stays" --stay-id "$id" --html "$work/zh.html"
check "slip (default): Chinese if a catalogue is installed, else English, and says which" \
  grep -qE '<html lang="(zh-CN|en)">' "$work/zh.html"
# The slip's labels through gettext: the catalogue compiled from po/zh_CN.po, found through MEDSETTLE_LOCALEDIR.
if command -v msgfmt >/dev/null 2>&1; then
  mkdir -p "$work/locale/zh_CN/LC_MESSAGES"
  msgfmt -o "$work/locale/zh_CN/LC_MESSAGES/medsettle.mo" "$src/po/zh_CN.po"
  check "slip (default, catalogue): exit 0" status 0 env MEDSETTLE_LOCALEDIR="$work/locale" LANG=C \
    "$ms" slip --in "$stays" --stay-id "$id" --html "$work/zh2.html"
  check "slip (default, catalogue): Chinese" grep -qF '<html lang="zh-CN">' "$work/zh2.html"
  check "slip (default, catalogue): the heading" grep -qF '<h1>一站式结算单</h1>' "$work/zh2.html"
  check "slip (default, catalogue): the labels" grep -qF '<th>医疗费总额</th>' "$work/zh2.html"
  check "slip (default, catalogue): the figures are the settlement's" slip_matches "$work/zh2.html" "$work/settled.jsonl"
  check "slip --lang en (catalogue): English" status 0 env MEDSETTLE_LOCALEDIR="$work/locale" \
    "$ms" --lang en slip --in "$stays" --stay-id "$id" --html "$work/en2.html"
  check "slip --lang en (catalogue): the heading" grep -qF '<h1>One-stop settlement slip</h1>' "$work/en2.html"
else
  echo "skip the slip in Chinese (msgfmt, Debian gettext, is not installed)"
fi
check "slip (default): the figures are the settlement's" slip_matches "$work/zh.html" "$work/settled.jsonl"
check "slip (default): channel names as the rule file writes them" grep -qF '城乡居民基本医疗保险' "$work/zh.html"
check "slip: nothing fetched, no script" test -z "$(grep -E '<script|src=|href=' "$work/zh.html")"

check "slip: an unknown stay is exit 2" status 2 "$ms" slip --in "$stays" --stay-id NOPE --html "$work/x.html"
check "slip: says so" grep -qF "no stay 'NOPE'" "$work/err"
check "slip: --html onto --in is refused" status 2 "$ms" slip --in "$stays" --stay-id "$id" --html "$stays"
check "slip: the input is untouched" test "$(sha256sum <"$stays")" = "$stays_sum"
check "slip: no output is exit 2" status 2 "$ms" slip --in "$stays" --stay-id "$id"
check "slip --pdf without Chromium: exit 2" status 2 env PATH=/nonexistent "$ms" slip --in "$stays" --stay-id "$id" --pdf "$work/x.pdf"
check "slip --pdf without Chromium: says so" grep -qF -- '--pdf needs headless Chromium' "$work/err"
check "slip --pdf without Chromium: no file" test ! -e "$work/x.pdf"
if command -v chromium >/dev/null 2>&1; then
  check "slip --pdf: exit 0" status 0 "$ms" slip --in "$stays" --stay-id "$id" --html "$work/p.html" --pdf "$work/p.pdf"
  check "slip --pdf: a PDF" test "$(head -c 5 "$work/p.pdf")" = "%PDF-"
else
  echo "skip slip --pdf (chromium is not installed)"
fi

# --ledger: the settlement committed in the kept ledger.
check "settle --ledger: exit 0" status 0 "$ms" settle --in "$stays" --ledger "$work/kept.db" --out "$work/committed.jsonl"
check "slip --ledger: exit 0" status 0 "$ms" --lang en slip --in "$stays" --stay-id "$id" --ledger "$work/kept.db" --html "$work/l.html"
check "slip --ledger: the committed figures" slip_matches "$work/l.html" "$work/committed.jsonl"
grep -v "\"$id\"" "$stays" >"$work/others.jsonl"
check "settle the others --ledger: exit 0" status 0 "$ms" settle --in "$work/others.jsonl" --ledger "$work/others.db"
check "slip --ledger: a stay not committed is exit 2" status 2 "$ms" slip --in "$stays" --stay-id "$id" --ledger "$work/others.db" --html "$work/e.html"
check "slip --ledger: says so" grep -qF "has no committed settlement of stay $id" "$work/err"
check "slip --ledger: a reversed stay is not printed" status 0 "$ms" reverse --ledger "$work/kept.db" --stay-id "$id"
check "slip --ledger: after the reversal, exit 2" status 2 "$ms" slip --in "$stays" --stay-id "$id" --ledger "$work/kept.db" --html "$work/r.html"
check "slip --ledger: no kept ledger is exit 2" status 2 "$ms" slip --in "$stays" --stay-id "$id" --ledger "$work/none.db" --html "$work/n.html"
check "slip --ledger: says so, and creates none" test ! -e "$work/none.db" -a -n "$(grep -F 'no kept ledger at' "$work/err")"

# explain: the stay's attributes first, and what chose each value.
check "explain: exit 0" status 0 "$ms" --lang en explain --in "$stays" --stay-id "$id"
check "explain: the attributes" out_has '^stay attributes$'
check "explain: the level" out_has '^  hospital_level  township$'
check "explain: the identities" out_has '^  identities      registered_poor$'
check "explain: the level chose basic's deductible, on its line" out_has 'hunan\.yaml:47 +hospital_level township → basic: deductible 200\.00'
check "explain: a condition chose an adjustment" out_has 'when identity: registered_poor, dibao, tekun, poor_disabled → basic: adjustment applies: rate_add 0\.1$'
check "explain: the level and a condition chose basic's rate" out_has 'hospital_level township; when identity: registered_poor, dibao, tekun, poor_disabled → basic: raw = 0\.95 × 617\.66'
check "explain --json: exit 0" status 0 "$ms" explain --in "$stays" --stay-id "$id" --json
check "explain --json: the stay and the choices" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
st = d["stay"]
ded = [s for s in d["steps"] if s["channel"] == "basic" and s["kind"] == "deductible"][0]
ok = (st["hospital_level"] == "township" and st["identities"] == ["registered_poor"] and st["category"] == "I"
      and st["age"] == 74 and ded["chosen_by"] == "hospital_level township" and ded["line"] == 47)
sys.exit(0 if ok else 1)' "$work/out"
check "explain (zh): exit 0" status 0 "$ms" --lang zh explain --in "$stays" --stay-id "$id"
check "explain (zh): the choice, its attribute named in Chinese" out_has '医院等级 township → '

finish
