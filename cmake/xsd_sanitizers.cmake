# Sanitizer and fuzzer builds (docs/reliability.md).
#
#   -DXSD_SANITIZE=address   ASan + UBSan; UBSan does not recover, so any
#                            report ends the process with an error and fails
#                            the test.
#   -DXSD_SANITIZE=thread    TSan.
#   -DXSD_BUILD_FUZZERS=ON   libFuzzer targets under tests/fuzz (clang only);
#                            implies XSD_SANITIZE=address and instruments every
#                            file for coverage.
#
# The flags apply to every target of the build (libxsd, apps, tests); the
# prebuilt dependencies (libtorch, OpenCV, protobuf) stay uninstrumented.
set(XSD_SANITIZE "" CACHE STRING "Sanitizer build: empty, address (ASan+UBSan) or thread (TSan)")
set_property(CACHE XSD_SANITIZE PROPERTY STRINGS "" address thread)
option(XSD_BUILD_FUZZERS "Build the libFuzzer targets of tests/fuzz (clang, ASan+UBSan)" OFF)

if(XSD_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "XSD_BUILD_FUZZERS needs clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(XSD_SANITIZE STREQUAL "")
    set(XSD_SANITIZE address CACHE STRING "" FORCE)
  elseif(NOT XSD_SANITIZE STREQUAL "address")
    message(FATAL_ERROR "XSD_BUILD_FUZZERS runs under ASan+UBSan, not XSD_SANITIZE=${XSD_SANITIZE}")
  endif()
endif()

if(XSD_SANITIZE STREQUAL "address")
  set(_xsd_san_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined)
elseif(XSD_SANITIZE STREQUAL "thread")
  set(_xsd_san_flags -fsanitize=thread)
elseif(NOT XSD_SANITIZE STREQUAL "")
  message(FATAL_ERROR "XSD_SANITIZE must be empty, address or thread, not '${XSD_SANITIZE}'")
endif()

if(_xsd_san_flags)
  # Line tables are enough for the reports' stack traces.
  add_compile_options(${_xsd_san_flags} -fno-omit-frame-pointer -gline-tables-only)
  add_link_options(${_xsd_san_flags})
  if(XSD_BUILD_FUZZERS)
    # Coverage instrumentation everywhere; only the fuzz targets link libFuzzer's main.
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
  message(STATUS "libxsd: sanitizers: ${_xsd_san_flags} (fuzzers: ${XSD_BUILD_FUZZERS})")
endif()
