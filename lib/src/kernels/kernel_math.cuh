// Device helpers shared by the kernels: conversions between the tensor dtype
// and float32, the dtype's rounding, 8-element vector loads and stores, SiLU,
// tensor-core fragments and launches. Only .cu files include this.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <utility>

#include "llama_kernels.h"

namespace xsd::kernels::device {

template <typename T>
__device__ __forceinline__ float ToFloat(T v);
template <>
__device__ __forceinline__ float ToFloat<float>(float v) { return v; }
template <>
__device__ __forceinline__ float ToFloat<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }
template <>
__device__ __forceinline__ float ToFloat<__half>(__half v) { return __half2float(v); }

template <typename T>
__device__ __forceinline__ T FromFloat(float v);
template <>
__device__ __forceinline__ float FromFloat<float>(float v) { return v; }
template <>
__device__ __forceinline__ __nv_bfloat16 FromFloat<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <>
__device__ __forceinline__ __half FromFloat<__half>(float v) { return __float2half_rn(v); }

// Rounds through T (identity for float).
template <typename T>
__device__ __forceinline__ float Round(float v) { return ToFloat<T>(FromFloat<T>(v)); }

// Eight consecutive elements at a 16-byte aligned address, as float32.
template <typename T>
__device__ __forceinline__ void Load8(const T* p, float (&f)[8]) {
  const uint4 v = *reinterpret_cast<const uint4*>(p);
  const T* e = reinterpret_cast<const T*>(&v);
#pragma unroll
  for (int i = 0; i < 8; ++i) f[i] = ToFloat<T>(e[i]);
}
template <>
__device__ __forceinline__ void Load8<float>(const float* p, float (&f)[8]) {
  const float4 a = *reinterpret_cast<const float4*>(p), b = *reinterpret_cast<const float4*>(p + 4);
  f[0] = a.x, f[1] = a.y, f[2] = a.z, f[3] = a.w, f[4] = b.x, f[5] = b.y, f[6] = b.z, f[7] = b.w;
}

// Stores eight float32 values rounded to T at a 16-byte aligned address.
template <typename T>
__device__ __forceinline__ void Store8(T* p, const float (&f)[8]) {
  uint4 v;
  T* e = reinterpret_cast<T*>(&v);
#pragma unroll
  for (int i = 0; i < 8; ++i) e[i] = FromFloat<T>(f[i]);
  *reinterpret_cast<uint4*>(p) = v;
}
template <>
__device__ __forceinline__ void Store8<float>(float* p, const float (&f)[8]) {
  *reinterpret_cast<float4*>(p) = make_float4(f[0], f[1], f[2], f[3]);
  *reinterpret_cast<float4*>(p + 4) = make_float4(f[4], f[5], f[6], f[7]);
}

// round(silu(g)) as ATen's silu computes it in float32 for T.
template <typename T>
__device__ __forceinline__ float SiluRounded(float g) {
  return Round<T>(g / (1.0f + expf(-g)));
}

// c += a · b on tensor cores: mma.sync m16n8k16 with float32 accumulation,
// a 16 x 16 (row-major fragment a0..a3), b 16 x 8 (column fragment b0, b1)
// of T = bf16 or fp16. Each c element depends only on its own row of a, its
// own column of b and its own c (the row-invariant kernels rely on it).
template <typename T>
__device__ __forceinline__ void Mma16816(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0,
                                         uint32_t b1);
template <>
__device__ __forceinline__ void Mma16816<__nv_bfloat16>(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2,
                                                        uint32_t a3, uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}
template <>
__device__ __forceinline__ void Mma16816<__half>(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                                                 uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// Two 16-bit T values as one 32-bit register, `lo` in the low half (the
// lower k index of an mma fragment pair).
template <typename T>
__device__ __forceinline__ uint32_t Pack2(T lo, T hi) {
  return static_cast<uint32_t>(*reinterpret_cast<const uint16_t*>(&lo)) |
         (static_cast<uint32_t>(*reinterpret_cast<const uint16_t*>(&hi)) << 16);
}

inline constexpr int64_t kStepRows = 64;  // rows up to which a launch is a step's (decode, verify)

// Programmatic dependent launch (Hopper): a kernel launched with Launch()
// may be scheduled while the kernel before it in the stream is finishing,
// so launch latency and block start-up overlap that kernel's tail (a decode
// step is ~260 small kernels). Every such kernel calls WaitForPriorGrids()
// before it touches memory that an earlier kernel writes or reads (its
// inputs, its outputs); it may read constant data (weights) before.
// AllowDependentGrids() then lets the next kernel launch early in turn: one
// kernel of look-ahead; prefill-sized kernels (StepOverlap) skip it, so a
// following cuBLAS GEMM does not start early beside them. No-ops below
// sm_90.
__device__ __forceinline__ void WaitForPriorGrids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void AllowDependentGrids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// Whether Launch() may ask for programmatic dependent launch: on devices of
// compute capability 9.0 and up (7B decode 4.53 -> 4.45 ms with it,
// docs/PERFORMANCE.md runs 7-8).
bool DependentLaunchEnabled();

// kWithPrior: the kernel may start while the one before finishes (the step
// kernels of decode and verify). kAfterPrior: plain stream order, for
// prefill-sized launches: there the kernel before is a large cuBLAS GEMM
// that lets dependents launch early, and waiting blocks would take its SMs
// (the 2 076-token prefill lost ~2 ms; docs/PERFORMANCE.md run 8).
enum class Overlap { kWithPrior, kAfterPrior };
inline Overlap StepOverlap(int64_t rows) { return rows <= kStepRows ? Overlap::kWithPrior : Overlap::kAfterPrior; }

// kernel<<<grid, block, shared_bytes, stream>>>(args...), with the
// programmatic-serialization attribute for kWithPrior when
// DependentLaunchEnabled(). nullptr, or the launch's error string.
template <typename... Params, typename... Args>
const char* Launch(Overlap overlap, void (*kernel)(Params...), dim3 grid, dim3 block, size_t shared_bytes,
                   cudaStream_t stream, Args&&... args) {
  cudaLaunchAttribute attribute[1];
  attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute[0].val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = shared_bytes;
  config.stream = stream;
  config.attrs = attribute;
  config.numAttrs = overlap == Overlap::kWithPrior && DependentLaunchEnabled() ? 1 : 0;
  const cudaError_t e = cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

// nullptr, or the error string of the last launch.
inline const char* LastError() {
  const cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

// Calls fn(T{}) with T the element type of `dtype` (float, __nv_bfloat16,
// __half): one dtype switch for every launcher.
template <typename Fn>
const char* DispatchDtype(Dtype dtype, Fn&& fn) {
  switch (dtype) {
    case Dtype::kFloat32: return fn(float{});
    case Dtype::kBFloat16: return fn(__nv_bfloat16{});
    case Dtype::kFloat16: return fn(__half{});
  }
  return "unknown dtype";
}

inline bool Aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

}  // namespace xsd::kernels::device
