#!/usr/bin/env bash
# Prints the seed files of fuzz target $1, one path a line, relative to the
# repository root: small real inputs from tests/data and configs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
case "$1" in
  fuzz_safetensors)
    ls tests/data/io/*.safetensors tests/data/io/tiny_llama/*.safetensors tests/data/adapters/L1.safetensors ;;
  fuzz_checkpoint_index)
    ls tests/data/io/tiny_llama/model.safetensors.index.json ;;
  fuzz_model_config)
    find tests/data/models tests/data/io -name config.json | sort ;;
  fuzz_pipeline_config)
    find configs -name '*.pbtxt' | sort ;;
  fuzz_tokenizer)
    ls tests/data/tokenizer/*/tokenizer.model ;;
  fuzz_bench_dataset)
    find tests/data/bench -name '*.json' | sort; echo configs/top50_questions.json ;;
  fuzz_image)
    ls tests/data/media/images/*.png ;;
  fuzz_video)
    ls tests/data/media/video/*.mp4 ;;
  *)
    echo "seeds.sh: unknown fuzz target '$1'" >&2; exit 1 ;;
esac
