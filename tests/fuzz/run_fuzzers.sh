#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz and runs each one for
# SECONDS (default 60), one after the other. Exits non-zero if any target
# crashes, leaks, times out (-timeout=10 per input), runs out of memory
# (-rss_limit_mb=2048) or fails one of its own checks; the input that did it
# is left in build-fuzz/artifacts/<target>/ (reproduce: build-fuzz/fuzz/<target> FILE).
#
# Usage: tests/fuzz/run_fuzzers.sh [SECONDS] [TARGET...]
#   TARGET: fuzz_rules, fuzz_jsonl, fuzz_csv, fuzz_settle (default: all four)
# Environment: BUILD_DIR (default build-fuzz), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_rules fuzz_jsonl fuzz_csv fuzz_settle)
build=${BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}

for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "run_fuzzers: $tool not found (scripts/bootstrap.sh ci)" >&2; exit 2; }
done
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDSETTLE_FUZZ=ON \
  -DMEDSETTLE_BUILD_TESTS=OFF -DMEDSETTLE_BUILD_CLI=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=()
for t in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/$t
  work=$build/corpus/$t
  artifacts=$build/artifacts/$t
  mkdir -p "$work" "$artifacts"
  echo "== $t: ${seconds}s (seeds $seeds, corpus $work)"
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  status=0
  "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 "${dict[@]}" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$seeds" >"$build/$t.log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)' "$build/$t.log" || true
  if [ "$status" -ne 0 ]; then
    echo "== $t FAILED (exit $status); last lines of $build/$t.log:" >&2
    tail -n 40 "$build/$t.log" >&2
    failed+=("$t")
  else
    echo "== $t: no findings"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzzers: findings in ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi
echo "run_fuzzers: ${#targets[@]} targets, ${seconds}s each, no findings"
