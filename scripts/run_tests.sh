#!/usr/bin/env bash
# README command 2 (what CI runs): install dependencies, build, run every test,
# then install libxsd into build/install and build + run the example consumer
# against the installed CMake package (find_package(xsd)), then the sanitizer
# and fuzzing job (scripts/run_sanitizer_ci.sh, docs/reliability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash tools/check_layers.sh
bash scripts/build.sh
(cd build && ctest --output-on-failure -j "${XSD_JOBS:-$(nproc)}")
cmake --install build --prefix "$PWD/build/install" > /dev/null
cmake -S examples -B build/examples -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PWD/build/install"
cmake --build build/examples
./build/examples/mock_speculative/mock_speculative
# ASan+UBSan on the fixture-free tests, and every fuzz target briefly (clang, build-ci-san/).
bash scripts/run_sanitizer_ci.sh
echo "run_tests: all tests passed"
