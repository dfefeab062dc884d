#!/usr/bin/env bash
# GPU machine, one call: does row-invariant numerics (--numerics=row_invariant)
# make greedy speculative output equal the target's own greedy output in
# bf16, and what does it cost? Builds, runs the CUDA test cases, times the
# Video-LLaVA-7B-shaped decode/verify steps in fast and in row-invariant
# numerics, profiles the row-invariant Linear layers (the skinny GEMM), then
# runs the planted bench (vl_baseline, 0 %, decode drafting at 75 / 100 %)
# in row-invariant numerics: "Same output as baseline" should read 18/18.
# --bench-only: build, CUDA cases and the planted bench, nothing timed per step.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/row_invariant_check.sh [--bench-only]
set -uo pipefail
source tools/gpu/env.sh
W=/tmp/xsd_rowinv; rm -rf $W; mkdir -p $W
bash tools/gpu/build.sh $W || exit 1
xsd_run_tests ./build-gpu $W models_cuda_tests models_cuda_kernel_tests
grep -B3 -A12 "FAILED" $W/models_cuda_tests.log $W/models_cuda_kernel_tests.log | head -60
P=./build-gpu/apps/perf/xsd_llm_perf
if [[ " $* " != *" --bench-only "* ]]; then
  for n in fast row_invariant; do
    $P --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 --gammas=1,2,4,8,16,32 \
      --repeats=8 --step_mode=graphs --numerics=$n --json="$W/perf_$n.json" > "$W/perf_$n.md"
    echo "== $n"; grep -E "prefill|decode|verify" "$W/perf_$n.md"
  done
  # Per-GEMM bandwidth of the skinny GEMM at 1 / 5 / 17 rows.
  ./build-gpu/apps/perf/xsd_llm_components --preset=7b --vocab=32064 --numerics=row_invariant \
    --device=cuda:0 --dtype=bf16 --rows=1,5,17 --span=2304 --reps=20 > $W/components_skinny.md
  grep -E "^rows|projection|lm head" $W/components_skinny.md
fi
source tools/gpu/checkpoints.sh
ensure_checkpoint video_llava_7b Video-LLaVA-7B-hf $W/ck.log
Q=configs/planted
timeout 200 ./build-gpu/apps/bench/xsd_bench --checkpoint_dir=$CK --max_new_tokens=30 --numerics=row_invariant \
  --builtin_scenes=6 --max_samples=6 --n_questions=3 --warmup=1 --output_dir=$W/planted \
  --config=configs/vl_baseline.pbtxt,$Q/planted_a000.pbtxt,$Q/planted_decode_a075.pbtxt,$Q/planted_decode_a100.pbtxt \
  > $W/bench.log 2>&1
echo "bench exit $?"
sed -n '/| Config | n /,/^$/p;/| Config | Same output/,/^$/p' $W/planted/e2e_wallclock_*.md
tar czf /tmp/rowinv.tgz -C $W --exclude='*.jsonl' --exclude=build.log . && cp /tmp/rowinv.tgz "$OUT/rowinv.tgz"
