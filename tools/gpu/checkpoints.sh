# Sourced by the tools/gpu/*.sh scripts that run xsd_bench on 7B shapes:
# random-weight 7B checkpoints under CK (default /tmp/xsd_ck, reused while
# the machine stays warm), with the test tokenizer padded to LLaMA's 32 000
# pieces. Needs build-gpu's xsd_make_checkpoint.
CK=${CK:-/tmp/xsd_ck}

# ensure_checkpoint PRESET DIR LOG: make $CK/DIR unless it exists.
ensure_checkpoint() {
  local preset=$1 dir=$2 log=$3
  [ -f /tmp/tok32k/tokenizer.model ] || python3 tools/pad_tokenizer.py tests/data/tokenizer/llama /tmp/tok32k --vocab 32000
  [ -f "$CK/$dir/config.json" ] && return 0
  ./build-gpu/apps/make_checkpoint/xsd_make_checkpoint --preset "$preset" --out "$CK/$dir" --tokenizer /tmp/tok32k \
    --dtype bfloat16 > "$log" 2>&1
}

# The bench and checkpoint tools, built unless build-gpu has them (LOG_DIR
# receives the build log).
ensure_bench_build() {
  [ -x build-gpu/apps/bench/xsd_bench ] && [ -x build-gpu/apps/make_checkpoint/xsd_make_checkpoint ] && return 0
  bash tools/gpu/build.sh "$1" xsd_bench xsd_make_checkpoint
}

# baseline_copy NAME DIR [eager]: configs/vl_baseline.pbtxt renamed NAME as
# DIR/NAME.pbtxt (identical pipelines: the reproducibility checks); with
# "eager", its steps run without CUDA graphs.
baseline_copy() {
  local name=$1 dir=$2 steps='s/^$//'
  [ "${3:-}" = eager ] && steps='s/  device: "cuda:0"/  device: "cuda:0"\n  cuda_graphs: false/'
  sed -e "s/^name: \"vl_baseline\"/name: \"$name\"/" -e "$steps" configs/vl_baseline.pbtxt > "$dir/$name.pbtxt"
}
