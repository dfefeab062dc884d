#!/usr/bin/env bash
# Configures and builds libxsd, its apps and tests into build/ (Release, Ninja, ccache).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${XSD_JOBS:-$(nproc)}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$jobs"
