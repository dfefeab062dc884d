#!/usr/bin/env bash
# GPU machine, one call: is the target's greedy bf16 output reproducible, and
# where does it part? Two processes each run vl_baseline, two identical
# copies and a copy with eager steps on one GPU (Video-LLaVA only); the
# reports say "same output as baseline" within a process, and this script
# compares the processes' outputs config by config (text of every sample).
# Reuses build-gpu and /tmp/xsd_ck when the machine is warm.
# Usage (device tool, carry .gpu-deps): bash tools/gpu/determinism_check.sh
set -uo pipefail
source tools/gpu/env.sh
W=/tmp/xsd_det; rm -rf $W; mkdir -p $W
source tools/gpu/checkpoints.sh
ensure_bench_build $W || exit 1
ensure_checkpoint video_llava_7b Video-LLaVA-7B-hf $W/ck.log
baseline_copy vl_copy $W; baseline_copy vl_copy2 $W; baseline_copy vl_eager $W eager
for p in A B; do
  ./build-gpu/apps/bench/xsd_bench --checkpoint_dir=$CK --max_new_tokens=30 --builtin_scenes=6 --max_samples=6 \
    --n_questions=3 --warmup=1 --output_dir=$W/$p \
    --config=configs/vl_baseline.pbtxt,$W/vl_copy.pbtxt,$W/vl_copy2.pbtxt,$W/vl_eager.pbtxt > $W/bench_$p.log 2>&1
  echo "process $p: bench exit $?"
  sed -n '/| Config | Same output/,/^$/p' $W/$p/e2e_wallclock_*.md
done
python3 - "$W" <<'PY'
import glob, json, sys
w = sys.argv[1]
def texts(p):
    d = json.load(open(glob.glob(f"{w}/{p}/e2e_wallclock_*.json")[0]))
    out = {"vl_baseline": [s["text"] for s in d["baseline_per_sample"]]}
    for name, rows in d["sd_per_sample"].items():
        out[name] = [s.get("text", s.get("sd_text", "")) for s in rows]
    return out
a, b = texts("A"), texts("B")
for name in a:
    same = sum(x == y for x, y in zip(a[name], b.get(name, [])))
    print(f"{name}: process A vs process B same text {same}/{len(a[name])}")
PY
cp $W/A/e2e_wallclock_*.md "$OUT/determinism_A.md"; cp $W/B/e2e_wallclock_*.md "$OUT/determinism_B.md"
