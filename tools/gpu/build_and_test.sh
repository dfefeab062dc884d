#!/usr/bin/env bash
# GPU machine: build libxsd against pip torch (CUDA) + Catch2 3, run the tests;
# a crashing test binary is re-run under cuda-gdb for a backtrace.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/build_and_test.sh
set -uo pipefail
source tools/gpu/env.sh
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "devices", torch.cuda.device_count())'
  ls "$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"include"))')" | tr '\n' ' '; echo
} 2>&1 | tee "$OUT/env.log"
bash tools/gpu/build.sh "$OUT" || exit 1
(cd build-gpu && ctest --output-on-failure -j 8 > "$OUT/ctest.log" 2>&1); rc=$?
xsd_summary ctest $rc "$OUT/ctest.log"
grep -E "\*\*\*|Failed" "$OUT/ctest.log" | head -20
if [ $rc -ne 0 ]; then
  for t in $(grep -oE "[a-z_]+_tests \(SEGFAULT\)" "$OUT/ctest.log" | cut -d' ' -f1 | sort -u); do
    cuda-gdb -batch -ex run -ex bt --args ./build-gpu/tests/$t > "$OUT/bt_$t.log" 2>&1
    grep -E "^#[0-9]+" "$OUT/bt_$t.log" | head -15
  done
fi
exit $rc
