#!/usr/bin/env bash
# Installs libxsd's build dependencies from Debian 12's archive (run as root).
# Everything else (no downloads at build time) comes from these packages.
set -euo pipefail
packages=(
  cmake ninja-build g++ ccache pkg-config git
  libtorch-dev                      # libtorch 1.13 (CPU)
  libopenblas0-openmp               # BLAS behind libtorch's CPU matmuls: without it Debian's reference
                                    # libblas3 runs them (world training 2.5x slower, same results)
  libabsl-dev                       # Status, StatusOr, flags
  libprotobuf-dev protobuf-compiler # configs (.pbtxt) and tokenizer.model
  libspdlog-dev libfmt-dev          # logging (behind xsd/base/logging.h)
  catch2                            # tests (2.13 on Debian 12; 3.x elsewhere)
  libopencv-dev                     # media (XSD_WITH_OPENCV, ON by default)
  nlohmann-json3-dev                # config.json, safetensors headers, reports
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
