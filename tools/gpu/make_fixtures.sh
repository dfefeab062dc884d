#!/usr/bin/env bash
# GPU machine: regenerate the transformers-referenced test fixtures in one
# call. Expects the generator scripts and the committed inputs they update
# staged in .fixture-run/ (a copy of tools/fixtures and tests/data); writes
# one log per generator and fixtures.tar.gz (tests/data/...) into $OUT.
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
cd .fixture-run
export PYTHONUNBUFFERED=1 CUDA_VISIBLE_DEVICES=""   # references run on the CPU in float32
python3 -c 'import torch, transformers, safetensors; print("torch", torch.__version__, "transformers", transformers.__version__)' | tee "$OUT/versions.log"
for gen in io media tokenizer llama vision; do
  script=tools/fixtures/make_${gen}_fixtures.py
  [ -f "$script" ] || continue
  start=$(date +%s)
  timeout 240 python3 "$script" > "$OUT/$gen.log" 2>&1
  echo "$gen: exit $? in $(( $(date +%s) - start )) s" | tee -a "$OUT/summary.log"
done
tar -czf "$OUT/fixtures.tar.gz" tests/data
ls -la "$OUT"
