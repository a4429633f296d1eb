#!/usr/bin/env bash
# The rule-file digest (SEMANTICS.md §7, INTERCHANGE.md: "sha256:" + the hex
# SHA-256 of the rule file's bytes) against an independent SHA-256: GNU
# coreutils' sha256sum of the same file. For every shipped rule file: what
# `validate` reports and what a settlement carries; for the built-in rule set
# (rules/hunan.yaml compiled in): what `--version` reports and what a
# settlement without --rules carries.
# Usage: digest_test.sh MEDSETTLE_BINARY PROJECT_SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sha256sum >/dev/null || fail "sha256sum (coreutils) is needed"

# run OUT ERR COMMAND...: runs the command, fails the test unless it exits 0.
run() {
  local out=$1 err=$2; shift 2
  local rc=0
  "$@" >"$out" 2>"$err" || rc=$?
  [ "$rc" -eq 0 ] || fail "exit $rc from: $* ($(head -c 500 "$err"))"
}

n=0
for f in "$src"/rules/*.yaml; do
  want="sha256:$(sha256sum "$f" | cut -d' ' -f1)"
  [[ $want =~ ^sha256:[0-9a-f]{64}$ ]] || fail "sha256sum gave '$want' for $f"
  run "$work/v.out" "$work/v.err" "$bin" validate "$f"
  grep -qE "^$f: ok: rule set [a-z]+, .* $want\$" "$work/v.out" || fail "validate $f: $(cat "$work/v.out"), expected $want"
  # A settlement under the file names the same digest: the first golden stay
  # of the scheme that settles.
  scheme=$(basename "$f" .yaml)
  stays=$src/tests/golden/$scheme.stays.jsonl
  [ -s "$stays" ] || fail "no golden stays for $scheme"
  rc=0
  "$bin" settle --rules "$f" --in "$stays" --out "$work/s.out" --errors "$work/s.rej" 2>"$work/s.err" || rc=$?
  # Exit 1: the golden files hold rejected stays on purpose (tests/golden/README.md).
  [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "settle $scheme: exit $rc ($(head -c 500 "$work/s.err"))"
  [ -s "$work/s.out" ] || fail "settle $scheme: no settlement"
  lines=$(wc -l <"$work/s.out")
  [ "$(grep -c "\"digest\":\"$want\"" "$work/s.out")" -eq "$lines" ] || fail "settle $scheme: not every settlement carries $want"
  n=$((n + 1))
done
[ "$n" -eq 6 ] || fail "expected the 6 shipped rule files, found $n"

# The built-in rule set is rules/hunan.yaml byte for byte.
want="sha256:$(sha256sum "$src/rules/hunan.yaml" | cut -d' ' -f1)"
run "$work/ver.out" "$work/ver.err" "$bin" --version
grep -qx "default rule set hunan (rules/hunan.yaml) $want" "$work/ver.out" || fail "--version: $(cat "$work/ver.out"), expected $want"
run "$work/d.out" "$work/d.err" "$bin" settle --in "$src/examples/stays.jsonl"
[ -s "$work/d.out" ] || fail "settle with the built-in rule set: no settlement"
[ "$(grep -c "\"digest\":\"$want\"" "$work/d.out")" -eq "$(wc -l <"$work/d.out")" ] ||
  fail "settle with the built-in rule set: not every settlement carries $want"
echo "PASS: $n rule files and the built-in rule set carry the sha256sum of their bytes"
