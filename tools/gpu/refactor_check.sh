#!/usr/bin/env bash
# GPU machine, one call, after a refactor that must keep bits and speed:
#   1. build against pip torch (CUDA) and run every test binary (ctest; the
#      CUDA cases included), printing the card beside the summary;
#   2. with OLD_KERNELS (a copy of an earlier lib/src/kernels, carried):
#      the kernels' outputs old vs new, bit for bit (kernel_bits_ab.sh);
#   3. xsd_llm_perf at Video-LLaVA-7B shapes, fast and row-invariant
#      numerics: decode step, verify ratios, prefill.
# Logs land in $OUT as they are written (a timeout keeps what is there).
# Usage (device tool, carry .gpu-deps [and OLD_KERNELS]): bash tools/gpu/refactor_check.sh [OLD_KERNELS]
set -uo pipefail
source tools/gpu/env.sh
echo "card: $(xsd_card)"
if [ -n "${1:-}" ]; then
  (bash tools/gpu/kernel_bits_ab.sh "$1" > "$OUT/kernel_bits.log" 2>&1) &
  bits=$!
fi
bash tools/gpu/build.sh "$OUT" || exit 1
echo "built at ${SECONDS}s"
(cd build-gpu && OMP_NUM_THREADS=2 timeout 240 ctest --output-on-failure -j 8 > "$OUT/ctest.log" 2>&1)
xsd_summary ctest $? "$OUT/ctest.log"
grep -E "\*\*\*|Failed  |SEGFAULT" "$OUT/ctest.log" | head -20
xsd_run_tests ./build-gpu "$OUT" models_cuda_tests models_cuda_kernel_tests vision_cuda_tests
echo "tests done at ${SECONDS}s"
if [ -n "${1:-}" ]; then wait $bits; cat "$OUT/kernel_bits.log"; fi
P=./build-gpu/apps/perf/xsd_llm_perf
for n in fast row_invariant; do
  (( SECONDS > ${XSD_PERF_BUDGET_S:-520} )) && { echo "== $n skipped (time: ${SECONDS}s)"; continue; }
  $P --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 --gammas=1,2,4,8,16 \
    --repeats=10 --step_mode=graphs --numerics=$n --json="$OUT/perf_$n.json" > "$OUT/perf_$n.md" 2>&1
  echo "== $n"; grep -E "card|prefill|decode|verify" "$OUT/perf_$n.md"
done
echo "elapsed ${SECONDS}s"
