#!/usr/bin/env bash
# GPU machine, one lean call (issue 17): the default (exact, row-invariant)
# numerics as they stand, in the least device time —
#   1. build the targets needed; the CUDA cases of the kernel and model
#      tests (bitwise rows at any count, fused epilogues, SD == AR);
#   2. xsd_llm_perf at Video-LLaVA-7B shapes (exact): decode step, verify
#      ratios, prefill;
#   3. the planted accept% -> speedup table (Video-LLaVA only, exact; decode
#      drafting at 0-100 %), 18 requests x 30 tokens, "same output as
#      baseline" per row;
#   4. if time is left: the fast numerics' step and EventGPT-7B's (exact).
# Everything printed also lands in $OUT/summary.txt as it is written, so a
# call cut short still returns it.
# --no-planted: steps 1-2 and 4 only (about 2 minutes on a fresh machine).
# Usage (device tool, carry .gpu-deps): bash tools/gpu/exact_step_check.sh [--no-planted]
set -uo pipefail
source tools/gpu/env.sh
R=$OUT
exec > >(tee "$R/summary.txt") 2>&1
echo "card: $(xsd_card)"
PLANTED=1; [[ " $* " == *" --no-planted "* ]] && PLANTED=0
TARGETS=(models_cuda_kernel_tests models_cuda_tests xsd_llm_perf)
(( PLANTED )) && TARGETS+=(xsd_bench xsd_make_checkpoint)
bash tools/gpu/build.sh "$R" "${TARGETS[@]}" || exit 1
echo "built at ${SECONDS}s"
xsd_run_tests ./build-gpu "$R" models_cuda_kernel_tests models_cuda_tests
P=./build-gpu/apps/perf/xsd_llm_perf
vl_perf() {  # numerics
  $P --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 --gammas=1,2,4,8,16,32 \
    --repeats=10 --step_mode=graphs --numerics=$1 --json="$R/vl_$1.json" > "$R/vl_$1.md" 2>&1
  echo "== Video-LLaVA, $1 (${SECONDS}s)"; grep -E "prefill|decode step|verify" "$R/vl_$1.md"
}
vl_perf row_invariant
if (( PLANTED )); then
  source tools/gpu/checkpoints.sh
  ensure_checkpoint video_llava_7b Video-LLaVA-7B-hf "$R/checkpoint.log"
  echo "checkpoint at ${SECONDS}s"
  C=configs/planted
  timeout 150 ./build-gpu/apps/bench/xsd_bench --checkpoint_dir="$CK" --random_adapters --max_new_tokens=30 \
    --builtin_scenes=6 --max_samples=6 --n_questions=3 --warmup=1 --output_dir=/tmp/xsd_planted \
    --config=configs/vl_baseline.pbtxt,$C/planted_a000.pbtxt,$C/planted_decode_a047.pbtxt,$C/planted_decode_a075.pbtxt,$C/planted_decode_a086.pbtxt,$C/planted_decode_a100.pbtxt \
    > "$R/planted.log" 2>&1
  echo "planted exit $? at ${SECONDS}s"; sed -n '/^config /,/^results/p' "$R/planted.log"
  cp /tmp/xsd_planted/e2e_wallclock_*.md "$R/planted.md" 2>/dev/null
  grep -E "^\| (vl_baseline|planted)" "$R/planted.md" | awk -F'|' '{print $2 "|" $NF "|" $(NF-1)}' | head -8
fi
vl_perf fast
$P --preset=7b --vocab=32000 --device=cuda:0 --dtype=bf16 --prompt=640 --decode=64 --gammas=1,4,16 --repeats=10 \
  --step_mode=graphs --json="$R/egpt.json" > "$R/egpt.md" 2>&1
echo "== EventGPT, row_invariant (${SECONDS}s)"; grep -E "prefill|decode step|verify" "$R/egpt.md"
tar czf /tmp/results.tgz -C "$R" --exclude=build.log --exclude=summary.txt . && find "$R" -mindepth 1 ! -name summary.txt -delete && mv /tmp/results.tgz "$R/results.tgz"
