// xsd_train eagle: trains an EAGLE-1 head on the target's own sequences
// (xsd_train extract --pairing target_sequence) and writes the checkpoint
// directory EagleOptions.checkpoint.path reads.
#include <cstdio>
#include <string>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "flags.h"
#include "loop_flags.h"
#include "progress.h"
#include "target_checkpoint.h"
#include "xsd/base/status.h"
#include "xsd/training/eagle_training.h"
#include "xsd/training/feature_set.h"

namespace xsd::train {

absl::Status EagleCommand(int argc, char** argv, int first) {
  XSD_ASSIGN_OR_RETURN(const Flags f, Flags::Parse(argc, argv, first,
                                                   WithLoopFlags({{"features", ""},
                                                                  {"target", ""},
                                                                  {"out", ""},
                                                                  {"run_dir", ""},
                                                                  {"device", "cpu"},
                                                                  {"dtype", "float32"},
                                                                  {"regression_weight", "1"},
                                                                  {"ce_weight", "0.1"},
                                                                  {"validation_fraction", "0.1"}},
                                                                 /*epochs=*/20, /*batch_size=*/16, "1e-3")));
  for (const char* required : {"features", "target", "out"}) {
    if (f.Str(required).empty()) return absl::InvalidArgumentError(absl::StrCat("--", required, ": required"));
  }
  PrintRunHeader("eagle", f);
  const std::string run_dir = f.Str("run_dir").empty() ? f.Str("out") + ".run" : f.Str("run_dir");
  XSD_ASSIGN_OR_RETURN(TrainLoopOptions loop, LoopOptionsFromFlags(f, run_dir));
  XSD_ASSIGN_OR_RETURN(const bool quiet, f.Bool("quiet"));
  XSD_ASSIGN_OR_RETURN(const c10::Device device, ParseDevice(f.Str("device")));
  EagleTrainingOptions o;
  XSD_ASSIGN_OR_RETURN(o.regression_weight, f.Double("regression_weight"));
  XSD_ASSIGN_OR_RETURN(o.ce_weight, f.Double("ce_weight"));
  XSD_ASSIGN_OR_RETURN(o.validation_fraction, f.Double("validation_fraction"));
  if (f.Str("dtype") == "bfloat16") {
    o.compute_dtype = c10::ScalarType::BFloat16;
  } else if (f.Str("dtype") != "float32") {
    return absl::InvalidArgumentError(absl::StrCat("--dtype: '", f.Str("dtype"), "' (expected float32, bfloat16)"));
  }
  o.seed = loop.seed;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<FeatureSet> set, FeatureSet::Open(f.Str("features"), device));
  XSD_ASSIGN_OR_RETURN(const at::Tensor lm_head, TargetLmHead(f.Str("target"), device));
  XSD_ASSIGN_OR_RETURN(const LlamaConfig config, TargetLlamaConfig(f.Str("target")));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<EagleTrainingTask> task, MakeEagleTrainingTask(*set, lm_head, config, o));
  loop.settings = {{"flags", FlagSettings(f)}, {"task", task->Settings()}, {"features", set->info().settings}};
  ProgressPrinter progress("eagle", quiet);
  XSD_ASSIGN_OR_RETURN(const TrainResult result,
                       RunTraining(*task, loop, [&](const StepProgress& p) { progress.Step(p); },
                                   [&](const EpochMetrics& m) { progress.Epoch(m); }));
  if (!result.finished) return absl::OkStatus();
  XSD_RETURN_IF_ERROR(task->Write(f.Str("out"), loop.settings));
  std::fprintf(stderr, "eagle: wrote %s\n", f.Str("out").c_str());
  return absl::OkStatus();
}

}  // namespace xsd::train
