#!/usr/bin/env bash
# End-to-end: `medsettle validate` of the installed command on rule-file
# mistakes (issue #16: messages that name the mistake) and on the rule-file
# limits (issue #18, SECURITY.md). Each check runs the command, asserts the
# exit status, then the exact diagnostic.
# Usage: rules_test.sh BUILD_DIR SOURCE_DIR
build=$1
src=$2
. "$(dirname "$0")/lib.sh"
has() {  # has TEXT: standard error holds this exact line
  grep -qxF -- "$1" "$work/err" || { echo "  wanted: $1"; sed 's/^/  | /' "$work/err" | head -5; return 1; }
}

# A valid file (lines 1-15), and mistakes made in it. The channel's keys are at column 9.
cat > "$work/base.yaml" <<'EOF'
medsettle: 1
id: t
class_b_selfpay: 0.10
versions:
  - from: 2020-01-01
    channels:
      - id: basic
        name: Basic
        kind: coinsurance
        fund_pay_type: "390100"
        reports_as: hifp_pay
        base: [in_scope]
        period: stay
        deductible: 500
        rate: 0.75
EOF
check "the base file is valid" status 0 "$ms" validate "$work/base.yaml"
# A disease group that lists another group (line 6, column 22).
printf 'medsettle: 1\nid: t\nclass_b_selfpay: 0.10\ndisease_groups:\n  major: [N18]\n  cancers: [C00-C97, major]\n' > "$work/group.yaml"
sed -n '4,$p' "$work/base.yaml" >> "$work/group.yaml"
check "group in a group: exit 2" status 2 "$ms" validate "$work/group.yaml"
check "group in a group: named" has "$work/group.yaml:6:22: 'major' is a disease group, not an ICD-10 code: a group cannot contain a group; list its codes here, or name both groups in the condition (any_diagnosis: [cancers, major])"

# An identity set that lists another set (line 6, column 11).
printf 'medsettle: 1\nid: t\nclass_b_selfpay: 0.10\nidentity_sets:\n  poor: [registered_poor, dibao]\n  needy: [poor, marginal]\n' > "$work/set.yaml"
sed -n '4,$p' "$work/base.yaml" >> "$work/set.yaml"
check "set in a set: exit 2" status 2 "$ms" validate "$work/set.yaml"
check "set in a set: named" has "$work/set.yaml:6:11: 'poor' is an identity set, not an identity: a set cannot contain a set; list its members here (registered_poor, dibao)"

# A tab in the indentation of line 14.
sed '14s/^        /\t/' "$work/base.yaml" > "$work/tab.yaml"
check "tab: exit 2" status 2 "$ms" validate "$work/tab.yaml"
check "tab: named at the tab" has "$work/tab.yaml:14:1: YAML syntax: a tab in the indentation; YAML indents with spaces only (the parser says: illegal tab when looking for indentation)"

# A thousands separator inside {...} (line 16; the 150 at column 27).
{ cat "$work/base.yaml"; echo '        cap_year: {value: 150,000, source: illustrative}'; } > "$work/thousands.yaml"
check "thousands: exit 2" status 2 "$ms" validate "$work/thousands.yaml"
check "thousands: named" has "$work/thousands.yaml:16:27: '150,000': thousands separators are not allowed in rule files; write 150000 (inside {...} a comma separates entries)"
check "thousands: no unknown key '000'" test "$(grep -c "unknown key '000'" "$work/err")" -eq 0

# A misspelt key: the nearest key is suggested.
sed '14s/deductible/deductable/' "$work/base.yaml" > "$work/typo.yaml"
check "typo: exit 2" status 2 "$ms" validate "$work/typo.yaml"
check "typo: did you mean" has "$work/typo.yaml:14:9: unknown key 'deductable' in channel 'basic' (kind coinsurance) (expected one of: id, name, kind, fund_pay_type, reports_as, base, period, when, source, deductible, rate, bands, cap_stay, cap_year, referral, adjustments); did you mean 'deductible'?"

# A per-level table without city and province: one message listing both.
sed '14s/deductible: 500/deductible: {village: 100, township: 200, county: 500}/' "$work/base.yaml" > "$work/levels.yaml"
check "levels: exit 2" status 2 "$ms" validate "$work/levels.yaml"
check "levels: the missing ones listed" has "$work/levels.yaml:14:21: deductible: missing the values for hospital levels 'city', 'province' (give all five: village, township, county, city, province)"

# No version in force: the rejection says when the versions run (hunan: 2017-07-01 to 2020-12-31).
printf '%s\n' '{"stay_id":"S1","person_id":"P1","age":40,"hospital_level":"county","region":"in_county","admitted":"2016-04-20","discharged":"2016-05-01","diagnoses":["J18.9"],"fees":[{"category":"A","amount":"100.00"}]}' > "$work/early.jsonl"
check "no version: exit 1" status 1 "$ms" settle --in "$work/early.jsonl" --errors "$work/early.err"
check "no version: when the versions run" grep -qF '"message":"discharged: no version of rule set hunan is in force on 2016-05-01; its versions run from 2017-07-01 to 2020-12-31"' "$work/early.err"

# Limits (SECURITY.md): 65 channels in a version (the 65th on line 71), and a file over 1 MiB.
{ head -n 6 "$work/base.yaml"
  for i in $(seq 0 64); do
    echo "      - {id: c$i, name: C, kind: coinsurance, fund_pay_type: \"390100\", reports_as: hifp_pay, base: [in_scope], period: stay, rate: 0.5}"
  done; } > "$work/channels.yaml"
check "65 channels: exit 2" status 2 "$ms" validate "$work/channels.yaml"
check "65 channels: the limit named" has "$work/channels.yaml:71:9: channels: more than 64 channels in one version"
check "64 channels: valid" status 0 "$ms" validate <(head -n 70 "$work/channels.yaml")
{ cat "$work/base.yaml"; head -c 1048576 /dev/zero | tr '\0' '#'; } > "$work/big.yaml"
size=$(wc -c < "$work/big.yaml")
check "over 1 MiB: exit 2" status 2 "$ms" validate "$work/big.yaml"
check "over 1 MiB: refused at 1:1" has "$work/big.yaml:1:1: file is $size bytes; rule files are limited to 1048576 bytes"

finish
