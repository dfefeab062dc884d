// A CUDA injection library (a tool of tools/gpu/step_timeline.sh, not part
// of libxsd): loaded by the CUDA driver into any program started with
// CUDA_INJECTION64_PATH=libxsd_kernel_trace.so, it records every kernel the
// GPU ran (CUDA graph nodes included) through CUPTI's activity API and
// writes one CSV line per kernel to the file XSD_KERNEL_TRACE names (default
// kernel_trace.csv) when the program exits: GPU start and end (ns), graph id
// and node id (0 outside graphs), grid and block size, registers, the
// mangled kernel name. Timestamps are the GPU's, so the gaps between
// kernels of a replayed graph are real.
// Build: g++ -std=c++17 -O2 -shared -fPIC kernel_trace.cc -I<cuda>/include -L<cuda>/lib -lcupti
#include <cupti.h>

#include <cstdio>
#include <cstdlib>

namespace {

FILE* g_out = nullptr;
constexpr size_t kBufferBytes = size_t{16} << 20;

void CUPTIAPI RequestBuffer(uint8_t** buffer, size_t* size, size_t* max_records) {
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, kBufferBytes));
  *size = *buffer != nullptr ? kBufferBytes : 0;
  *max_records = 0;  // as many as fit
}

void CUPTIAPI BufferDone(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
  CUpti_Activity* record = nullptr;
  while (cuptiActivityGetNextRecord(buffer, valid, &record) == CUPTI_SUCCESS) {
    if (record->kind != CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL && record->kind != CUPTI_ACTIVITY_KIND_KERNEL) continue;
    const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(record);
    std::fprintf(g_out, "%llu,%llu,%u,%llu,%d,%d,%u,%s\n", static_cast<unsigned long long>(k->start),
                 static_cast<unsigned long long>(k->end), k->graphId, static_cast<unsigned long long>(k->graphNodeId),
                 k->gridX * k->gridY * k->gridZ, k->blockX * k->blockY * k->blockZ, k->registersPerThread,
                 k->name != nullptr ? k->name : "?");
  }
  size_t dropped = 0;
  cuptiActivityGetNumDroppedRecords(nullptr, 0, &dropped);
  if (dropped != 0) std::fprintf(stderr, "kernel_trace: %zu records dropped\n", dropped);
  std::free(buffer);
}

void Finish() {
  cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
  if (g_out != nullptr) std::fclose(g_out);
  g_out = nullptr;
}

}  // namespace

extern "C" int InitializeInjection() {
  const char* path = std::getenv("XSD_KERNEL_TRACE");
  g_out = std::fopen(path != nullptr ? path : "kernel_trace.csv", "w");
  if (g_out == nullptr) return 0;
  std::fprintf(g_out, "start_ns,end_ns,graph_id,node_id,grid,block,registers,name\n");
  if (cuptiActivityRegisterCallbacks(RequestBuffer, BufferDone) != CUPTI_SUCCESS ||
      cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) != CUPTI_SUCCESS) {
    std::fprintf(stderr, "kernel_trace: CUPTI activity tracing could not be enabled\n");
    return 0;
  }
  std::atexit(Finish);
  return 1;
}
