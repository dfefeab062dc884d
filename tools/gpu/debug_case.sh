#!/usr/bin/env bash
# GPU machine: chase a crashing test case. Builds one test binary with debug
# information (RelWithDebInfo, build-gpu-dbg), prints the card, then for each
# case: three plain runs, a cuda-gdb backtrace of every thread when one
# fails, and compute-sanitizer's memcheck. Logs land in $OUT.
# Usage (device tool, carry .gpu-deps):
#   bash tools/gpu/debug_case.sh models_cuda_tests "CASE NAME" ["CASE NAME" ...]
set -uo pipefail
source tools/gpu/env.sh
bin=${1:?test binary}; shift
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/card.txt"
export XSD_BUILD_DIR=build-gpu-dbg XSD_CMAKE_EXTRA="-DCMAKE_BUILD_TYPE=RelWithDebInfo"
start=$(date +%s)
bash tools/gpu/build.sh "$OUT" "$bin" || exit 1
echo "build: $(( $(date +%s) - start )) s"
exe=./build-gpu-dbg/tests/$bin
i=0
for name in "$@"; do
  i=$((i + 1))
  echo "=== case $i: $name"
  failed=0
  for run in 1 2 3; do
    timeout 120 "$exe" "$name" > "$OUT/case${i}_run$run.log" 2>&1
    rc=$?
    echo "run $run: rc $rc; $(grep -E 'test cases|assertions' "$OUT/case${i}_run$run.log" | tr '\n' ' ')"
    [ $rc -ne 0 ] && failed=1
  done
  if [ $failed -ne 0 ]; then
    timeout 150 cuda-gdb -batch -ex run -ex "info threads" -ex "thread apply all bt" --args "$exe" "$name" \
      > "$OUT/case${i}_gdb.log" 2>&1
    grep -nE "SIGSEGV|SIGABRT|signal|^#[0-9]+" "$OUT/case${i}_gdb.log" | head -60
  fi
  timeout 150 compute-sanitizer --tool memcheck --show-backtrace host "$exe" "$name" > "$OUT/case${i}_memcheck.log" 2>&1
  echo "memcheck rc $?"
  grep -E "ERROR SUMMARY|Invalid|out of bounds|Address" "$OUT/case${i}_memcheck.log" | head -20
done
