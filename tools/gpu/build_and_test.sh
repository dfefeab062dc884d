#!/usr/bin/env bash
# GPU machine: build libxsd against pip torch (CUDA) + Catch2 3, run the tests.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/build_and_test.sh
set -uo pipefail
source tools/gpu/env.sh
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "devices", torch.cuda.device_count())'
  cmake --version | head -1; g++ --version | head -1; nvcc --version | tail -1
} 2>&1 | tee "$OUT/env.log"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DXSD_WITH_OPENCV=OFF \
  -DCMAKE_PREFIX_PATH="$XSD_TORCH_PREFIX;/opt/xsd-deps/usr" 2>&1 | tee "$OUT/configure.log" | tail -15
set -e
ninja -C build-gpu -j "$(nproc)" 2>&1 | tee "$OUT/build.log" | grep -E "error|warning: unused|FAILED|Linking" | tail -40
(cd build-gpu && ctest --output-on-failure -j 8 2>&1) | tee "$OUT/ctest.log" | tail -25
