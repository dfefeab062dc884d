# Sourced by the tools/gpu/*.sh scripts on the GPU machine: Abseil from the
# carried Debian packages, pip torch's CMake prefix, NVLink multicast off.
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
if [ ! -d /opt/xsd-deps/usr/include/absl ]; then
  mkdir -p /opt/xsd-deps
  for f in .gpu-deps/*.deb; do dpkg -x "$f" /opt/xsd-deps; done
fi
export LD_LIBRARY_PATH=/opt/xsd-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
XSD_TORCH_PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
export XSD_TORCH_PREFIX
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
# The card(s) a result came from: H100 and H200 runs differ (issue 20), so
# every test summary and timing a script prints carries this.
xsd_card() { nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | paste -sd ';' -; }
# LABEL RC LOG: one line with the card, the exit code and Catch2's / ctest's summary.
xsd_summary() {
  echo "[$(xsd_card)] $1 exit $2: $(grep -E 'test cases|assertions|tests passed|tests failed' "$3" | tail -2 | tr '\n' ' ')"
}
# BUILD_DIR LOG_DIR EXECUTABLE...: runs test executables of BUILD_DIR (the
# CUDA cases: models_cuda_tests, models_cuda_kernel_tests, vision_cuda_tests),
# each into LOG_DIR/<name>.log, one summary line each.
xsd_run_tests() {
  local build=$1 log=$2 t; shift 2
  for t in "$@"; do "$build/tests/$t" > "$log/$t.log" 2>&1; xsd_summary "$t" $? "$log/$t.log"; done
}
