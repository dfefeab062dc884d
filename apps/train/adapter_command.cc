// xsd_train adapter: trains one adapter or decode head (L1-L5, B1, L5F:
// the research's stage 3) on an extracted feature set, with the research's
// loss or an acceptance-aware one through the target's frozen LM head, and
// writes the safetensors file the pipeline's AdapterConfig.checkpoint reads.
#include <cstdio>
#include <filesystem>
#include <string>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "flags.h"
#include "loop_flags.h"
#include "progress.h"
#include "target_checkpoint.h"
#include "xsd/base/status.h"
#include "xsd/training/adapter_training.h"
#include "xsd/training/feature_set.h"

namespace xsd::train {

absl::Status AdapterCommand(int argc, char** argv, int first) {
  XSD_ASSIGN_OR_RETURN(const Flags f, Flags::Parse(argc, argv, first,
                                                   WithLoopFlags({{"features", ""},
                                                                  {"target", ""},
                                                                  {"kind", ""},
                                                                  {"loss", "research"},
                                                                  {"ce_weight", "1"},
                                                                  {"out", ""},
                                                                  {"run_dir", ""},
                                                                  {"device", "cpu"},
                                                                  {"dtype", "float32"},
                                                                  {"bottleneck", "256"},
                                                                  {"wide_bottleneck", "1024"},
                                                                  {"heads", "8"},
                                                                  {"ffn", "2048"},
                                                                  {"max_positions", "512"},
                                                                  {"validation_fraction", "0.1"}},
                                                                 /*epochs=*/20, /*batch_size=*/32, "1e-3")));
  for (const char* required : {"features", "target", "kind", "out"}) {
    if (f.Str(required).empty()) return absl::InvalidArgumentError(absl::StrCat("--", required, ": required"));
  }
  PrintRunHeader("adapter", f);
  const std::string run_dir = f.Str("run_dir").empty() ? f.Str("out") + ".run" : f.Str("run_dir");
  XSD_ASSIGN_OR_RETURN(TrainLoopOptions loop, LoopOptionsFromFlags(f, run_dir));
  XSD_ASSIGN_OR_RETURN(const bool quiet, f.Bool("quiet"));
  XSD_ASSIGN_OR_RETURN(const c10::Device device, ParseDevice(f.Str("device")));
  AdapterTrainingOptions o;
  XSD_ASSIGN_OR_RETURN(o.kind, ParseAdapterKind(f.Str("kind")));
  XSD_ASSIGN_OR_RETURN(o.loss, ParseAdapterLoss(f.Str("loss")));
  XSD_ASSIGN_OR_RETURN(o.ce_weight, f.Double("ce_weight"));
  XSD_ASSIGN_OR_RETURN(o.validation_fraction, f.Double("validation_fraction"));
  if (f.Str("dtype") == "bfloat16") {
    o.compute_dtype = c10::ScalarType::BFloat16;
  } else if (f.Str("dtype") != "float32") {
    return absl::InvalidArgumentError(absl::StrCat("--dtype: '", f.Str("dtype"), "' (expected float32, bfloat16)"));
  }
  XSD_ASSIGN_OR_RETURN(const int64_t bottleneck, f.Int("bottleneck"));
  XSD_ASSIGN_OR_RETURN(const int64_t wide, f.Int("wide_bottleneck"));
  XSD_ASSIGN_OR_RETURN(const int64_t heads, f.Int("heads"));
  XSD_ASSIGN_OR_RETURN(const int64_t ffn, f.Int("ffn"));
  XSD_ASSIGN_OR_RETURN(const int64_t positions, f.Int("max_positions"));
  o.dims.bottleneck = static_cast<int>(bottleneck);
  o.dims.wide_bottleneck = static_cast<int>(wide);
  o.dims.heads = static_cast<int>(heads);
  o.dims.ffn = static_cast<int>(ffn);
  o.dims.max_positions = static_cast<int>(positions);
  o.seed = loop.seed;

  XSD_ASSIGN_OR_RETURN(std::unique_ptr<FeatureSet> features, FeatureSet::Open(f.Str("features"), device));
  XSD_ASSIGN_OR_RETURN(const at::Tensor lm_head, TargetLmHead(f.Str("target"), device));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<AdapterTrainingTask> task, MakeAdapterTrainingTask(*features, lm_head, o));
  loop.settings = {{"flags", FlagSettings(f)}, {"task", task->Settings()}, {"features", features->info().settings}};
  ProgressPrinter progress(f.Str("kind"), quiet);
  XSD_ASSIGN_OR_RETURN(const TrainResult result,
                       RunTraining(*task, loop, [&](const StepProgress& p) { progress.Step(p); },
                                   [&](const EpochMetrics& m) { progress.Epoch(m); }));
  if (!result.finished) return absl::OkStatus();
  XSD_RETURN_IF_ERROR(task->Write(f.Str("out"), loop.settings));
  std::fprintf(stderr, "%s: wrote %s\n", f.Str("kind").c_str(), f.Str("out").c_str());
  return absl::OkStatus();
}

}  // namespace xsd::train
