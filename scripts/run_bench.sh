#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the benchmark on its
# default (no downloads): from the repository root that is the world set, the
# seed's configs on the small trained driving world of configs/world/
# (docs/bench.md); without configs/world/models, the embedded mock set.
# Extra arguments go to xsd_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
./build/apps/bench/xsd_bench "$@"
