#include "xsd/training/parameters.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "xsd/base/status.h"

namespace xsd {

absl::StatusOr<TrainableParameters> TrainableParameters::FromSpecs(const std::vector<ParamSpec>& specs, uint64_t seed,
                                                                   const c10::Device& device) {
  return TorchCall("initialising parameters", [&]() -> absl::StatusOr<TrainableParameters> {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto cpu = at::TensorOptions().dtype(at::kFloat);
    TrainableParameters p;
    for (const ParamSpec& spec : specs) {
      at::Tensor t;
      switch (spec.init) {
        case ParamSpec::Init::kNormal: t = at::randn(spec.shape, gen, cpu) * 0.02; break;
        case ParamSpec::Init::kOnes: t = at::ones(spec.shape, cpu); break;
        case ParamSpec::Init::kZeros: t = at::zeros(spec.shape, cpu); break;
        case ParamSpec::Init::kAlpha: t = at::full(spec.shape, 0.1, cpu); break;
        case ParamSpec::Init::kIdentity: t = at::eye(spec.shape[0], spec.shape[1], cpu); break;
      }
      if (p.tensors_.count(spec.name) != 0) {
        return absl::InvalidArgumentError(absl::StrCat("parameter '", spec.name, "' is listed twice"));
      }
      p.tensors_[spec.name] = t.to(device).set_requires_grad(true);
    }
    return p;
  });
}

absl::StatusOr<TrainableParameters> TrainableParameters::FromTensors(const std::map<std::string, at::Tensor>& tensors,
                                                                     const c10::Device& device) {
  return TorchCall("parameters from tensors", [&]() -> absl::StatusOr<TrainableParameters> {
    TrainableParameters p;
    for (const auto& [name, t] : tensors) {
      p.tensors_[name] = t.detach().to(device, at::kFloat).clone().set_requires_grad(true);
    }
    return p;
  });
}

int64_t TrainableParameters::count() const {
  int64_t n = 0;
  for (const auto& [name, t] : tensors_) n += t.numel();
  return n;
}

std::unique_ptr<MapWeightSource> TrainableParameters::AsSource(c10::ScalarType dtype, const std::string& label,
                                                               std::vector<WeightAlias> aliases) const {
  WeightSourceOptions options;
  options.dtype = dtype;
  options.aliases = std::move(aliases);
  options.device = tensors_.empty() ? c10::Device(c10::kCPU) : tensors_.begin()->second.device();
  auto source = std::make_unique<MapWeightSource>(options, label);
  for (const auto& [name, t] : tensors_) source->Set(name, t);
  return source;
}

void TrainableParameters::ZeroGrad() {
  for (auto& [name, t] : tensors_) {
    if (t.grad().defined()) t.mutable_grad() = at::Tensor();
  }
}

std::vector<std::pair<std::string, at::Tensor>> TrainableParameters::Snapshot() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& [name, t] : tensors_) out.emplace_back(name, t.detach().to(at::kCPU).clone());
  return out;
}

absl::Status TrainableParameters::Restore(const std::map<std::string, at::Tensor>& tensors) {
  for (auto& entry : tensors_) {
    const std::string& name = entry.first;
    at::Tensor& t = entry.second;  // a plain reference: lambdas cannot capture bindings in C++17
    auto it = tensors.find(name);
    if (it == tensors.end()) return absl::NotFoundError(absl::StrCat("restoring parameters: '", name, "' is missing"));
    if (it->second.sizes() != t.sizes()) {
      return absl::InvalidArgumentError(absl::StrCat("restoring parameters: '", name, "' has shape ",
                                                     c10::str(it->second.sizes()), ", expected ", c10::str(t.sizes())));
    }
    XSD_RETURN_IF_ERROR(TorchCall("restoring parameters", [&]() -> absl::Status {
      at::NoGradGuard no_grad;
      t.copy_(it->second);
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

}  // namespace xsd
