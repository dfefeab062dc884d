#!/usr/bin/env bash
# GPU machine, one call: build against pip torch (CUDA), run the tests (CUDA
# cases included), then time libxsd's LLaMA decoder at 7B shapes — plain
# forwards and CUDA-graph steps — and transformers eager on the same shapes
# and GPU. Logs, JSON and tables go to $OUT.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/perf_llm.sh [--ctest] [--no-hf] [--no-ab]
# (the CUDA cases always run; --ctest adds the whole test suite; --no-ab skips
# the A/B runs with SDPA everywhere / the SiLU fusion off)
set -uo pipefail
source tools/gpu/env.sh
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv > "$OUT/gpu.csv" 2>&1
bash tools/gpu/build.sh "$OUT" || exit 1
echo "built at ${SECONDS}s"
xsd_run_tests ./build-gpu "$OUT" models_cuda_tests models_cuda_kernel_tests
if [[ " $* " == *" --ctest "* ]]; then
  (cd build-gpu && OMP_NUM_THREADS=2 ctest --output-on-failure -j 8 > "$OUT/ctest.log" 2>&1); xsd_summary ctest $? "$OUT/ctest.log"
  grep -E "tests passed|Failed|\*\*\*" "$OUT/ctest.log" | head
fi
P=./build-gpu/apps/perf/xsd_llm_perf
for mode in graphs; do
  $P --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 --gammas=1,2,4,8,16,32 \
     --repeats=10 --step_mode=$mode --fresh_lengths=12 --json="$OUT/xsd_vl_$mode.json" | tee "$OUT/xsd_vl_$mode.md"
done
$P --preset=7b --vocab=32000 --device=cuda:0 --dtype=bf16 --prompt=640 --decode=64 --gammas=1,4,16 --repeats=10 \
   --step_mode=graphs --json="$OUT/xsd_egpt_graphs.json" | tee "$OUT/xsd_egpt_graphs.md"
# The step's profile, component by component (device time inside graphs).
./build-gpu/apps/perf/xsd_llm_components --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 \
  --rows=1,2,5,17 --span=2304 --reps=20 --json="$OUT/components_vl.json" > "$OUT/components_vl.md"
grep -E "^rows|projection|attention|rms|one kernel|sum" "$OUT/components_vl.md"
# A/B, whole step (same repeats as the main run: with 5, the matmul + softmax
# verify read 8.6 ms in runs 7-8): the non-exact fast mode's step and verify
# costs (--numerics=fast; the default is row-invariant, exact); the
# prefill's attention over its own rows instead of rows rounded up to 64
# (--kernel_options=prefill_bucket=0: the "first call at this length" rows of
# --fresh_lengths show cuDNN's per-length plans). Earlier A/Bs and their
# fates: docs/PERFORMANCE.md, "Tried and rejected".
AB=("--numerics=fast" "--kernel_options=prefill_bucket=0")
[[ " $* " == *" --no-ab "* ]] && AB=()
for v in "${AB[@]}"; do
  # The device call is cut at 600 s and then nothing is tarred: skip what would not fit.
  (( SECONDS > ${XSD_PERF_BUDGET_S:-500} )) && { echo "== $v skipped (time: ${SECONDS}s)"; continue; }
  name=$(echo "$v" | tr -c 'a-z0-9_\n' '_')
  $P --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 --gammas=1,2,4,8,16 \
    --repeats=10 --step_mode=graphs --fresh_lengths=12 "$v" --json="$OUT/xsd_vl_graphs_$name.json" > "$OUT/xsd_vl_graphs_$name.md"
  echo "== $v"; grep -E "prefill|decode|verify" "$OUT/xsd_vl_graphs_$name.md"
done
echo "elapsed ${SECONDS}s"
[[ " $* " == *" --no-hf "* ]] || python3 tools/gpu/hf_llm_perf.py --vocab 32064 --prompt 2076 --json "$OUT/hf_vl.json" 2>&1 | tail -12 | tee "$OUT/hf_vl.md"
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem --format=csv >> "$OUT/gpu.csv" 2>&1
tar czf /tmp/results.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -delete && mv /tmp/results.tgz "$OUT/results.tgz"
