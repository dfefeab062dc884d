#!/usr/bin/env bash
# GPU machine (nvidia-h200-x2), one call: build, CUDA test cases, 7B-shaped
# random checkpoints of Video-LLaVA and EventGPT, then xsd_bench end to end
# (30 tokens, placeholder media: the machine has no OpenCV):
#   1. vl_baseline vs L4+VL, EventGPT on cuda:1, Video-LLaVA on cuda:0
#   2. the same with both on cuda:0 (one-GPU prefill hiding, two streams)
#   3. the planted-acceptance table (configs/planted, noisy oracle)
#   4. with --hf: transformers eager Video-LLaVA prefill/decode on the same
#      checkpoint (~2-3 minutes of the 10-minute call)
# The one-GPU run also holds two copies of vl_baseline (identical; eager
# steps) for the bf16 reproducibility check. The LLM shapes alone:
# perf_llm.sh.
# --planted-only (one GPU is enough): only step 3, with the planted configs
# that span the accept%->speedup table (0 % and decode drafting at 21-100 %),
# the bench killed after 300 s so the results still come back.
# --one-gpu-only (one GPU): the LLM shapes (xsd_llm_perf, Video-LLaVA and
# EventGPT, no A/B), then step 2 without the reproducibility copies, then
# --hf's transformers run in what is left of a 570-second budget.
# --numerics=row_invariant (or fast) and --kernel_options=... are passed to
# every xsd_bench run.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/perf_e2e.sh [--ctest] [--hf] [--planted-only|--one-gpu-only]
#   [--numerics=fast|row_invariant] [--kernel_options=name=value,...]
# $OUT receives two files (the device tool returns at most 8, alphabetically
# first): results.tgz (every bench's markdown, JSON report and charts, the
# LLM and transformers JSON, all logs) and summary.txt (this script's output).
set -uo pipefail
source tools/gpu/env.sh
FINAL=$OUT/results
ARGS=("$@")
mkdir -p "$FINAL"
exec > >(tee "$OUT/summary.txt") 2>&1
OUT=/tmp/xsd_e2e_work
rm -rf "$OUT"; mkdir -p "$OUT"
nvidia-smi --query-gpu=index,name,memory.total,clocks.sm --format=csv > "$OUT/gpu.csv" 2>&1
bash tools/gpu/build.sh "$OUT" || exit 1
B=./build-gpu
xsd_run_tests $B "$OUT" models_cuda_tests models_cuda_kernel_tests vision_cuda_tests
source tools/gpu/checkpoints.sh
T0=$(date +%s)
if [[ " ${ARGS[*]} " == *" --one-gpu-only "* ]]; then
  P=$B/apps/perf/xsd_llm_perf
  $P --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 --gammas=1,2,4,8,16,32 \
    --repeats=10 --step_mode=graphs --json="$FINAL/xsd_vl_graphs.json" > "$FINAL/xsd_vl_graphs.md"
  $P --preset=7b --vocab=32000 --device=cuda:0 --dtype=bf16 --prompt=640 --decode=64 --gammas=1,4,16 --repeats=10 \
    --step_mode=graphs --json="$FINAL/xsd_egpt_graphs.json" > "$FINAL/xsd_egpt_graphs.md"
  grep -E "prefill|decode|verify" "$FINAL/xsd_vl_graphs.md" "$FINAL/xsd_egpt_graphs.md"
fi
ensure_checkpoint video_llava_7b Video-LLaVA-7B-hf "$OUT/ck_vl.log"
[[ " ${ARGS[*]} " == *" --planted-only "* ]] || ensure_checkpoint eventgpt_7b EventGPT-7b "$OUT/ck_egpt.log"
echo "checkpoints: $(( $(date +%s) - T0 )) s"; du -sh $CK/* | tr '\n' ' '; echo
COMMON="--checkpoint_dir=$CK --random_adapters --max_new_tokens=30 --builtin_scenes=6 --max_samples=6 --n_questions=3 --warmup=1"
for a in "${ARGS[@]}"; do [[ $a == --numerics=* || $a == --kernel_options=* ]] && COMMON="$COMMON $a"; done
run_bench() {  # name, extra flags...
  local name=$1; shift
  T0=$(date +%s)
  ${BENCH_TIMEOUT:-} $B/apps/bench/xsd_bench $COMMON --output_dir="$OUT/$name" "$@" > "$OUT/$name.log" 2>&1
  echo "$name exit $? ($(( $(date +%s) - T0 )) s)"; sed -n '/^config /,/^results/p' "$OUT/$name.log"
  cp "$OUT/$name"/e2e_wallclock_*.md "$FINAL/$name.md"; cp "$OUT/$name"/e2e_wallclock_*.json "$FINAL/$name.json"
  for png in "$OUT/$name"/*.png; do [ -f "$png" ] && cp "$png" "$FINAL/${name}_$(basename "$png" | sed 's/_[0-9_]*\.png$/.png/')"; done
}
if [[ " ${ARGS[*]} " == *" --planted-only "* ]]; then
  P=configs/planted
  BENCH_TIMEOUT="timeout 300" run_bench planted \
    --config=configs/vl_baseline.pbtxt,$P/planted_a000.pbtxt,$P/planted_decode_a047.pbtxt,$P/planted_adaptive_a047.pbtxt,$P/planted_decode_a075.pbtxt,$P/planted_adaptive_a075.pbtxt,$P/planted_decode_a086.pbtxt,$P/planted_decode_a100.pbtxt
  cp "$OUT"/planted/*.jsonl "$FINAL/" 2>/dev/null
  cat "$OUT"/*.log > "$FINAL/logs.txt" 2>/dev/null
  tar czf "$FINAL/../results.tgz" -C "$FINAL" . && rm -rf "$FINAL"
  exit 0
fi
if [[ " ${ARGS[*]} " == *" --one-gpu-only "* ]]; then
  BENCH_TIMEOUT="timeout 200" run_bench one_gpu --config=configs/vl_baseline.pbtxt,configs/L4+VL.pbtxt --drafter_device=cuda:0
  left=$(( 570 - SECONDS ))
  if [[ " ${ARGS[*]} " == *" --hf "* && $left -gt 60 ]]; then
    timeout $left python3 tools/gpu/hf_video_llava_perf.py --checkpoint $CK/Video-LLaVA-7B-hf \
      --json "$FINAL/hf_video_llava.json" 2>&1 | tail -3
  fi
  echo "elapsed ${SECONDS}s"
  cat "$OUT"/*.log > "$FINAL/logs.txt" 2>/dev/null
  tar czf "$FINAL/../results.tgz" -C "$FINAL" . && rm -rf "$FINAL"
  exit 0
fi
run_bench two_gpu --config_set=models --configs=vl_baseline,L4+VL --drafter_device=cuda:1
# One GPU, with two copies of the baseline (identical; eager steps) whose
# outputs must equal vl_baseline's: the bf16 reproducibility check.
baseline_copy vl_copy "$OUT"; baseline_copy vl_eager "$OUT" eager
run_bench one_gpu --config=configs/vl_baseline.pbtxt,"$OUT/vl_copy.pbtxt","$OUT/vl_eager.pbtxt",configs/L4+VL.pbtxt \
  --drafter_device=cuda:0
run_bench planted --config=configs/vl_baseline.pbtxt,$(ls configs/planted/*.pbtxt | paste -sd,)
set -- "${ARGS[@]}"
if [[ " $* " == *" --hf "* ]]; then
  timeout 200 python3 tools/gpu/hf_video_llava_perf.py --checkpoint $CK/Video-LLaVA-7B-hf \
    --json "$FINAL/hf_video_llava.json" 2>&1 | tail -1
fi
echo "elapsed ${SECONDS}s"
if [[ " $* " == *" --ctest "* ]]; then
  (cd build-gpu && OMP_NUM_THREADS=2 timeout 300 ctest --output-on-failure -j 16 > "$OUT/ctest.log" 2>&1); xsd_summary ctest $? "$OUT/ctest.log"
  grep -E "tests passed|Failed|\*\*\*" "$OUT/ctest.log" | head
fi
cat "$OUT"/*.log > "$FINAL/logs.txt" 2>/dev/null
tar czf "$FINAL/../results.tgz" -C "$FINAL" . && rm -rf "$FINAL"
