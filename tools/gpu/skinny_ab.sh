#!/usr/bin/env bash
# GPU machine, one call (issue 17): variants of the row-invariant (exact,
# default) step against each other and against fast numerics.
#   1. build against pip torch; the CUDA cases of the kernel and model tests
#      (bitwise: rows at any count, the fused epilogues, SD == AR);
#   2. every build variant's libxsd at once (tools/gpu/variant_libs.sh);
#   3. for each variant in turn: its CUDA cases (build variants), xsd_llm_perf
#      at Video-LLaVA-7B shapes (decode step, verify ratios, prefill) and
#      xsd_llm_components (each Linear alone); then a second xsd_llm_perf
#      round over all variants.
# VARIANTS: --kernel_options values of the default build ("fast" =
# --numerics=fast), or "build:FLAGS": libxsd built again with FLAGS as CUDA
# compile flags (a build-time define's A/B), its CUDA cases run too, or
# "fast+build:FLAGS": that build in fast numerics. A build variant differs in
# libxsd's CUDA objects only: variant_libs.sh compiles them with FLAGS from
# build-gpu's own commands, every variant's in one parallel pool, and links
# build-gpu/variants/<name>/libxsd.so.0 (until run 20 each variant
# reconfigured build-gpu and rebuilt in turn: 58 s in run 15, 75-100 s in
# run 18, 60-115 s in run 20); the executables run against it through
# LD_LIBRARY_PATH (they carry a RUNPATH, which it overrides; checked). The
# default list is the A/B of the moment. XSD_AB_GAMMAS (verify γ list) and
# XSD_AB_ROWS (component row counts) choose what is measured.
# Logs land in $OUT as they are written (a timeout keeps what is there).
# Usage (device tool, carry .gpu-deps): bash tools/gpu/skinny_ab.sh [VARIANT...]
set -uo pipefail
source tools/gpu/env.sh
echo "card: $(xsd_card)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv > "$OUT/gpu.csv" 2>&1
bash tools/gpu/build.sh "$OUT" models_cuda_kernel_tests models_cuda_tests xsd_llm_perf xsd_llm_components || exit 1
echo "built at ${SECONDS}s"
xsd_run_tests ./build-gpu "$OUT" models_cuda_kernel_tests models_cuda_tests
for t in models_cuda_kernel_tests models_cuda_tests; do grep -E "FAILED|with expansion" -A3 "$OUT/$t.log" | head -30; done
echo "tests done at ${SECONDS}s"
VARIANTS=("$@")
[ $# -eq 0 ] && VARIANTS=("gemv=1" fast)  # gemv=1: the defaults
# name, library directory (LD_LIBRARY_PATH) and xsd_llm_perf / xsd_llm_components arguments of variant $1
slug() { echo "$1" | tr -c 'a-zA-Z0-9_\n' '_'; }
variant() {
  name=$(slug "$1") libs=build-gpu/variants/default args=()
  case "$1" in
    fast) args=(--numerics=fast) ;;
    build:*) libs=build-gpu/variants/$name ;;
    fast+build:*) libs=build-gpu/variants/$(slug "${1#fast+}") args=(--numerics=fast) ;;
    *) args=("--kernel_options=$1") ;;
  esac
}
keep_library() {  # DIR: this build's libxsd
  mkdir -p "$1" && cp -L build-gpu/lib/libxsd.so.0 "$1/libxsd.so.0" || exit 1
}
keep_library build-gpu/variants/default
BUILDS=()  # NAME FLAGS pairs, one per build (build:F and fast+build:F share it)
for v in "${VARIANTS[@]}"; do
  [[ $v == build:* || $v == fast+build:* ]] || continue
  variant "${v#fast+}"
  printf '%s\n' "${BUILDS[@]}" | grep -qxF "$name" || BUILDS+=("$name" "${v#*build:}")
done
if (( ${#BUILDS[@]} > 0 )); then
  readelf -d build-gpu/apps/perf/xsd_llm_perf | grep -q RUNPATH || { echo "executables carry no RUNPATH"; exit 1; }
  bash tools/gpu/variant_libs.sh "$OUT/variants" "${BUILDS[@]}"
  echo "variants built at ${SECONDS}s"
fi
test_variant() {  # $1: a build variant: its CUDA cases, once (both numerics share it); 1 if it did not build
  variant "${1#fast+}"
  [ -f "$libs/libxsd.so.0" ] || { echo "== $1: no library (its build failed), skipped"; return 1; }
  [ -f "$libs/tested" ] && return 0
  mkdir -p "$OUT/$name"
  LD_LIBRARY_PATH=$libs:$LD_LIBRARY_PATH ldd build-gpu/apps/perf/xsd_llm_perf | grep libxsd
  LD_LIBRARY_PATH=$libs:$LD_LIBRARY_PATH xsd_run_tests ./build-gpu "$OUT/$name" models_cuda_kernel_tests models_cuda_tests
  touch "$libs/tested"
  echo "$1 tested at ${SECONDS}s"
}
perf() {  # $1: variant, $2: round
  (( SECONDS > ${XSD_PERF_BUDGET_S:-520} )) && { echo "== $1 round $2 skipped (time: ${SECONDS}s)"; return; }
  variant "$1"
  [ -f "$libs/libxsd.so.0" ] || return  # a build variant that did not build
  LD_LIBRARY_PATH=$libs:$LD_LIBRARY_PATH ./build-gpu/apps/perf/xsd_llm_perf --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --prompt=2076 --decode=64 \
    --gammas=${XSD_AB_GAMMAS:-1,2,4,8,16,32} --repeats=10 --step_mode=graphs "${args[@]}" --json="$OUT/perf_${name}_r$2.json" \
    > "$OUT/perf_${name}_r$2.md" 2>&1
  echo "== $1 round $2 (${SECONDS}s)"; grep -E "prefill|decode|verify" "$OUT/perf_${name}_r$2.md" | head -20
}
components() {  # $1: variant
  (( SECONDS > ${XSD_PERF_BUDGET_S:-520} )) && return
  variant "$1"
  [ -f "$libs/libxsd.so.0" ] || return
  LD_LIBRARY_PATH=$libs:$LD_LIBRARY_PATH ./build-gpu/apps/perf/xsd_llm_components --preset=7b --vocab=32064 --device=cuda:0 --dtype=bf16 --rows=${XSD_AB_ROWS:-1,2,9,17,33} \
    --span=2304 --reps=20 "${args[@]}" --json="$OUT/components_$name.json" > "$OUT/components_$name.md" 2>&1
  echo "== components $1: $(grep -E "sum" "$OUT/components_$name.md" | tr -d "*|" | tr -s " " | paste -sd ";" -)"
}
# Round 1 times each variant as soon as it is built, so a call cut short
# still returns the variants it reached; round 2 alternates them again.
for v in "${VARIANTS[@]}"; do
  (( SECONDS > ${XSD_PERF_BUDGET_S:-520} )) && { echo "== $v and those after it skipped (time: ${SECONDS}s)"; break; }
  if [[ $v == build:* || $v == fast+build:* ]]; then test_variant "$v" || continue; fi
  perf "$v" 1
  components "$v"
done
for v in "${VARIANTS[@]}"; do perf "$v" 2; done
echo "elapsed ${SECONDS}s"
# One archive: the device tool brings back a limited number of files.
tar czf /tmp/results.tgz -C "$OUT" . && find "$OUT" -mindepth 1 -delete && mv /tmp/results.tgz "$OUT/results.tgz"
