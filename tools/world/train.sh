#!/usr/bin/env bash
# Regenerates the small trained driving world (docs/training.md): the world's
# files, the Video-LLaVA-shaped target and EventGPT-shaped drafter, the
# paired hidden states, every adapter and decode head, and the EAGLE head;
# then copies the shipped ones into configs/world/{models,adapters}.
# Usage: bash tools/world/train.sh WORK_DIR [--no-install]
# SHIP_LOSS (default ce, the acceptance-aware loss) picks the adapters installed.
# Needs build/ (xsd_make_world, xsd_train). CPU only; about an hour on two
# cores (each step prints its time). Every xsd_train call checkpoints and
# takes --resume: rerun the script to continue after a kill.
set -euo pipefail
cd "$(dirname "$0")/../.."
W=${1:?work directory}
INSTALL=1; [ "${2:-}" = --no-install ] && INSTALL=0
T=./build/apps/train/xsd_train
mkdir -p "$W"
step() { echo "== $* ($(date +%H:%M:%S))"; }
resume_flag() { [ -f "$1/checkpoint.safetensors" ] && echo --resume || true; }

step "world files (2000 training scenes, 100 held-out, 48 px)"
[ -f "$W/world/train/EventGPT_Instruction_Subset.json" ] ||
  ./build/apps/make_world/xsd_make_world --out "$W/world" --num_train 2000 --num_heldout 100 --video_size 48 --event_size 48

# Both models at once (one core each): a vision stage (the visual probe
# alone on 20 000 rendered scenes) then the language stage on the files.
step "train video_llava and eventgpt"
for m in video_llava eventgpt; do
  [ -f "$W/models/$m/model.safetensors" ] && continue
  vision_epochs=$([ $m = eventgpt ] && echo 10 || echo 8)
  $T world --world "$W/world" --out "$W/models" --models $m --train_scenes 2000 --val_scenes 40 --epochs 14 \
    --vision_scenes 20000 --vision_epochs $vision_epochs --quiet $(resume_flag "$W/models/runs/$m") \
    > "$W/train_$m.log" 2>&1 &
done
wait
grep -h "held-out answers" "$W"/train_*.log

# Extraction reads the models from configs/world/models (the shipped layout).
EXTRACT_CONFIG="$W/extract.pbtxt"
sed "s|configs/world/models|$W/models|" configs/world/training/extract.pbtxt > "$EXTRACT_CONFIG"
# Two at a time (two cores, one thread each).
extract() {
  $T extract --config "$EXTRACT_CONFIG" --dataset "$W/world/train" --max_scenes 400 --n_questions 8 --max_new_tokens 40 \
    --pairing $1 --out "$W/features/$1" --quiet $([ -f "$W/features/$1/features.index.json" ] && echo --resume) \
    > "$W/extract_$1.log" 2>&1
}
step "extract free + teacher_forced"
extract free & extract teacher_forced & wait
step "extract target_sequence"
extract target_sequence
tail -n 1 "$W"/extract_*.log

# Adapter widths for d = 96 (the research's ratios at d = 4096 do not fit: its
# bottleneck 256 is wider than d).
DIMS="--bottleneck 48 --wide_bottleneck 192 --heads 4 --ffn 192 --max_positions 64"
train_adapters() {  # one loss, every kind
  local loss=$1
  for kind in L1 L2 L3 L4 L5 B1 L5F; do
    # L1-L4 draft the prefill phase from the free pairing (the research's);
    # the decode heads read the drafter following the target (teacher forced).
    case $kind in L1|L2|L3|L4) set_=free ;; *) set_=teacher_forced ;; esac
    out="$W/adapters/$loss/$kind.safetensors"
    [ -f "$out" ] && continue
    $T adapter --features "$W/features/$set_" --target "$W/models/video_llava" --kind $kind --loss $loss $DIMS \
      --epochs 12 --batch_size 32 --lr 1e-3 --out "$out" --quiet $(resume_flag "$out.run") \
      > "$W/adapter_${loss}_$kind.log" 2>&1
  done
}
step "adapters: research loss and the acceptance-aware ce loss"
train_adapters research & train_adapters ce & wait
grep -h "epoch 12" "$W"/adapter_*.log

step "EAGLE head"
[ -f "$W/adapters/eagle/model.safetensors" ] ||
  $T eagle --features "$W/features/target_sequence" --target "$W/models/video_llava" --epochs 12 --batch_size 16 \
    --lr 1e-3 --out "$W/adapters/eagle" --quiet $(resume_flag "$W/adapters/eagle.run")

if [ $INSTALL = 1 ]; then
  step "install into configs/world"
  mkdir -p configs/world/models configs/world/adapters
  for m in video_llava eventgpt; do
    rm -rf "configs/world/models/$m"; cp -r "$W/models/$m" "configs/world/models/$m"
  done
  cp "$W"/adapters/${SHIP_LOSS:-ce}/*.safetensors configs/world/adapters/
  rm -rf configs/world/models/eagle; cp -r "$W/adapters/eagle" configs/world/models/eagle
fi
step done
