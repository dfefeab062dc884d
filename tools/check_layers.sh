#!/usr/bin/env bash
# Layering rules of lib/ that the compiler cannot see (run by scripts/run_tests.sh):
# - only the config layer (the composition root: lib/{include/xsd,src}/config)
#   includes the registry or the pipeline config's generated code;
# - only the tokenizer includes the SentencePiece model's generated code;
# - libxsd reads no environment variable but the logging level.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
check() {  # DESCRIPTION PATTERN ALLOWED_PATH_REGEX
  local hits
  hits=$(grep -rnE "$2" lib --include='*.h' --include='*.cc' --include='*.cu' --include='*.cuh' | grep -vE "$3")
  if [ -n "$hits" ]; then
    echo "check_layers: $1:"
    echo "$hits"
    fail=1
  fi
}
check "the registry or pipeline.pb.h outside the config layer" \
  '#include "xsd/(config/registry\.h|pipeline\.pb\.h)"' '^lib/(include/xsd|src)/config/'
check "sentencepiece_model.pb.h outside the tokenizer" '#include "xsd/sentencepiece_model\.pb\.h"' '^lib/src/tokenizer/'
check "the environment read outside logging" '\bgetenv\b|\bsetenv\b|\benviron\b' '^lib/src/base/logging\.cc:'
[ $fail -eq 0 ] && echo "check_layers: ok"
exit $fail
