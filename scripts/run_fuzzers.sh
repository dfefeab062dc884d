#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, XSD_BUILD_FUZZERS=ON) into
# build-fuzz/ and runs each for the given number of seconds (default 60),
# seeded from tests/data (tests/fuzz/seeds.sh) and the inputs that once
# crashed them (tests/fuzz/regressions/<target>/), one after the other.
#
#   bash scripts/run_fuzzers.sh [seconds]
#
# Environment: XSD_FUZZ_BUILD_DIR (default build-fuzz), XSD_FUZZ_TARGETS
# (space-separated names; default all), XSD_FUZZ_SKIP_BUILD=1 (use the built
# binaries as they are), XSD_FUZZ_OUT (default <build>/fuzz), XSD_JOBS (build
# jobs). Each target keeps the inputs it found in <out>/corpus/<target>
# between runs; a crash, leak, timeout or sanitizer report leaves the input
# in <out>/artifacts/<target>/ and
# fails the script. The last lines print, per target, the executions and
# libFuzzer's coverage (cov: edges, ft: features).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${XSD_FUZZ_BUILD_DIR:-build-fuzz}
out=${XSD_FUZZ_OUT:-$build/fuzz}
targets=${XSD_FUZZ_TARGETS:-"fuzz_safetensors fuzz_checkpoint_index fuzz_model_config fuzz_pipeline_config fuzz_tokenizer fuzz_bench_dataset fuzz_image fuzz_video"}

if [ "${XSD_FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  bash scripts/install_sanitizer_deps.sh
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DXSD_BUILD_FUZZERS=ON -DXSD_BUILD_TESTS=OFF > /dev/null
  # shellcheck disable=SC2086
  cmake --build "$build" -j "${XSD_JOBS:-$(nproc)}" --target $targets
fi
source tools/sanitizers/env.sh

summary=()
failed=0
for t in $targets; do
  corpus="$out/corpus/$t"
  seeds="$out/seeds/$t"
  artifacts="$out/artifacts/$t"
  log="$out/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  rm -rf "$seeds" && mkdir -p "$seeds"
  bash tests/fuzz/seeds.sh "$t" | while read -r f; do cp "$f" "$seeds/${f//\//_}"; done  # many are config.json
  # Inputs that once crashed a target run first, every time.
  if [ -d "tests/fuzz/regressions/$t" ]; then cp "tests/fuzz/regressions/$t"/* "$seeds/"; fi
  dict=()
  case "$t" in
    fuzz_safetensors|fuzz_checkpoint_index|fuzz_model_config|fuzz_bench_dataset) dict=(-dict=tests/fuzz/json.dict) ;;
  esac
  echo "run_fuzzers: $t for ${seconds}s (log: $log)"
  rc=0
  "$build/tests/fuzz/$t" "${dict[@]}" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds" > "$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<< "$last" | grep -o '[0-9]*' || echo "?")
  ft=$(grep -o 'ft: [0-9]*' <<< "$last" | grep -o '[0-9]*' || echo "?")
  status=ok
  if [ $rc -ne 0 ]; then
    status="FAILED (exit $rc)"
    failed=1
    grep -E 'ERROR|SUMMARY|broken contract|Test unit written' "$log" | head -20 || true
  fi
  summary+=("$(printf '%-24s %6ss  execs %-10s cov %-6s ft %-7s %s' "$t" "$seconds" "$execs" "$cov" "$ft" "$status")")
done
printf '%s\n' "${summary[@]}"
if [ $failed -ne 0 ]; then
  echo "run_fuzzers: a target failed; its input is in $out/artifacts/<target>/"
  exit 1
fi
echo "run_fuzzers: no crash"
