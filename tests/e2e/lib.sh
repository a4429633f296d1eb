# Shared by the end-to-end scripts rules_test.sh and show_diff_test.sh:
# installs the build into a temporary prefix ($ms is the installed command)
# and gives the check helpers. Source it with BUILD_DIR and SOURCE_DIR set.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
ms="$work/prefix/bin/medsettle"
fails=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
status() {  # status EXPECTED COMMAND...: runs the command, compares its exit status
  local want=$1; shift
  set +e; "$@" >"$work/out" 2>"$work/err"; local got=$?; set -e
  [ "$got" -eq "$want" ] || { echo "  exit $got, expected $want: $*"; sed 's/^/  | /' "$work/err" | head -5; return 1; }
}
finish() {  # the summary line and the script's exit status
  echo "$fails failed"
  [ "$fails" -eq 0 ]
}
