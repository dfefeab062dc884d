# Sourced by scripts/run_sanitizers.sh, scripts/run_fuzzers.sh and the CI
# sanitizer job: the runtime options of ASan, UBSan, LSan and TSan, and the
# suppressions of reports from the prebuilt, uninstrumented libraries
# (libtorch 1.13, OpenMP, OpenCV). Nothing here hides a report whose stack
# is in libxsd's own code: every suppression names a library, never a libxsd
# function (docs/reliability.md, "Sanitizers").
_xsd_san_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_xsd_symbolizer="$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)"
export ASAN_SYMBOLIZER_PATH="${_xsd_symbolizer}"
export ASAN_OPTIONS="abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=1:strict_init_order=1:check_initialization_order=1:suppressions=${_xsd_san_dir}/asan.supp${XSD_ASAN_EXTRA:+:${XSD_ASAN_EXTRA}}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=${_xsd_san_dir}/ubsan.supp"
export LSAN_OPTIONS="suppressions=${_xsd_san_dir}/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=${_xsd_san_dir}/tsan.supp:print_suppressions=0"
unset _xsd_san_dir _xsd_symbolizer
