#!/usr/bin/env bash
# GPU machine, one call: build, then read the hardware counters (Nsight
# Compute, clocks left alone) of the 7B Video-LLaVA-shaped decoder's kernels:
#   decode: one layer's kernels of a CUDA-graph decode step (memory
#           throughput, occupancy, warp stalls: ncu_decode.log);
#   prefill: every kernel of one 2 076-token prefill, duration per kernel
#           name (ncu_prefill.log).
# ncu runs each kernel alone with its caches flushed, so the durations are
# the kernels' standalone times, not the step's (the PDL overlap is gone).
# --numerics=fast|row_invariant: the step's numerics (default: the library's,
# row-invariant).
# --components=ROWS (e.g. 9,17): also the skinny GEMMs', tensor-core
# attention's and combine kernel's counters at those row counts (a verify
# step's), through xsd_llm_components (each op alone): ncu_components.log.
# --components-only: the components' counters alone (no decode step, no
# prefill: the leanest call for a verify-shaped question).
# Usage (device tool, carry .gpu-deps):
#   bash tools/gpu/ncu_profile.sh [--decode-only|--components-only] [--numerics=...] [--components=ROWS]
set -uo pipefail
source tools/gpu/env.sh
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
[[ -n "$NCU" ]] || { echo "no ncu on this machine"; exit 1; }
"$NCU" --version | tail -1
bash tools/gpu/build.sh "$OUT" xsd_llm_perf xsd_llm_components || exit 1
P=./build-gpu/apps/perf/xsd_llm_perf
ARGS="--preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --gammas=1 --repeats=1"
for a in "$@"; do [[ $a == --numerics=* ]] && ARGS="$ARGS $a"; done
# Decode: the step kernels of either numerics (fast: the GEMVs and the
# decode attention; row-invariant: the skinny GEMM and the tensor-core
# attention); skip the first 200 (prefill norms, first steps), then one layer
# and a bit.
DECODE_KERNELS="regex:GemvBf16|GemvSiluGate|GemvRopeCache|SkinnyGemm|DecodeChunk|Combine|RmsNorm|Mma"
COMPONENTS_ONLY=0; [[ " $* " == *" --components-only "* ]] && COMPONENTS_ONLY=1
if (( ! COMPONENTS_ONLY )); then
  "$NCU" --clock-control none -k "$DECODE_KERNELS" --launch-skip 200 --launch-count 16 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section LaunchStats --section Occupancy \
    --section WarpStateStats --section SchedulerStats \
    $P $ARGS --decode=8 --step_mode=graphs > "$OUT/ncu_decode.log" 2>&1
  echo "decode profile exit $?"
  grep -E "^  [A-Za-z].*\(|Duration|DRAM Throughput|Memory Throughput|Achieved Occupancy|Registers Per|Waves Per SM|Grid Size" \
    "$OUT/ncu_decode.log" | head -150
fi
for a in "$@"; do
  [[ $a == --components=* ]] || continue
  # Each op: a warm-up call, a warm graph replay, one timed replay (--reps=1).
  "$NCU" --clock-control none -k "regex:SkinnyGemm|Mma|Combine" --launch-count 60 \
    --section SpeedOfLight --section MemoryWorkloadAnalysis --section LaunchStats --section Occupancy \
    --section WarpStateStats ./build-gpu/apps/perf/xsd_llm_components --preset=7b --vocab=32064 --device=cuda:0 \
    --dtype=bf16 --span=2304 --reps=1 --rows="${a#--components=}" > "$OUT/ncu_components.log" 2>&1
  echo "components profile exit $?"
  grep -E "^  [A-Za-z].*\(|Duration|DRAM Throughput|Achieved Occupancy|Registers Per|Grid Size" \
    "$OUT/ncu_components.log" | head -150
done
if [[ " $* " != *" --decode-only "* ]] && (( ! COMPONENTS_ONLY )); then
  # Prefill: one pass per kernel (duration only); the random weights' init
  # kernels are left out by name.
  PREFILL_KERNELS="regex:gemm|Gemm|nvjet|cutlass|sm90|flash|fmha|Attention|attention|RmsNorm|Rope|Silu|softmax|Softmax|cat|copy"
  "$NCU" --clock-control none -k "$PREFILL_KERNELS" --launch-count 700 --metrics gpu__time_duration.sum \
    --print-summary per-kernel $P $ARGS --decode=1 --step_mode=eager > "$OUT/ncu_prefill.log" 2>&1
  echo "prefill profile exit $?"
  grep -E "^  [A-Za-z_].*|gpu__time_duration" "$OUT/ncu_prefill.log" | head -120
fi
tar czf /tmp/results.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -delete && mv /tmp/results.tgz "$OUT/results.tgz"
