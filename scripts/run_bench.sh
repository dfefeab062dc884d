#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the benchmark on its
# embedded default (no downloads). Extra arguments go to xsd_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
./build/apps/bench/xsd_bench "$@"
