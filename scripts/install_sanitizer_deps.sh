#!/usr/bin/env bash
# Installs what the sanitizer and fuzzer builds need on top of
# scripts/install_deps.sh (run as root): clang 14 with its sanitizer and
# libFuzzer runtimes, and llvm-symbolizer for readable reports.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
packages=(
  clang-14            # the compiler (clang, clang++ through the 'clang' package)
  clang
  libclang-rt-14-dev  # ASan, UBSan, TSan and libFuzzer (-fsanitize=fuzzer) runtimes
  llvm-14             # llvm-symbolizer: stack traces with file:line
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_sanitizer_deps: all packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
