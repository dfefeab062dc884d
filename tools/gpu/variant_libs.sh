#!/usr/bin/env bash
# After tools/gpu/build.sh: libxsd once more per variant, each with its own
# extra compile flags (an A/B's build-time defines), all variants at once.
# It reuses the build directory's own ninja commands instead of a CMake
# reconfigure per variant: each object's compile command with the flags
# appended and its outputs moved to <build>/variants/NAME/obj, then libxsd's
# link command with those objects, written to <build>/variants/NAME/libxsd.so.0
# (the executables of <build> run against it through LD_LIBRARY_PATH; they
# carry a RUNPATH, which it overrides). Every compile of every variant runs
# in one parallel pool of nproc jobs: in run 20 a reconfigure and rebuild
# took 60-115 s per variant, one variant after the other.
# Objects: those whose path matches --objects=REGEX (default: the CUDA
# objects, '\.cu\.o$'; the CPU build has none, so a check there names C++
# objects).
# Usage: bash tools/gpu/variant_libs.sh [--objects=REGEX] LOG_DIR NAME FLAGS [NAME FLAGS ...]
# Prints one line per variant (built, with how many objects differ from the
# default build's, or FAILED with its log); exits non-zero when any failed. B: XSD_BUILD_DIR (default build-gpu).
set -uo pipefail
PATTERN='\.cu\.o$'
if [[ ${1:-} == --objects=* ]]; then PATTERN=${1#--objects=}; shift; fi
LOG=${1:?log directory}; shift
(( $# > 0 && $# % 2 == 0 )) || { echo "variant_libs.sh: NAME FLAGS pairs expected" >&2; exit 2; }
B=${XSD_BUILD_DIR:-build-gpu}
mkdir -p "$LOG"
targets=$(ninja -C "$B" -t targets all) || exit 1
lib=$(awk -F: '/: [A-Z]+_SHARED_LIBRARY_LINKER__xsd_/ {print $1; exit}' <<< "$targets")
mapfile -t objects < <(awk -F: '{print $1}' <<< "$targets" | grep -E "$PATTERN")
if [ -z "$lib" ] || (( ${#objects[@]} == 0 )); then
  echo "variant_libs.sh: no libxsd or no objects matching $PATTERN in $B" >&2; exit 1
fi
link=$(ninja -C "$B" -t commands "$lib" | tail -1)
for o in "${objects[@]}"; do  # a link through a response file would keep the default objects
  [[ $link == *" $o "* ]] || { echo "variant_libs.sh: libxsd's link command does not name $o" >&2; exit 1; }
done
jobs=$(mktemp -d)
names=()
while (( $# > 0 )); do
  name=$1 flags=$2; shift 2
  names+=("$name")
  dir=variants/$name  # relative to $B, where ninja's commands run
  rm -rf "${B:?}/$dir"; mkdir -p "$B/$dir/obj"
  variant_link=$link
  for o in "${objects[@]}"; do
    moved=$dir/obj/$(basename "$o")
    compile=$(ninja -C "$B" -t commands "$o" | tail -1)
    printf 'cd %q && ( %s %s ) > %q 2>&1 || touch %q\n' "$B" "${compile//"$o"/$moved}" "$flags" \
      "$moved.log" "$dir/failed" > "$jobs/$name.$(basename "$o").sh"
    variant_link=${variant_link//"$o"/$moved}
  done
  variant_link=${variant_link/"-o $lib "/"-o $dir/libxsd.so.0 "}
  printf 'cd %q && ( %s ) > %q 2>&1 || touch %q\n' "$B" "$variant_link" "$dir/link.log" "$dir/failed" \
    > "$jobs/link.$name"
done
find "$jobs" -name '*.sh' -print0 | xargs -0 -P "$(nproc)" -n 1 bash
status=0
for name in "${names[@]}"; do
  dir=$B/variants/$name
  [ -f "$dir/failed" ] || bash "$jobs/link.$name"
  cat "$dir"/obj/*.log "$dir/link.log" > "$LOG/$name.log" 2>/dev/null
  if [ -f "$dir/failed" ] || [ ! -f "$dir/libxsd.so.0" ]; then
    echo "variant $name: FAILED ($LOG/$name.log)"; grep -E "error|warning" "$LOG/$name.log" | head -20; status=1
  else
    differ=0  # a misspelt define leaves every object as the default build's
    for o in "${objects[@]}"; do cmp -s "$B/$o" "$dir/obj/$(basename "$o")" || differ=$((differ + 1)); done
    echo "variant $name: built ($dir/libxsd.so.0; $differ of ${#objects[@]} objects differ from the default build's)"
  fi
done
rm -rf "$jobs"
exit $status
