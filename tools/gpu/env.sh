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
