#!/usr/bin/env bash
# GPU machine: configure and build libxsd into build-gpu against pip torch
# (CUDA) with the carried Abseil; the fused CUDA kernels are optional, so a
# failure to compile them is reported and the build retried without them.
# Used by the other tools/gpu scripts: bash tools/gpu/build.sh LOG_DIR [ninja targets...]
# XSD_BUILD_DIR (default build-gpu) and XSD_CMAKE_EXTRA (more cmake
# arguments) and XSD_CUDA_FLAGS (CUDA compile flags, one argument: defines
# of an A/B) build a variant beside it (skinny_ab.sh). Tests are
# configured with XSD_REQUIRE_CUDA: a CUDA test executable that finds no
# device fails instead of reporting itself skipped.
set -uo pipefail
source tools/gpu/env.sh
LOG=${1:?log directory}; shift
mkdir -p "$LOG"
B=${XSD_BUILD_DIR:-build-gpu}
# shellcheck disable=SC2086  # XSD_CMAKE_EXTRA: several words
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DXSD_WITH_OPENCV=OFF -DXSD_REQUIRE_CUDA=ON ${XSD_CMAKE_EXTRA:-} \
  "-DCMAKE_CUDA_FLAGS=${XSD_CUDA_FLAGS:-}" \
  -DCMAKE_PREFIX_PATH="$XSD_TORCH_PREFIX;/opt/xsd-deps/usr" > "$LOG/configure.log" 2>&1 || { tail -30 "$LOG/configure.log"; exit 1; }
grep -E "torch header fix|fused CUDA kernels" "$LOG/configure.log"
if ! ninja -C "$B" -k 0 -j "$(nproc)" "$@" > "$LOG/build.log" 2>&1; then
  grep -E "error|FAILED" -A5 "$LOG/build.log" | head -40
  if grep -q "fused CUDA kernels ON" "$LOG/configure.log"; then
    echo "build failed with the fused kernels: retrying with -DXSD_WITH_CUDA_KERNELS=OFF"
    cmake -S . -B "$B" -DXSD_WITH_CUDA_KERNELS=OFF >> "$LOG/configure.log" 2>&1
    ninja -C "$B" -k 0 -j "$(nproc)" "$@" > "$LOG/build.log" 2>&1 || { grep -E "error|FAILED" -A5 "$LOG/build.log" | head -60; exit 1; }
  else
    exit 1
  fi
fi
echo "build ok"
