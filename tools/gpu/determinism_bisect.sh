#!/usr/bin/env bash
# GPU machine, one call: which kernel family makes the target's greedy bf16
# output differ between identical runs? One bench process per variant (an
# environment switch), each running vl_baseline and two identical copies on
# one GPU; a variant whose copies always match the baseline has removed the
# source. Variants are xsd_bench --kernel_options. Reuses build-gpu and /tmp/xsd_ck when the machine is warm.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/determinism_bisect.sh
set -uo pipefail
source tools/gpu/env.sh
W=/tmp/xsd_bisect; rm -rf $W; mkdir -p $W
source tools/gpu/checkpoints.sh
ensure_bench_build $W || exit 1
ensure_checkpoint video_llava_7b Video-LLaVA-7B-hf $W/ck.log
baseline_copy vl_copy $W; baseline_copy vl_copy2 $W
run() {  # run NAME [XSD_BENCH FLAGS...]
  local name=$1; shift
  ./build-gpu/apps/bench/xsd_bench "$@" --checkpoint_dir=$CK --max_new_tokens=30 --builtin_scenes=6 --max_samples=6 \
    --n_questions=3 --warmup=1 --output_dir=$W/$name \
    --config=configs/vl_baseline.pbtxt,$W/vl_copy.pbtxt,$W/vl_copy2.pbtxt > $W/bench_$name.log 2>&1
  echo "== $name ($*): bench exit $?"
  sed -n '/| Config | Same output/,/^$/p' $W/$name/e2e_wallclock_*.md | grep -E "vl_copy|Config"
}
# Run 6 (2026-11-28), before the decode kernel became the one-row default:
# default (SDPA at one row) 8-10/18; XSD_ATTENTION_PATH=math 18/18; GEMV,
# rotary kernel, cuBLASLt and cuDNN convolution switches changed nothing;
# SDPA with its cuDNN backend off 18/18, with flash or efficient off 9-11/18.
# Now: the default (one-row decode kernel) should match 18/18, SDPA at one
# row (cuDNN) should not.
run default
run sdpa --kernel_options=attention_path=sdpa
tar czf /tmp/bisect.tgz -C $W --exclude='*.jsonl' . && cp /tmp/bisect.tgz "$OUT/bisect.tgz"
