#include "xsd/training/adamw.h"

#include <cmath>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"

namespace xsd {

double CosineLearningRate(const AdamWOptions& o, int64_t step, int64_t total) {
  if (total <= 1) return o.lr;
  const double progress = std::min(1.0, static_cast<double>(step) / static_cast<double>(total - 1));
  return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * progress));
}

absl::StatusOr<double> AdamW::Step(TrainableParameters& params, double lr) {
  return TorchCall("adamw step", [&]() -> absl::StatusOr<double> {
    at::NoGradGuard no_grad;
    // Global gradient norm, summed in name order (deterministic).
    double squares = 0;
    for (const auto& [name, p] : params.tensors()) {
      if (p.grad().defined()) squares += p.grad().to(at::kDouble).pow(2).sum().item<double>();
    }
    const double norm = std::sqrt(squares);
    if (!std::isfinite(norm)) {
      return absl::FailedPreconditionError(absl::StrCat("adamw: gradient norm is ", norm, " at step ", steps_));
    }
    const double scale = options_.clip_norm > 0 && norm > options_.clip_norm ? options_.clip_norm / (norm + 1e-6) : 1.0;
    ++steps_;
    const double c1 = 1.0 - std::pow(options_.beta1, static_cast<double>(steps_));
    const double c2 = 1.0 - std::pow(options_.beta2, static_cast<double>(steps_));
    for (const auto& [name, p] : params.tensors()) {
      if (!p.grad().defined()) continue;
      const at::Tensor g = p.grad() * scale;
      at::Tensor& m = m_[name];
      at::Tensor& v = v_[name];
      if (!m.defined()) {
        m = at::zeros_like(p);
        v = at::zeros_like(p);
      }
      m.mul_(options_.beta1).add_(g, 1.0 - options_.beta1);
      v.mul_(options_.beta2).addcmul_(g, g, 1.0 - options_.beta2);
      at::Tensor param = p;  // the leaf itself: updated in place
      param.mul_(1.0 - lr * options_.weight_decay);
      param.addcdiv_(m / c1, (v / c2).sqrt_().add_(options_.eps), -lr);
    }
    return norm;
  });
}

std::vector<std::pair<std::string, at::Tensor>> AdamW::State() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& [name, m] : m_) out.emplace_back("adam.m." + name, m.to(at::kCPU).clone());
  for (const auto& [name, v] : v_) out.emplace_back("adam.v." + name, v.to(at::kCPU).clone());
  out.emplace_back("adam.step", at::full({1}, steps_, at::TensorOptions().dtype(at::kLong)));
  return out;
}

absl::Status AdamW::LoadState(const std::map<std::string, at::Tensor>& tensors, const TrainableParameters& params) {
  return TorchCall("adamw state", [&]() -> absl::Status {
    auto step = tensors.find("adam.step");
    if (step == tensors.end()) return absl::NotFoundError("adamw state: 'adam.step' is missing");
    steps_ = step->second.item<int64_t>();
    m_.clear();
    v_.clear();
    for (const auto& [name, p] : params.tensors()) {
      auto m = tensors.find("adam.m." + name), v = tensors.find("adam.v." + name);
      if (m == tensors.end() && v == tensors.end()) continue;  // never updated
      if (m == tensors.end() || v == tensors.end() || m->second.sizes() != p.sizes() || v->second.sizes() != p.sizes()) {
        return absl::InvalidArgumentError(absl::StrCat("adamw state: moments of '", name, "' are missing or misshapen"));
      }
      m_[name] = m->second.to(p.device(), at::kFloat).clone();
      v_[name] = v->second.to(p.device(), at::kFloat).clone();
    }
    return absl::OkStatus();
  });
}

}  // namespace xsd
