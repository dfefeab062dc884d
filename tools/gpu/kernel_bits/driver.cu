// tools/gpu/kernel_bits_ab.sh: runs the kernels' launchers on fixed inputs and writes a hash of every output to argv[1], so two versions of lib/src/kernels can be compared bit for bit.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "llama_kernels.h"

using namespace xsd::kernels;

static uint64_t state = 88172645463325252ull;
static float Rnd() {
  state ^= state << 13; state ^= state >> 7; state ^= state << 17;
  return static_cast<float>((state >> 11) % 2000001) / 1000000.0f - 1.0f;
}
static FILE* out_file;
#define CK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("CUDA %s at %d\n", cudaGetErrorString(e), __LINE__); exit(1);} } while (0)

static void* Dev(size_t bytes) { void* p; CK(cudaMalloc(&p, bytes)); CK(cudaMemset(p, 0, bytes)); return p; }
static void* RandDev(Dtype t, size_t n, float scale = 1.0f) {
  size_t es = t == Dtype::kFloat32 ? 4 : 2;
  std::vector<unsigned char> h(n * es);
  for (size_t i = 0; i < n; ++i) {
    float v = Rnd() * scale;
    if (t == Dtype::kFloat32) memcpy(&h[i * 4], &v, 4);
    else if (t == Dtype::kBFloat16) { __nv_bfloat16 b = __float2bfloat16(v); memcpy(&h[i * 2], &b, 2); }
    else { __half b = __float2half(v); memcpy(&h[i * 2], &b, 2); }
  }
  void* d = Dev(n * es);
  CK(cudaMemcpy(d, h.data(), n * es, cudaMemcpyHostToDevice));
  return d;
}
static uint64_t Dump(const char* name, const void* d, size_t bytes) {
  CK(cudaDeviceSynchronize());
  std::vector<unsigned char> h(bytes);
  CK(cudaMemcpy(h.data(), d, bytes, cudaMemcpyDeviceToHost));
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : h) hash = (hash ^ c) * 1099511628211ull;
  fprintf(out_file, "%s %016llx\n", name, (unsigned long long)hash);
  return hash;
}
static void Check(const char* what, const char* err) {
  if (err != nullptr) { printf("%s: error %s\n", what, err); fprintf(out_file, "%s ERROR %s\n", what, err); }
}

int main(int argc, char** argv) {
  out_file = fopen(argv[1], "w");
  cudaStream_t s; CK(cudaStreamCreate(&s));
  char name[256];
  // GEMV
  const int64_t ns[] = {4096, 12288, 11008, 100, 8192, 32000};
  const int64_t ks[] = {4096, 11008, 64, 8};
  for (int64_t k : ks) for (int64_t n : ns) {
    if (n * k > 12288LL * 11008) continue;
    void* w = RandDev(Dtype::kBFloat16, n * k, 0.05f);
    for (int m = 1; m <= 8; ++m) {
      void* x = RandDev(Dtype::kBFloat16, m * k);
      void* y = Dev(m * n * 2);
      snprintf(name, sizeof name, "gemv m%d n%lld k%lld", m, (long long)n, (long long)k);
      Check(name, LaunchGemvBf16(x, w, y, m, n, k, s));
      Dump(name, y, m * n * 2);
      cudaFree(x); cudaFree(y);
    }
    cudaFree(w);
  }
  // SiLU gate
  const int64_t inters[] = {11008, 7, 1, 4096};
  const int64_t sks[] = {4096, 64, 11008};
  for (int64_t k : sks) for (int64_t inter : inters) {
    void* w = RandDev(Dtype::kBFloat16, 2 * inter * k, 0.05f);
    void* x = RandDev(Dtype::kBFloat16, k);
    void* y = Dev(inter * 2 + 16);
    snprintf(name, sizeof name, "silugate inter%lld k%lld", (long long)inter, (long long)k);
    Check(name, LaunchGemvSiluGateBf16(x, w, y, inter, k, s));
    Dump(name, y, inter * 2);
    cudaFree(w); cudaFree(x); cudaFree(y);
  }
  // GEMV + rope + cache
  {
    const int heads = 32, kv = 8, D = 128, cap = 64; const int64_t k = 4096;
    void* w = RandDev(Dtype::kBFloat16, (heads + 2 * kv) * D * k, 0.05f);
    void* x = RandDev(Dtype::kBFloat16, k);
    void* cs = RandDev(Dtype::kBFloat16, D); void* sn = RandDev(Dtype::kBFloat16, D);
    RopeCacheArgs a; a.dtype = Dtype::kBFloat16; a.cos = cs; a.sin = sn;
    a.q_out = Dev(heads * D * 2); a.k_cache = Dev(kv * cap * D * 2); a.v_cache = Dev(kv * cap * D * 2);
    a.k_stride_h = cap * D; a.v_stride_h = cap * D; a.base = 5; a.rows = 1; a.heads = heads; a.kv_heads = kv; a.head_dim = D;
    Check("gemvrope", LaunchGemvRopeCacheBf16(x, w, k, a, s));
    Dump("gemvrope q", a.q_out, heads * D * 2);
    Dump("gemvrope k", a.k_cache, kv * cap * D * 2);
    Dump("gemvrope v", a.v_cache, kv * cap * D * 2);
  }
  // RMSNorm
  const Dtype dts[] = {Dtype::kBFloat16, Dtype::kFloat16, Dtype::kFloat32};
  const int dims[] = {4096, 4100, 8192, 5120, 64};
  for (Dtype t : dts) for (int dim : dims) for (int rows : {1, 3, 100}) for (int res : {0, 1}) {
    size_t es = t == Dtype::kFloat32 ? 4 : 2;
    void* x = RandDev(t, rows * dim); void* r = res ? RandDev(t, rows * dim) : nullptr;
    void* sum = res ? Dev(rows * dim * es) : nullptr; void* wt = RandDev(t, dim); void* o = Dev(rows * dim * es);
    snprintf(name, sizeof name, "rmsnorm t%d dim%d rows%d res%d", (int)t, dim, rows, res);
    Check(name, LaunchRmsNorm(t, x, r, sum, wt, o, rows, dim, 1e-6f, s));
    Dump(name, o, rows * dim * es);
    if (res) { std::string n2 = std::string(name) + " sum"; Dump(n2.c_str(), sum, rows * dim * es); }
    cudaFree(x); if (r) cudaFree(r); if (sum) cudaFree(sum); cudaFree(wt); cudaFree(o);
  }
  // Cached attention
  for (Dtype t : dts) for (int D : {128, 64}) for (int span : {2304, 100, 129}) for (int group : {1, 4})
    for (int rows : {1, 2, 5, 7, 16}) for (int ri : {0, 1}) for (int bias : {0, 1}) for (int counters : {0, 1}) {
    if (group * rows > 64) continue;
    const int kvh = 4, heads = kvh * group, cap = span + 7;
    size_t es = t == Dtype::kFloat32 ? 4 : 2;
    CachedAttentionArgs a; a.dtype = t;
    a.q = RandDev(t, rows * heads * D); a.q_stride_t = heads * D; a.q_stride_h = D;
    a.keys = RandDev(t, kvh * cap * D); a.values = RandDev(t, kvh * cap * D);
    a.k_stride_h = cap * D; a.v_stride_h = cap * D;
    a.bias = bias ? RandDev(t, group * rows * span, 2.0f) : nullptr; a.bias_stride = span;
    a.out = Dev(rows * heads * D * es);
    a.workspace = static_cast<float*>(Dev(CachedAttentionWorkspaceFloats(rows, group, kvh, span, D) * 4));
    unsigned* cnt = nullptr;
    if (counters) { cnt = static_cast<unsigned*>(Dev(4096 * 4)); a.counters = cnt; a.counter_count = 4096; }
    a.rows = rows; a.group = group; a.kv_heads = kvh; a.span = span; a.head_dim = D; a.scale = 0.0883883f;
    a.row_invariant = ri;
    snprintf(name, sizeof name, "attn t%d D%d span%d group%d rows%d ri%d bias%d cnt%d tc%d", (int)t, D, span, group,
             rows, ri, bias, counters, (int)CachedAttentionOnTensorCores(t, D, rows * group, ri));
    Check(name, LaunchCachedAttention(a, s));
    Dump(name, a.out, rows * heads * D * es);
    if (cnt) { std::string n2 = std::string(name) + " counters"; Dump(n2.c_str(), cnt, 4096 * 4); cudaFree(cnt); }
    cudaFree((void*)a.q); cudaFree((void*)a.keys); cudaFree((void*)a.values); if (a.bias) cudaFree((void*)a.bias);
    cudaFree(a.out); cudaFree(a.workspace);
  }
  CK(cudaDeviceSynchronize());
  fclose(out_file);
  printf("done\n");
  return 0;
}
