#!/usr/bin/env bash
# The test suite under sanitizers (run by .ci/run; SECURITY.md):
#   build-asan: -DMEDSETTLE_SANITIZE=address,undefined, the whole suite;
#   build-tsan: -DMEDSETTLE_SANITIZE=thread, everything that runs threads
#               (batch, spare settlements, stream, golden, property and nothing-lost
#               tests).
# Usage: tests/hostile/run_sanitizers.sh [asan|tsan]... (default: both)
# Environment: JOBS (default 2); MEDSETTLE_PROPERTY_STAYS (default here
# 20,000 generated stays per scheme for the property tests, against 100,000
# in the Release run: enough to exercise every path in reasonable time).
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=${JOBS:-2}
export MEDSETTLE_PROPERTY_STAYS=${MEDSETTLE_PROPERTY_STAYS:-20000}
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(asan tsan)

run_asan() {
  export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=1:verify_asan_link_order=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
  cmake -S . -B build-asan -DMEDSETTLE_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build-asan -j"$jobs"
  # All but the two consumer tests that link an uninstrumented program
  # against the instrumented static library: they cannot link without the
  # sanitizer runtime (consumer.shared covers the installed package).
  ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 1800 -E '^consumer\.(find_package|pkg_config)$'
}

run_tsan() {
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
  cmake -S . -B build-tsan -DMEDSETTLE_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo
  # TSan needs a low-entropy address space; on kernels with many mmap random
  # bits it fails ("unexpected memory mapping"). Then build (the test
  # discovery runs the test binary) and test without address-space
  # randomization (setarch -R).
  local run=() probe
  probe=$(mktemp -d)
  echo 'int main(void) { return 0; }' >"$probe/probe.c"
  cc -fsanitize=thread "$probe/probe.c" -o "$probe/probe"
  if ! "$probe/probe" >/dev/null 2>&1; then
    run=(setarch "$(uname -m)" -R)
    echo "run_sanitizers: TSan needs setarch -R on this kernel"
  fi
  rm -rf "$probe"
  "${run[@]}" cmake --build build-tsan -j"$jobs" --target medsettle_tests medsettle_cli
  "${run[@]}" ctest --test-dir build-tsan --output-on-failure -j"$jobs" --timeout 1800 \
    -R '^(Batch|SpareSettlements|Stream|Property|HostileProperty|NothingLost|PipelineApart|Beside|ChunkWriter|Workers|LineSource|ParseChecking|Ways/(Beside|ChunkWriter)Both)|Golden'
}

for w in "${which[@]}"; do
  case "$w" in
    asan) run_asan ;;
    tsan) run_tsan ;;
    *) echo "run_sanitizers: unknown '$w' (asan or tsan)" >&2; exit 2 ;;
  esac
done
