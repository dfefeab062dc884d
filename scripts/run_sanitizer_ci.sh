#!/usr/bin/env bash
# CI's sanitizer job (scripts/run_tests.sh runs it after the main suite): one
# clang 14 build, build-ci-san/, with ASan + UBSan and the fuzz targets
# (XSD_BUILD_FUZZERS=ON), of libxsd and only the test binaries that need no
# model fixtures, plus models_tests (the CPU's exact kernels' pointer
# arithmetic: ~1 min to build, 8 s to run); runs those tests, then every fuzz
# target briefly (seeds and past crashers included). TSan and the other model
# tests are not run here (time): scripts/run_sanitizers.sh runs the whole
# suite under both sanitizers.
#
# Cold, on the 2-core CI machine (docs/reliability.md): build ~14 min, tests
# ~1.5 min, fuzzing 8 x XSD_CI_FUZZ_SECONDS (default 15).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${XSD_SAN_CI_BUILD_DIR:-build-ci-san}
tests=(core_tests kv_tests mock_tests tokenizer_tests io_tests config_tests scheduler_tests models_tests)
jobs=${XSD_JOBS:-$(nproc)}
start=$(date +%s)
bash scripts/install_sanitizer_deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DXSD_BUILD_FUZZERS=ON > /dev/null
cmake --build "$build" -j "$jobs" --target "${tests[@]}" fuzzers
built=$(date +%s)
echo "run_sanitizer_ci: built in $((built - start)) s"

source tools/sanitizers/env.sh
# Every case but the wall-clock checks, tagged [performance] (time limits) and
# [timing] (measured overlaps): set for the plain build, they say nothing at
# sanitizer speed (2-5x slower) and run in the main suite.
passed=0
failed=0
for t in "${tests[@]}"; do
  if "$build/tests/$t" '~[performance]~[timing]' > "$build/$t.log" 2>&1; then
    passed=$((passed + 1))
    echo "run_sanitizer_ci: $t passed"
  else
    failed=$((failed + 1))
    grep -v '^\[libprotobuf ERROR' "$build/$t.log" | tail -60
    echo "run_sanitizer_ci: $t FAILED (log: $build/$t.log)"
  fi
done
echo "sanitizers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
tested=$(date +%s)
echo "run_sanitizer_ci: ASan+UBSan tests in $((tested - built)) s"

XSD_FUZZ_BUILD_DIR="$build" XSD_FUZZ_SKIP_BUILD=1 bash scripts/run_fuzzers.sh "${XSD_CI_FUZZ_SECONDS:-15}"
echo "run_sanitizer_ci: fuzzing in $(($(date +%s) - tested)) s; job $(($(date +%s) - start)) s"
