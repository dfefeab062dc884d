#include "xsd/training/train_loop.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <ATen/ATen.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "xsd/base/rng.h"
#include "xsd/base/status.h"
#include "xsd/io/safetensors.h"

namespace xsd {
namespace {

namespace fs = std::filesystem;

constexpr char kCheckpointFile[] = "checkpoint.safetensors";
constexpr char kLogFile[] = "train_log.json";

nlohmann::json MetricsJson(const std::vector<EpochMetrics>& epochs) {
  nlohmann::json out = nlohmann::json::array();
  for (const EpochMetrics& e : epochs) {
    out.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"validation", e.validation}});
  }
  return out;
}

std::vector<EpochMetrics> MetricsFromJson(const nlohmann::json& j) {
  std::vector<EpochMetrics> out;
  for (const nlohmann::json& e : j) {
    EpochMetrics m;
    m.epoch = e.value("epoch", 0);
    m.train_loss = e.value("train_loss", 0.0);
    for (auto it = e["validation"].begin(); it != e["validation"].end(); ++it) m.validation[it.key()] = it.value();
    out.push_back(m);
  }
  return out;
}

struct Checkpoint {
  int64_t step = 0;
  double epoch_loss_sum = 0;  // the running epoch's summed losses
  std::vector<EpochMetrics> epochs;
};

absl::Status WriteCheckpointFile(const std::string& path, const TrainableParameters& params, const AdamW& adam,
                                 const nlohmann::json& settings, const Checkpoint& c) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (auto& [name, t] : params.Snapshot()) tensors.emplace_back("param." + name, t);
  for (auto& entry : adam.State()) tensors.push_back(std::move(entry));
  std::map<std::string, std::string> metadata = {
      {"step", std::to_string(c.step)},
      {"epoch_loss_sum", nlohmann::json(c.epoch_loss_sum).dump()},
      {"settings", settings.dump()},
      {"epochs", MetricsJson(c.epochs).dump()},
  };
  return WriteSafetensors(path, tensors, metadata);
}

absl::StatusOr<Checkpoint> ReadCheckpointFile(const std::string& path, TrainableParameters& params, AdamW& adam,
                                              const nlohmann::json& settings) {
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> file, SafetensorsFile::Open(path));
  const auto& meta = file->metadata();
  for (const char* key : {"step", "epoch_loss_sum", "settings", "epochs"}) {
    if (meta.count(key) == 0) return absl::InvalidArgumentError(absl::StrCat(path, ": metadata '", key, "' is missing"));
  }
  const nlohmann::json recorded = nlohmann::json::parse(meta.at("settings"), nullptr, /*allow_exceptions=*/false);
  if (!recorded.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": metadata 'settings' is not JSON"));
  for (auto it = settings.begin(); it != settings.end(); ++it) {
    if (!recorded.contains(it.key()) || recorded[it.key()] != it.value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": --resume: the checkpoint was written with ", it.key(), "=",
          recorded.contains(it.key()) ? recorded[it.key()].dump() : std::string("(absent)"), ", this run has ",
          it.value().dump()));
    }
  }
  Checkpoint c;
  if (!absl::SimpleAtoi(meta.at("step"), &c.step) || c.step < 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": metadata 'step' is not a count"));
  }
  c.epoch_loss_sum = nlohmann::json::parse(meta.at("epoch_loss_sum"), nullptr, false).get<double>();
  const nlohmann::json epochs = nlohmann::json::parse(meta.at("epochs"), nullptr, false);
  if (!epochs.is_array()) return absl::InvalidArgumentError(absl::StrCat(path, ": metadata 'epochs' is not a list"));
  c.epochs = MetricsFromJson(epochs);
  std::map<std::string, at::Tensor> param_tensors, adam_tensors;
  for (const std::string& name : file->Names()) {
    XSD_ASSIGN_OR_RETURN(at::Tensor t, file->Get(name));
    if (name.rfind("param.", 0) == 0) {
      param_tensors[name.substr(6)] = t;
    } else {
      adam_tensors[name] = t;
    }
  }
  XSD_RETURN_IF_ERROR_CTX(params.Restore(param_tensors), path);
  XSD_RETURN_IF_ERROR_CTX(adam.LoadState(adam_tensors, params), path);
  return c;
}

absl::Status WriteLog(const std::string& path, const nlohmann::json& settings, const std::vector<EpochMetrics>& epochs) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << nlohmann::json{{"settings", settings}, {"epochs", MetricsJson(epochs)}}.dump(2) << "\n";
    if (!out) return absl::InternalError(absl::StrCat(tmp, ": cannot write the training log"));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat(path, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

std::vector<int64_t> EpochOrder(int64_t examples, uint64_t seed, int epoch) {
  std::vector<int64_t> order(examples);
  for (int64_t i = 0; i < examples; ++i) order[i] = i;
  Rng rng(MixHash(seed, static_cast<uint64_t>(epoch)));
  for (int64_t i = examples - 1; i > 0; --i) std::swap(order[i], order[rng.Below(static_cast<uint64_t>(i + 1))]);
  return order;
}

absl::StatusOr<TrainResult> RunTraining(TrainingTask& task, const TrainLoopOptions& o,
                                        const std::function<void(const StepProgress&)>& on_step,
                                        const std::function<void(const EpochMetrics&)>& on_epoch) {
  const int64_t n = task.num_examples();
  if (n < 1) return absl::InvalidArgumentError("training: no examples");
  if (o.epochs < 1 || o.batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat("training: epochs (", o.epochs, ") and batch_size (", o.batch_size,
                                                   ") must be >= 1"));
  }
  const int64_t per_epoch = (n + o.batch_size - 1) / o.batch_size;
  const int64_t total = per_epoch * o.epochs;
  TrainableParameters& params = task.parameters();
  AdamW adam(o.optimizer);
  Checkpoint state;
  TrainResult result;
  const std::string checkpoint = o.out_dir.empty() ? "" : (fs::path(o.out_dir) / kCheckpointFile).string();
  if (!o.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(o.out_dir, ec);
    if (ec) return absl::InternalError(absl::StrCat(o.out_dir, ": ", ec.message()));
  }
  if (o.resume && !checkpoint.empty() && fs::exists(checkpoint)) {
    XSD_ASSIGN_OR_RETURN(state, ReadCheckpointFile(checkpoint, params, adam, o.settings));
    result.resumed_from_step = state.step;
  }
  const auto save = [&]() -> absl::Status {
    if (checkpoint.empty()) return absl::OkStatus();
    return WriteCheckpointFile(checkpoint, params, adam, o.settings, state);
  };
  const auto start = std::chrono::steady_clock::now();
  int64_t steps_this_call = 0;
  std::vector<int64_t> order;
  int order_epoch = -1;
  while (state.step < total) {
    const int epoch = static_cast<int>(state.step / per_epoch);  // 0-based
    if (epoch != order_epoch) {
      order = EpochOrder(n, o.seed, epoch);
      order_epoch = epoch;
    }
    const int64_t b = state.step % per_epoch;
    const int64_t begin = b * o.batch_size, end = std::min<int64_t>(n, begin + o.batch_size);
    const absl::Span<const int64_t> batch(order.data() + begin, static_cast<size_t>(end - begin));
    params.ZeroGrad();
    XSD_ASSIGN_OR_RETURN(at::Tensor loss, task.Loss(batch));
    double loss_value = 0;
    XSD_RETURN_IF_ERROR(TorchCall("training: backward", [&]() -> absl::Status {
      loss.backward();
      loss_value = loss.item<double>();
      return absl::OkStatus();
    }));
    const double lr = CosineLearningRate(o.optimizer, state.step, total);
    XSD_ASSIGN_OR_RETURN(const double grad_norm, adam.Step(params, lr));
    ++state.step;
    ++steps_this_call;
    state.epoch_loss_sum += loss_value;
    if (on_step) {
      StepProgress p;
      p.step = state.step;
      p.total_steps = total;
      p.epoch = epoch + 1;
      p.epochs = o.epochs;
      p.loss = loss_value;
      p.lr = lr;
      p.grad_norm = grad_norm;
      p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      p.eta_seconds = p.seconds / steps_this_call * static_cast<double>(total - state.step);
      on_step(p);
    }
    const bool epoch_end = state.step % per_epoch == 0;
    if (epoch_end) {
      EpochMetrics m;
      m.epoch = epoch + 1;
      m.train_loss = state.epoch_loss_sum / static_cast<double>(per_epoch);
      XSD_ASSIGN_OR_RETURN(m.validation, task.Validate());
      state.epochs.push_back(m);
      state.epoch_loss_sum = 0;
      if (on_epoch) on_epoch(m);
    }
    const bool stop = o.max_steps_this_call > 0 && steps_this_call >= o.max_steps_this_call && state.step < total;
    if (epoch_end || stop || (o.checkpoint_every > 0 && state.step % o.checkpoint_every == 0)) {
      XSD_RETURN_IF_ERROR(save());
    }
    if (epoch_end && !o.out_dir.empty()) {
      XSD_RETURN_IF_ERROR(WriteLog((fs::path(o.out_dir) / kLogFile).string(), o.settings, state.epochs));
    }
    if (stop) break;
  }
  result.steps = state.step;
  result.finished = state.step >= total;
  result.epochs = state.epochs;
  return result;
}

}  // namespace xsd
