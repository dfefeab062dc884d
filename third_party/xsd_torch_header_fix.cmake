# pip torch ships its own copies of fmt/ and google/protobuf/ headers inside
# its include directory. A file compiled with torch's include path then picks
# up torch's fmt (not the one the system spdlog was built with) and torch's
# protobuf headers (not the ones the system protoc generated code for). Were a
# later torch to bundle nlohmann/json too, the torch-free modules and the
# torch modules of libxsd would see two versions of one class, so that tree is
# covered as well.
#
# xsd_torch_header_fix(<target> [PUBLIC|PRIVATE|INTERFACE]) puts a directory of
# symbolic links to the *system* fmt, spdlog, google and nlohmann headers in
# front of the target's include path (-I, before torch's -isystem), for each
# tree torch bundles. It does nothing when torch carries none of them
# (Debian's libtorch-dev).
#
# This file is installed with the xsd CMake package, so programs that link
# xsd::xsd against pip torch get the same fix.

function(_xsd_shadowed_by_torch out)
  set(_hit OFF)
  foreach(_dir IN LISTS TORCH_INCLUDE_DIRS)
    if(EXISTS "${_dir}/fmt/core.h" OR EXISTS "${_dir}/google/protobuf/message.h" OR EXISTS "${_dir}/spdlog/spdlog.h"
       OR EXISTS "${_dir}/nlohmann/json.hpp")
      set(_hit ON)
    endif()
  endforeach()
  set(${out} ${_hit} PARENT_SCOPE)
endfunction()

function(_xsd_find_system_header out header)
  # Search the system prefixes only, never torch's tree.
  set(_candidates)
  foreach(_p IN LISTS CMAKE_PREFIX_PATH CMAKE_SYSTEM_PREFIX_PATH)
    list(APPEND _candidates "${_p}/include")
  endforeach()
  list(APPEND _candidates /usr/include /usr/local/include)
  foreach(_c IN LISTS _candidates)
    if(EXISTS "${_c}/${header}")
      set(_skip OFF)
      foreach(_t IN LISTS TORCH_INCLUDE_DIRS)
        if(_c STREQUAL _t)
          set(_skip ON)
        endif()
      endforeach()
      if(NOT _skip)
        set(${out} "${_c}" PARENT_SCOPE)
        return()
      endif()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

function(xsd_torch_header_fix target)
  set(scope PRIVATE)
  if(ARGC GREATER 1)
    set(scope ${ARGV1})
  endif()
  _xsd_shadowed_by_torch(_needed)
  if(NOT _needed)
    return()
  endif()
  set(_shadow "${CMAKE_BINARY_DIR}/xsd_torch_header_fix")
  set(_stamp "${_shadow}/.done-v3")
  if(NOT EXISTS "${_stamp}")
    file(MAKE_DIRECTORY "${_shadow}")
    foreach(_pair "fmt;fmt/core.h" "spdlog;spdlog/spdlog.h" "google;google/protobuf/message.h"
                  "nlohmann;nlohmann/json.hpp")
      list(GET _pair 0 _name)
      list(GET _pair 1 _probe)
      _xsd_find_system_header(_root "${_probe}")
      set(_bundled OFF)
      foreach(_dir IN LISTS TORCH_INCLUDE_DIRS)
        if(EXISTS "${_dir}/${_probe}")
          set(_bundled ON)
        endif()
      endforeach()
      if(_root AND _bundled AND NOT EXISTS "${_shadow}/${_name}")
        file(CREATE_LINK "${_root}/${_name}" "${_shadow}/${_name}" SYMBOLIC)
        message(STATUS "libxsd: torch header fix: ${_name}/ -> ${_root}/${_name}")
      endif()
    endforeach()
    file(WRITE "${_stamp}" "")
  endif()
  get_target_property(_imported ${target} IMPORTED)
  if(_imported)
    target_include_directories(${target} BEFORE ${scope} "${_shadow}")
  else()
    target_include_directories(${target} BEFORE ${scope} "$<BUILD_INTERFACE:${_shadow}>")
  endif()
endfunction()
