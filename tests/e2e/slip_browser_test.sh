#!/usr/bin/env bash
# Browser test of `medsettle slip` (issue #16 item 5): renders the slip of a
# stay in headless Chromium, takes a screenshot, dumps the DOM and checks that
# the figures in the DOM are the settlement's (`settle --itemize`), that the
# waterfall steps from the total down to the patient's share, and that the
# page loads without console errors. With SLIP_SCREENSHOT=FILE the screenshot
# is kept there (docs/slip.png is made so).
# Usage: slip_browser_test.sh BUILD_DIR SOURCE_DIR
# Exit 77 (skipped) when chromium is not installed, unless MEDSETTLE_REQUIRE_BROWSER=1
# (set by .ci/run after it installs chromium): then it fails.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "${MEDSETTLE_REQUIRE_BROWSER:-}" = "1" ]; then
    echo "FAIL: chromium is not installed (MEDSETTLE_REQUIRE_BROWSER=1); scripts/bootstrap.sh ci installs it" >&2
    exit 1
  fi
  echo "SKIP: chromium is not installed (scripts/bootstrap.sh ci installs it)"
  exit 77
fi
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
stays="$src/examples/stays.jsonl"   # the valid stays of the hunan worked examples
id=${SLIP_STAY:-S7294443}

chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" "$@"
}
check "settle: exit 0" status 0 "$ms" settle --itemize --in "$stays" --out "$work/settled.jsonl"
check "slip: exit 0" status 0 "$ms" slip --in "$stays" --stay-id "$id" --html "$work/slip.html"
url="file://$work/slip.html"

shot() {
  chrome --screenshot="$work/slip.png" --window-size=900,1450 --hide-scrollbars "$url" \
    >"$work/shot.out" 2>"$work/shot.err" || { tail -5 "$work/shot.err"; return 1; }
  [ "$(head -c 8 "$work/slip.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || return 1
  [ "$(wc -c <"$work/slip.png")" -gt 30000 ]
}
check "screenshot: a PNG of a real size" shot
if [ -n "${SLIP_SCREENSHOT:-}" ] && [ -f "$work/slip.png" ]; then cp "$work/slip.png" "$SLIP_SCREENSHOT"; fi

dom() {
  chrome --dump-dom --enable-logging=stderr --v=0 "$url" >"$work/dom.html" 2>"$work/dom.err" || return 1
  [ -s "$work/dom.html" ]
}
check "the DOM" dom
check "no console errors" test -z "$(grep -E 'CONSOLE|Uncaught' "$work/dom.err" "$work/shot.err" || true)"

dom_matches() {  # every figure in the DOM is the settlement's; the waterfall sums to the patient's share
  python3 - "$work/dom.html" "$work/settled.jsonl" "$id" <<'PY'
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
s = next(json.loads(l) for l in open(sys.argv[2]) if json.loads(l)["stay_id"] == sys.argv[3])
def by_id(i):
    m = re.search(r'id="%s"[^>]*>([^<]*)<' % re.escape(i), html)
    return m and m.group(1)
want = {"stay-id": s["stay_id"], "person-id": s["person_id"], "bucket-total": s["medfee_sumamt"],
        "bucket-full_selfpay": s["fulamt_ownpay_amt"], "bucket-over_limit": s["overlmt_selfpay"],
        "bucket-pre_selfpay": s["preselfpay_amt"], "bucket-in_scope": s["inscp_scp_amt"],
        "patient-pays": s["psn_part_amt"], "funds-total": s["fund_pay_sumamt"], "rules": s["rules"],
        "version": s["version"]}
for c in s["channels"]:
    want["channel-%s-paid" % c["id"]] = c["paid"]
bad = [(k, v, by_id(k)) for k, v in want.items() if by_id(k) != v]
fen = lambda t: int(t.replace(".", ""))
steps = re.findall(r'<rect id="step-\d+" data-amount="([0-9.]+)" data-kind="(\w+)"', html)
paid = sorted(fen(c["paid"]) for c in s["channels"] if fen(c["paid"]) > 0)
if sorted(fen(a) for a, k in steps[1:-1]) != paid or fen(steps[0][0]) != fen(s["medfee_sumamt"]) or \
   fen(steps[0][0]) - sum(paid) != fen(steps[-1][0]) or fen(steps[-1][0]) != fen(s["psn_part_amt"]):
    bad.append(("waterfall", steps))
if bad:
    print("  differ:", bad)
    sys.exit(1)
print("  patient pays %s of %s; %d waterfall steps" % (s["psn_part_amt"], s["medfee_sumamt"], len(steps)))
PY
}
check "the figures in the DOM are the settlement's" dom_matches
check "the waterfall chart is in the DOM" grep -qF '<svg id="waterfall"' "$work/dom.html"
check "channel names as the rule file writes them" grep -qF '城乡居民基本医疗保险' "$work/dom.html"
finish
