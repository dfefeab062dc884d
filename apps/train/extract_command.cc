// xsd_train extract: paired drafter / target hidden states (the research's
// stage 2) with libxsd's runtime, from a pipeline config naming the target
// and the drafter (an EventGPT drafter without adapter: its own hidden
// states) over a DSEC-layout dataset, streamed to sharded safetensors
// (xsd/training/feature_set.h); --pairing target_sequence: the target's own
// sequences for EAGLE heads. --resume skips the samples already written.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "dataset.h"
#include "synthetic_source.h"
#include "flags.h"
#include "loop_flags.h"
#include "progress.h"
#include "xsd/base/clock.h"
#include "xsd/base/status.h"
#include "xsd/config/pipeline.h"
#include "xsd/training/extraction.h"
#include "xsd/training/feature_set.h"

namespace xsd::train {

absl::Status ExtractCommand(int argc, char** argv, int first) {
  XSD_ASSIGN_OR_RETURN(const Flags f, Flags::Parse(argc, argv, first,
                                                   {{"config", ""},
                                                    {"dataset", ""},
                                                    {"synthetic_scenes", "0"},
                                                    {"questions", ""},
                                                    {"n_questions", "10"},
                                                    {"max_scenes", "-1"},
                                                    {"pairing", "free"},
                                                    {"max_new_tokens", "50"},
                                                    {"out", ""},
                                                    {"resume", "false"},
                                                    {"threads", "1"},
                                                    {"quiet", "false"}}));
  for (const char* required : {"config", "out"}) {
    if (f.Str(required).empty()) return absl::InvalidArgumentError(absl::StrCat("--", required, ": required"));
  }
  XSD_ASSIGN_OR_RETURN(const int64_t synthetic, f.Int("synthetic_scenes"));
  std::string dataset = f.Str("dataset");
  if (dataset.empty() == (synthetic <= 0)) {
    return absl::InvalidArgumentError("give --dataset or --synthetic_scenes (timing: the bench's synthetic scenes)");
  }
  PrintRunHeader("extract", f);
  XSD_RETURN_IF_ERROR(ApplyThreads(f));
  ExtractionOptions options;
  // target_sequence: the target alone (EAGLE heads); else a drafter pairing.
  const bool target_sequence = f.Str("pairing") == kTargetSequencePairing;
  if (!target_sequence) {
    XSD_ASSIGN_OR_RETURN(options.pairing, ParsePairing(f.Str("pairing")));
  }
  XSD_ASSIGN_OR_RETURN(const int64_t max_new, f.Int("max_new_tokens"));
  options.max_new_tokens = static_cast<int>(max_new);
  XSD_ASSIGN_OR_RETURN(const bool resume, f.Bool("resume"));
  XSD_ASSIGN_OR_RETURN(const bool quiet, f.Bool("quiet"));

  // The questions: --questions, else the dataset's questions.json when it
  // has one, else the research's embedded top-50 list.
  std::string questions_path = f.Str("questions");
  if (synthetic > 0) {
    XSD_ASSIGN_OR_RETURN(dataset, bench::WriteSyntheticScenes(f.Str("out") + "/synthetic_dataset",
                                                              static_cast<int>(synthetic), /*seed=*/0));
  }
  const std::filesystem::path beside = std::filesystem::path(dataset) / "questions.json";
  std::error_code ec;
  if (questions_path.empty() && std::filesystem::is_regular_file(beside, ec)) questions_path = beside.string();
  XSD_ASSIGN_OR_RETURN(const std::vector<std::string> questions, bench::LoadQuestions(questions_path));
  bench::DatasetOptions data;
  data.dataset_dir = dataset;
  XSD_ASSIGN_OR_RETURN(const int64_t n_questions, f.Int("n_questions"));
  XSD_ASSIGN_OR_RETURN(const int64_t max_scenes, f.Int("max_scenes"));
  data.n_questions = static_cast<int>(n_questions);
  data.max_samples = static_cast<int>(max_scenes);
  XSD_ASSIGN_OR_RETURN(const std::vector<bench::BenchSample> samples, bench::LoadBenchSamples(data, questions));
  std::vector<Request> requests;
  for (const bench::BenchSample& s : samples) requests.push_back(s.request);

  XSD_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline, Pipeline::FromFile(f.Str("config")));
  Drafter* drafter = pipeline->drafter();
  FeatureSetInfo info;
  const int target_width = pipeline->target().info().hidden_size;
  if (target_sequence) {
    info.pairing = kTargetSequencePairing;
    info.drafter_hidden_size = target_width;  // the target's input embeddings
  } else {
    if (drafter == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(f.Str("config"), ": no drafter (extraction pairs a drafter with the target)"));
    }
    XSD_RETURN_IF_ERROR(CheckPairable(*drafter, pipeline->target()));
    info.pairing = PairingName(options.pairing);
    info.drafter_hidden_size = drafter->info().hidden_size;
    info.settings["drafter"] = drafter->info().name;
  }
  info.target_hidden_size = target_width;
  info.settings["flags"] = FlagSettings(f);
  info.settings["target"] = pipeline->target().info().name;
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<FeatureShardWriter> writer,
                       FeatureShardWriter::Create(f.Str("out"), info, resume));
  const TimePoint start = Now();
  const size_t skipped = writer->done().size();
  const auto progress = [&](int done, int total) {
    if (quiet) return;
    const double seconds = MillisBetween(start, Now()) / 1e3;
    const double rate = seconds > 0 ? (done - static_cast<double>(skipped)) / seconds : 0;
    const double eta = rate > 0 ? (total - done) / rate : 0;
    std::fprintf(stderr, "\rextract %d/%d samples  %.1f samples/s  eta %s   ", done, total, rate,
                 ProgressPrinter::Duration(eta).c_str());
    if (done == total) std::fprintf(stderr, "\n");
  };
  if (target_sequence) {
    XSD_RETURN_IF_ERROR(ExtractTargetSequences(pipeline->target(), requests, options, *writer, progress));
  } else {
    XSD_RETURN_IF_ERROR(ExtractFeatures(pipeline->target(), *drafter, requests, options, *writer, progress));
  }
  std::fprintf(stderr, "extract: %zu samples in %s (%zu were there already)\n", requests.size(), f.Str("out").c_str(),
               skipped);
  return absl::OkStatus();
}

}  // namespace xsd::train
