#!/usr/bin/env bash
# GPU machine (one GPU), one call: xsd_train at 7B shapes with random
# weights (docs/training.md): extraction throughput (EventGPT drafter +
# Video-LLaVA target on one GPU, bf16, synthetic placeholder scenes) for the
# free, teacher-forced and target-sequence pairings, then the time per step
# and the GPU's peak memory of every adapter kind and the EAGLE head in bf16
# mixed precision; first the CUDA test cases (training's gradients on CUDA
# included) with the card printed.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/train_7b.sh
# $OUT receives summary.txt and results.tgz (logs, feature indexes, train logs).
set -uo pipefail
source tools/gpu/env.sh
exec > >(tee "$OUT/summary.txt") 2>&1
W=/tmp/xsd_train7b
rm -rf "$W"; mkdir -p "$W"
echo "card: $(xsd_card)"
T0=$SECONDS
bash tools/gpu/build.sh "$W" xsd_train xsd_make_checkpoint models_cuda_tests models_cuda_kernel_tests \
  training_cuda_tests vision_cuda_tests || exit 1
echo "build: $((SECONDS - T0)) s"
xsd_run_tests ./build-gpu "$W" training_cuda_tests models_cuda_tests models_cuda_kernel_tests vision_cuda_tests
source tools/gpu/checkpoints.sh
T0=$SECONDS
ensure_checkpoint video_llava_7b Video-LLaVA-7B-hf "$W/ck_vl.log"
ensure_checkpoint eventgpt_7b EventGPT-7b "$W/ck_egpt.log"
echo "checkpoints: $((SECONDS - T0)) s"
cat > "$W/extract.pbtxt" <<PBTXT
name: "extract_7b"
dtype: BFLOAT16
target {
  name: "video_llava"
  device: "cuda:0"
  video_llava { checkpoint { path: "$CK/Video-LLaVA-7B-hf" } num_frames: 8 }
}
drafter {
  name: "eventgpt"
  device: "cuda:0"
  eventgpt { checkpoint { path: "$CK/EventGPT-7b" } }
}
scheduler { name: "autoregressive" }
PBTXT
# Peak GPU memory of each step: nvidia-smi every 100 ms in the background.
peak() {  # peak NAME COMMAND...: runs it, prints its wall time and the peak memory used
  local name=$1; shift
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$W/mem_$name.csv" 2>/dev/null &
  local smi=$! t0=$SECONDS
  "$@" > "$W/$name.log" 2>&1
  local rc=$?
  kill $smi 2>/dev/null; wait $smi 2>/dev/null
  echo "$name: exit $rc, $((SECONDS - t0)) s, peak GPU memory $(sort -n "$W/mem_$name.csv" | tail -1) MiB"
  grep -E "samples in|epoch|wrote|error|Error" "$W/$name.log" | tail -4
}
X=./build-gpu/apps/train/xsd_train
for pairing in free teacher_forced target_sequence; do
  peak "extract_$pairing" $X extract --config "$W/extract.pbtxt" --synthetic_scenes 2 --n_questions 4 \
    --max_new_tokens 32 --pairing $pairing --out "$W/features_$pairing" --quiet
  tr '\r' '\n' < "$W/extract_$pairing.log" | grep -E "samples/s" | tail -1
done
VL="$CK/Video-LLaVA-7B-hf"
for kind in L1 L2 L3 L4 L5 B1 L5F; do
  case $kind in L1|L2|L3|L4) set_=free ;; *) set_=teacher_forced ;; esac
  peak "adapter_$kind" $X adapter --features "$W/features_$set_" --target "$VL" --kind $kind --loss research+ce \
    --device cuda --dtype bfloat16 --epochs 3 --batch_size 8 --validation_fraction 0.25 \
    --out "$W/adapters/$kind.safetensors" --quiet
done
peak eagle $X eagle --features "$W/features_target_sequence" --target "$VL" --device cuda --dtype bfloat16 \
  --epochs 3 --batch_size 2 --validation_fraction 0.25 --out "$W/adapters/eagle" --quiet
rm -rf "$W"/adapters/*.safetensors "$W"/adapters/eagle/*.safetensors "$W"/features_*/*.safetensors \
  "$W"/features_*/synthetic_dataset "$W"/*/checkpoint.safetensors "$W"/adapters/*.run/checkpoint.safetensors
tar czf "$OUT/results.tgz" -C "$W" . 2>/dev/null
echo "total: $SECONDS s"
