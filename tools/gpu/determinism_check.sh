#!/usr/bin/env bash
# GPU machine, after perf_e2e.sh (same warm machine: build-gpu and
# /tmp/xsd_ck present): is the target's greedy output reproducible? Runs
# vl_baseline, an identical copy, a copy with cuda_graphs false, and L4+VL on
# one GPU, and reports "same output as baseline" per config.
# Builds and writes the checkpoints itself when the machine is fresh.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/determinism_check.sh
set -uo pipefail
source tools/gpu/env.sh
W=/tmp/xsd_det; rm -rf $W; mkdir -p $W
if [ ! -x build-gpu/apps/bench/xsd_bench ]; then
  bash tools/gpu/build.sh $W xsd_bench xsd_make_checkpoint || exit 1
fi
CK=/tmp/xsd_ck
if [ ! -f $CK/Video-LLaVA-7B-hf/config.json ]; then
  python3 tools/pad_tokenizer.py tests/data/tokenizer/llama /tmp/tok32k --vocab 32000
  ./build-gpu/apps/make_checkpoint/xsd_make_checkpoint --preset video_llava_7b --out $CK/Video-LLaVA-7B-hf \
    --tokenizer /tmp/tok32k --dtype bfloat16 > $W/ck.log 2>&1
  ./build-gpu/apps/make_checkpoint/xsd_make_checkpoint --preset eventgpt_7b --out $CK/EventGPT-7b \
    --tokenizer /tmp/tok32k --dtype bfloat16 >> $W/ck.log 2>&1
fi
sed 's/^name: "vl_baseline"/name: "vl_copy"/' configs/vl_baseline.pbtxt > $W/vl_copy.pbtxt
sed -e 's/^name: "vl_baseline"/name: "vl_eager"/' -e 's/  device: "cuda:0"/  device: "cuda:0"\n  cuda_graphs: false/' \
  configs/vl_baseline.pbtxt > $W/vl_eager.pbtxt
./build-gpu/apps/bench/xsd_bench --checkpoint_dir=/tmp/xsd_ck --random_adapters --max_new_tokens=30 --builtin_scenes=6 \
  --max_samples=6 --n_questions=3 --warmup=1 --output_dir=$W/out --drafter_device=cuda:0 \
  --config=configs/vl_baseline.pbtxt,$W/vl_copy.pbtxt,$W/vl_eager.pbtxt,configs/L4+VL.pbtxt > $W/bench.log 2>&1
echo "bench exit $?"
sed -n '/^config /,/^results/p' $W/bench.log
sed -n '/## Results/,/## Three/p' $W/out/e2e_wallclock_*.md | grep "^| [vL]"
cp $W/out/e2e_wallclock_*.jsonl "$OUT/determinism.jsonl"
