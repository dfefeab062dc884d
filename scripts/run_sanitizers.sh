#!/usr/bin/env bash
# Builds libxsd, its apps and every test with clang 14 under each sanitizer
# and runs the whole test suite (ctest) under it:
#   build-asan/  XSD_SANITIZE=address  ASan + UBSan (UBSan does not recover)
#   build-tsan/  XSD_SANITIZE=thread   TSan
# Long (two full builds, then the suite at sanitizer speed): for people, not CI
# (CI runs the subset of scripts/run_sanitizer_ci.sh). Reports from the
# prebuilt libraries are handled in tools/sanitizers/ (docs/reliability.md).
#
#   bash scripts/run_sanitizers.sh [address|thread ...]   (default: both)
#
# Environment: XSD_JOBS (build and ctest jobs). Exits non-zero when any test
# fails or any sanitizer reports.
set -euo pipefail
cd "$(dirname "$0")/.."
modes=("$@")
[ ${#modes[@]} -eq 0 ] && modes=(address thread)
jobs=${XSD_JOBS:-$(nproc)}
bash scripts/install_sanitizer_deps.sh
source tools/sanitizers/env.sh

failed=()
for mode in "${modes[@]}"; do
  case "$mode" in
    address) build=build-asan ;;
    thread) build=build-tsan ;;
    *) echo "run_sanitizers: unknown mode '$mode' (address or thread)" >&2; exit 2 ;;
  esac
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DXSD_SANITIZE="$mode" > /dev/null
  cmake --build "$build" -j "$jobs"
  if [ "$mode" = thread ]; then
    # libtorch's intra-op pool is OpenMP (libgomp), whose synchronisation
    # TSan cannot see: one OpenMP thread keeps torch's parallel regions on the
    # calling thread. libxsd's own threads (the schedulers') are unaffected.
    export OMP_NUM_THREADS=1
  fi
  if ! (cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 3000); then
    failed+=("$mode")
  fi
  unset OMP_NUM_THREADS
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "run_sanitizers: failures under: ${failed[*]}"
  exit 1
fi
echo "run_sanitizers: all tests passed under: ${modes[*]}"
