# Fused CUDA kernels of the LLaMA decoder (RMSNorm with the residual add,
# SiLU·gate, small-row GEMV with the SiLU fusion, tensor-core skinny GEMM, rotary embedding +
# cache write, cached attention): CUDA builds where nvcc is found, unless XSD_WITH_CUDA_KERNELS is
# OFF. Elsewhere the models module keeps the ATen formulas.
include(CheckLanguage)
if(XSD_TORCH_HAS_CUDA AND XSD_WITH_CUDA_KERNELS)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT CMAKE_CUDA_ARCHITECTURES)  # unset, empty or OFF (torch's CMake may set OFF)
      set(CMAKE_CUDA_ARCHITECTURES 90)  # H100/H200
    endif()
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)  # the libcudart torch loads
    enable_language(CUDA)
    xsd_module(kernels NOTORCH SOURCES ${CMAKE_CURRENT_LIST_DIR}/llama_kernels.cu ${CMAKE_CURRENT_LIST_DIR}/gemv.cu
               ${CMAKE_CURRENT_LIST_DIR}/gemv_rope.cu
               ${CMAKE_CURRENT_LIST_DIR}/cached_attention.cu ${CMAKE_CURRENT_LIST_DIR}/attention_mma.cu
               ${CMAKE_CURRENT_LIST_DIR}/rope_cache.cu
               ${CMAKE_CURRENT_LIST_DIR}/skinny_gemm.cu)
    message(STATUS "libxsd: fused CUDA kernels ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, sm_${CMAKE_CUDA_ARCHITECTURES})")
  else()
    message(STATUS "libxsd: fused CUDA kernels OFF (no nvcc found)")
  endif()
endif()
