#!/usr/bin/env bash
# Browser test of the `medsettle compare --html` report: renders it in headless
# Chromium, takes a screenshot, dumps the DOM and checks the headings, a total
# and that the page loads without console errors.
# Usage: compare_browser_test.sh MEDSETTLE_BINARY PROJECT_SOURCE_DIR
# Exit 77 (skipped) when chromium is not installed, unless MEDSETTLE_REQUIRE_BROWSER=1
# (set by .ci/run after it installs chromium): then it fails.
set -euo pipefail
bin=$1
src=$2

if ! command -v chromium >/dev/null 2>&1; then
  if [ "${MEDSETTLE_REQUIRE_BROWSER:-}" = "1" ]; then
    echo "FAIL: chromium is not installed (MEDSETTLE_REQUIRE_BROWSER=1); scripts/bootstrap.sh ci installs it" >&2
    exit 1
  fi
  echo "SKIP: chromium is not installed (scripts/bootstrap.sh ci installs it)"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

rules=$src/rules/hunan.yaml
"$bin" compare --rules "$rules" --as-of-a 2018-06-30 --against "$rules" --as-of-b 2019-06-30 \
  --in "$src/tests/golden/hunan.stays.jsonl" --html "$work/report.html" >"$work/out.txt" 2>"$work/err.txt" ||
  fail "compare exited $? ($(cat "$work/err.txt"))"
[ -s "$work/report.html" ] || fail "no HTML written"

chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" "$@"
}
url="file://$work/report.html"

# Screenshot: a PNG of a real size.
chrome --screenshot="$work/report.png" --window-size=1280,2400 --hide-scrollbars "$url" \
  >"$work/shot.out" 2>"$work/shot.err" || fail "chromium --screenshot failed: $(tail -5 "$work/shot.err")"
[ -f "$work/report.png" ] || fail "no screenshot"
size=$(wc -c <"$work/report.png")
[ "$size" -gt 50000 ] || fail "screenshot is only $size bytes"
[ "$(head -c 8 "$work/report.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "screenshot is not a PNG"

# The DOM, with the console on stderr.
chrome --dump-dom --enable-logging=stderr --v=0 "$url" >"$work/dom.html" 2>"$work/dom.err" ||
  fail "chromium --dump-dom failed: $(tail -5 "$work/dom.err")"
[ -s "$work/dom.html" ] || fail "empty DOM"
if grep -E 'CONSOLE|Uncaught' "$work/dom.err" "$work/shot.err"; then
  fail "the page logs to the console (errors above)"
fi

for heading in '<h1>medsettle what-if: A vs B</h1>' '<h2>Funding by channel</h2>' '<h2>What patients pay</h2>' \
               '<h2>Reimbursement ratio by identity</h2>' '<h2>Reimbursement ratio by hospital level</h2>' \
               '<h2>Persons whose payment changes most</h2>'; do
  grep -qF "$heading" "$work/dom.html" || fail "no $heading in the DOM"
done
charts=$(grep -o '<svg' "$work/dom.html" | wc -l)
[ "$charts" -ge 4 ] || fail "expected at least 4 charts, found $charts"

# The psn_part_amt totals printed on stdout are in the DOM, in their elements.
a_total=$(awk '$1=="psn_part_amt"{print $2; exit}' "$work/out.txt")
b_total=$(awk '$1=="psn_part_amt"{print $3; exit}' "$work/out.txt")
[ -n "$a_total" ] && [ -n "$b_total" ] || fail "no psn_part_amt totals on stdout"
grep -qF "id=\"total-a-psn_part_amt\">$a_total<" "$work/dom.html" || fail "A's psn_part_amt total $a_total not in the DOM"
grep -qF "id=\"total-b-psn_part_amt\">$b_total<" "$work/dom.html" || fail "B's psn_part_amt total $b_total not in the DOM"
# Channel names as the rule file writes them.
for name in 城乡居民基本医疗保险 大病保险 政府兜底; do
  grep -qF "$name" "$work/dom.html" || fail "channel name $name not in the DOM"
done
echo "PASS (screenshot $size bytes; psn_part_amt A $a_total, B $b_total)"
