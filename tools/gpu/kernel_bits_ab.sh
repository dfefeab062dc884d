#!/usr/bin/env bash
# GPU machine: do two versions of lib/src/kernels give the same bits? Builds
# tools/gpu/kernel_bits/driver.cu (fixed inputs through the GEMV, SiLU-gate,
# GEMV + rotary, RMSNorm and cached-attention launchers; every output hashed)
# against OLD_DIR (a copy of lib/src/kernels from an earlier commit, carried
# in a git-ignored folder) and against this checkout's kernels, runs both and
# diffs the hashes. Used when a refactor deletes variants (issue 18).
# XSD_CUDA_FLAGS: compile flags of the new side only (a build-time define's
# A/B against the same sources: OLD_DIR = lib/src/kernels).
# Usage (device tool, carry OLD_DIR): bash tools/gpu/kernel_bits_ab.sh OLD_DIR
set -uo pipefail
OLD=${1:?a copy of an earlier lib/src/kernels}
OUT=${OUT:-/tmp/out}
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
W=/tmp/kernel_bits; rm -rf $W; mkdir -p $W
build() {  # SRC_DIR OUT_DIR [FLAGS]
  mkdir -p "$2"
  for f in llama_kernels gemv gemv_rope cached_attention attention_mma; do
    # shellcheck disable=SC2086  # FLAGS: several words
    "$NVCC" -std=c++17 -arch=sm_90 -O2 ${3:-} -c "$1/$f.cu" -o "$2/$f.o" || return 1
  done
  "$NVCC" -std=c++17 -arch=sm_90 -O2 -I"$1" -c tools/gpu/kernel_bits/driver.cu -o "$2/driver.o" || return 1
  "$NVCC" -arch=sm_90 "$2"/*.o -o "$2/ab"
}
build "$OLD" $W/old & build lib/src/kernels $W/new "${XSD_CUDA_FLAGS:-}" & wait
$W/old/ab $W/old.txt > $W/old.log 2>&1; echo "old kernels exit $? ($(wc -l < $W/old.txt) outputs)"
$W/new/ab $W/new.txt > $W/new.log 2>&1; echo "new kernels exit $? ($(wc -l < $W/new.txt) outputs)"
if diff $W/old.txt $W/new.txt > $W/diff.txt; then echo "kernel bits: identical"; else echo "kernel bits: DIFFER"; head -20 $W/diff.txt; fi
cp $W/old.txt $W/new.txt "$OUT/" 2>/dev/null
