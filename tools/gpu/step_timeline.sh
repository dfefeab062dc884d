#!/usr/bin/env bash
# GPU machine, one call: where the exact (row-invariant) step's time goes
# against the fast one's, kernel by kernel, as the kernels run in the step
# (CUDA graphs, programmatic dependent launch), unlike ncu_profile.sh (each
# kernel alone) and xsd_llm_components (each op alone, back to back).
# The machine has no Nsight Systems: tools/gpu/kernel_trace/kernel_trace.cc,
# a CUPTI injection library, records every kernel's GPU start and end while
# xsd_llm_perf runs at 7B Video-LLaVA shapes in both numerics;
# kernel_trace/summarize.py splits the graphs' replays and gives, per
# decode step and verify step (gamma 8, 16), the span, the kernels' time, the idle time, the time per kernel
# and the gaps between kernels.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/step_timeline.sh [NUMERICS...]
set -uo pipefail
source tools/gpu/env.sh
exec > >(tee "$OUT/summary.txt") 2>&1
echo "card: $(xsd_card)"
CUPTI_H=$(ls /usr/local/cuda/include/cupti.h /usr/local/cuda-*/include/cupti.h \
  "$(python3 -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null)"/nvidia/*/include/cupti.h \
  /usr/local/cuda/extras/CUPTI/include/cupti.h 2>/dev/null | head -1)
[[ -n "$CUPTI_H" ]] || { echo "no cupti.h on this machine"; exit 1; }
CUPTI=$(dirname "$(dirname "$CUPTI_H")")
CUPTI_LIB=$(ls -d "$CUPTI"/lib64/libcupti.so* "$CUPTI"/lib/libcupti.so* 2>/dev/null | head -1)
echo "cupti: $CUPTI_H, $CUPTI_LIB"
# cupti.h includes the toolkit's headers (crt/host_defines.h): found beside
# nvcc, under /usr/local/cuda*, or in pip's nvidia packages.
NVCC=$(command -v nvcc || ls /usr/local/cuda*/bin/nvcc 2>/dev/null | head -1)
PIP_NVIDIA=$(python3 -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))' 2>/dev/null)/nvidia
CRT=$(find ${NVCC:+"$(dirname "$(dirname "$NVCC")")"} /usr/local/cuda* "$CUPTI" "$PIP_NVIDIA" \
  -path "*crt/host_defines.h" 2>/dev/null | head -1)
echo "toolkit headers: ${CRT:-none found}"
TRACER=/tmp/libxsd_kernel_trace.so
g++ -std=c++17 -O2 -shared -fPIC tools/gpu/kernel_trace/kernel_trace.cc -I"$CUPTI/include" \
  ${CRT:+-I"$(dirname "$(dirname "$CRT")")"} \
  "$CUPTI_LIB" -Wl,-rpath,"$(dirname "$CUPTI_LIB")" -o "$TRACER" || exit 1  # the library by path: pip ships only libcupti.so.13
bash tools/gpu/build.sh "$OUT" xsd_llm_perf || exit 1
P=./build-gpu/apps/perf/xsd_llm_perf
MODES=("$@")
[ $# -eq 0 ] && MODES=(row_invariant fast)
LABELS=()
for n in "${MODES[@]}"; do
  CUDA_INJECTION64_PATH=$TRACER XSD_KERNEL_TRACE="$OUT/trace_$n.csv" \
    $P --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=32 --gammas=8,16 --repeats=10 \
    --step_mode=graphs --numerics=$n > "$OUT/perf_$n.md" 2>&1
  echo "== $n: exit $?, $(wc -l < "$OUT/trace_$n.csv") kernels traced; $(grep -E "decode step" "$OUT/perf_$n.md")"
  LABELS+=("$n=$OUT/trace_$n.csv")
done
python3 tools/gpu/kernel_trace/summarize.py "${LABELS[@]}" > "$OUT/timeline.md"
cat "$OUT/timeline.md" | head -150
tar czf /tmp/results.tgz -C "$OUT" --exclude=build.log --exclude=summary.txt . && find "$OUT" -mindepth 1 ! -name summary.txt -delete && mv /tmp/results.tgz "$OUT/results.tgz"
