#!/usr/bin/env bash
# Installs exactly the Debian 12 packages medsettle needs that are missing.
# Idempotent and non-interactive. Usage: scripts/bootstrap.sh [build|test|ci]
#   build: compiler, CMake and the libraries (default)
#   test:  build + what the test suite needs (the PostgreSQL server for the kept-ledger tests)
#   ci:    test + what the CI-only checks need (clang for fuzzing)
set -euo pipefail
profile=${1:-build}
pkgs=(g++ make cmake pkg-config libyaml-cpp-dev libfmt-dev libboost-dev
      libsimdjson-dev libcli11-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
      libsqlite3-dev libpq-dev gettext)
# The Python module (python/, docs/python.md): built and tested with test and ci.
python_pkgs=(python3-dev pybind11-dev python3-numpy python3-pandas python3-pytest python3-nbconvert python3-ipykernel
             python3-matplotlib)
case "$profile" in
  build) ;;
  test) pkgs+=(python3 time postgresql "${python_pkgs[@]}") ;;
  ci) pkgs+=(python3 time postgresql "${python_pkgs[@]}" clang libclang-rt-14-dev chromium fonts-noto-cjk) ;;
  *) echo "bootstrap: unknown profile '$profile' (build, test or ci)" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "bootstrap: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
