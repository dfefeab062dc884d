# Dependency discovery for libxsd. Glue only: every dependency comes from the
# system (Debian packages, or pip torch on the GPU machine) via find_package;
# nothing is downloaded at build time.

# libtorch: Debian's libtorch-dev 1.13 (CPU) or pip torch 2.x (CUDA). For pip
# torch pass -DCMAKE_PREFIX_PATH="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')".
find_package(Torch REQUIRED)
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES OR CUDA_FOUND)
  set(XSD_TORCH_HAS_CUDA ON)
else()
  set(XSD_TORCH_HAS_CUDA OFF)
endif()
message(STATUS "libxsd: Torch ${Torch_VERSION} (CUDA: ${XSD_TORCH_HAS_CUDA})")

find_package(absl REQUIRED)
# FindProtobuf (module mode) gives the plain library path in Protobuf_LIBRARIES.
# Linking that path, not protobuf::libprotobuf, is what works beside pip torch,
# whose libtorch_cpu.so exports protobuf symbols of its own (docs/building.md).
find_package(Protobuf REQUIRED MODULE)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(Threads REQUIRED)

if(XSD_WITH_OPENCV)
  find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs videoio)
endif()

if(XSD_BUILD_TESTS)
  find_package(Catch2 REQUIRED)
  if(Catch2_VERSION VERSION_GREATER_EQUAL 3)
    set(XSD_CATCH2_MAJOR 3)
  else()
    set(XSD_CATCH2_MAJOR 2)
  endif()
  message(STATUS "libxsd: Catch2 ${Catch2_VERSION}")
endif()

include(xsd_torch_header_fix)

# pip torch's libtorch.so exports some libstdc++ symbols of its own
# (std::filesystem among them), and at least remove_all's copy calls through a
# null pointer when another library's code binds to it. The dynamic linker
# binds each symbol to the first library in the program's DT_NEEDED order,
# and libstdc++ normally comes last; naming it before torch on the link line
# makes the real libstdc++ win. Harmless where torch exports nothing.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(XSD_STDCXX_FIRST stdc++)
endif()
