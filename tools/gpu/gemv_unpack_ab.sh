#!/usr/bin/env bash
# GPU machine, one call: does unpacking bf16 with plain shifts in the GEMVs'
# Dot8 (XSD_GEMV_SHIFT_UNPACK, gemv_common.cuh) pay? The same floats, so the
# same bits; in the PTX the intrinsic's conversions are repeated for every
# product while the shifts can be shared between the M x rows and kF weight
# rows reading one word. This script answers in three steps:
#   1. SASS instruction counts of a few GEMV instantiations, both ways
#      (cuobjdump): whether ptxas already shared the conversions;
#   2. a second build (build-gpu-shift) with the define, its CUDA cases;
#   3. xsd_llm_perf at 7B, both builds alternately, in fast numerics (the
#      GEMVs serve fast mode's one-row calls; under the default row-invariant
#      numerics only the shapes the skinny GEMM does not take).
# Usage (device tool, carry .gpu-deps): bash tools/gpu/gemv_unpack_ab.sh
set -uo pipefail
source tools/gpu/env.sh
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
CUOBJDUMP=$(command -v cuobjdump || echo "$(dirname "$NVCC")/cuobjdump")
for variant in intrinsic shift; do
  flags=""; [[ $variant == shift ]] && flags="-DXSD_GEMV_SHIFT_UNPACK"
  # shellcheck disable=SC2086
  "$NVCC" -std=c++17 -arch=sm_90 -O3 -cubin $flags -I lib/src lib/src/kernels/gemv.cu -o "$OUT/gemv_$variant.cubin" &&
    "$CUOBJDUMP" -sass "$OUT/gemv_$variant.cubin" > "$OUT/gemv_$variant.sass" 2> "$OUT/sass_$variant.err"
done
python3 - "$OUT" <<'PY'
import collections, re, sys
out = sys.argv[1]
# M rows, kF features (any load grouping): the decode (M = 1) and
# verify-slice (M = 5, 8) forms.
wanted = {"M1 kF1": "GemvBf16KernelILi1ELi1E", "M1 kF4": "GemvBf16KernelILi1ELi4E",
          "M5 kF1": "GemvBf16KernelILi5ELi1E", "M8 kF1": "GemvBf16KernelILi8ELi1E"}
for variant in ("intrinsic", "shift"):
    try:
        text = open(f"{out}/gemv_{variant}.sass").read()
    except OSError:
        print(f"{variant}: no SASS (see sass_{variant}.err)"); continue
    for part in re.split(r"\n\s*Function : ", text)[1:]:
        name = part.split("\n", 1)[0].strip()
        label = next((k for k, v in wanted.items() if v in name), None)
        if label is None:
            continue
        ops = collections.Counter(m.group(1).split(".")[0]
                                  for m in re.finditer(r"/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9.]+)", part))
        total = sum(ops.values())
        keep = {k: ops[k] for k in ("FFMA", "PRMT", "IMAD", "SHF", "LOP3", "LDG", "F2F") if ops[k]}
        args = re.search(r"GemvBf16KernelI(\w+?)EEEv", name)
        print(f"{variant:9} {label} <{args.group(1) if args else name}>: {total} instructions {keep}")
PY
bash tools/gpu/build.sh "$OUT/default" xsd_llm_perf || exit 1
XSD_BUILD_DIR=build-gpu-shift XSD_CUDA_FLAGS="-DXSD_GEMV_SHIFT_UNPACK" \
  bash tools/gpu/build.sh "$OUT/shift" xsd_llm_perf models_cuda_tests models_cuda_kernel_tests || exit 1
mkdir -p "$OUT/shift_tests"
xsd_run_tests ./build-gpu-shift "$OUT/shift_tests" models_cuda_tests models_cuda_kernel_tests
ARGS="--preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 --gammas=1,4,8,16 --repeats=10"
ARGS="$ARGS --step_mode=graphs"
for round in 1 2; do
  for build in build-gpu build-gpu-shift; do
    for mode in fast; do
      # shellcheck disable=SC2086
      ./$build/apps/perf/xsd_llm_perf $ARGS --numerics=$mode > "$OUT/perf_${build}_${mode}_$round.md" 2>&1
      echo "== round $round, $build, $mode"
      grep -E "decode step|verify" "$OUT/perf_${build}_${mode}_$round.md"
    done
  done
done
echo "elapsed ${SECONDS}s"
tar czf /tmp/results.tgz -C "$OUT" --exclude='*.cubin' --exclude='build.log' . && find "$OUT" -mindepth 1 -delete && mv /tmp/results.tgz "$OUT/results.tgz"
