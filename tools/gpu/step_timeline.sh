#!/usr/bin/env bash
# GPU machine, one call: where the exact (row-invariant) step's time goes
# against the fast one's, kernel by kernel, as the kernels run in the step
# (CUDA graphs, programmatic dependent launch), unlike ncu_profile.sh (each
# kernel alone) and xsd_llm_components (each op alone, back to back).
# Nsight Systems traces xsd_llm_perf at 7B Video-LLaVA shapes in both
# numerics (graph nodes traced one by one); `nsys stats` sums GPU time per
# kernel name. Prefill kernels are the same in both runs, so the difference
# of the two tables is the steps'. Untested until its first call.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/step_timeline.sh
set -uo pipefail
source tools/gpu/env.sh
exec > >(tee "$OUT/summary.txt") 2>&1
echo "card: $(xsd_card)"
NSYS=$(command -v nsys || ls /opt/nvidia/nsight-systems/*/bin/nsys /usr/local/cuda/bin/nsys 2>/dev/null | head -1)
[[ -n "$NSYS" ]] || { echo "no nsys on this machine"; exit 1; }
"$NSYS" --version
bash tools/gpu/build.sh "$OUT" xsd_llm_perf || exit 1
P=./build-gpu/apps/perf/xsd_llm_perf
for n in row_invariant fast; do
  "$NSYS" profile --cuda-graph-trace=node --trace=cuda --force-overwrite=true -o "/tmp/step_$n" \
    $P --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 --gammas=4 --repeats=3 \
    --step_mode=graphs --numerics=$n > "$OUT/perf_$n.md" 2>&1
  echo "== $n: profile exit $?"
  "$NSYS" stats --report cuda_gpu_kern_sum --format csv --output "$OUT/kernels_$n" "/tmp/step_$n.nsys-rep" > /dev/null 2>&1
  # Total ns, instances, average ns and name of the 25 costliest kernels.
  python3 - "$OUT/kernels_${n}_cuda_gpu_kern_sum.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
key = lambda r: float(r.get("Total Time (ns)", 0) or 0)
for r in sorted(rows, key=key, reverse=True)[:25]:
    print(f'{key(r) / 1e6:9.3f} ms {r.get("Instances", ""):>7} x {float(r.get("Avg (ns)", 0) or 0) / 1e3:8.2f} us  {r.get("Name", "")[:90]}')
PY
done
tar czf /tmp/results.tgz -C "$OUT" --exclude=build.log --exclude=summary.txt . && find "$OUT" -mindepth 1 ! -name summary.txt -delete && mv /tmp/results.tgz "$OUT/results.tgz"
