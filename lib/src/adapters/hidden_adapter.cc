// One class serves every adapter kind: the weights are resolved once at load
// time into the structs of adapter_layers.h and Map dispatches on the kind.
#include <map>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "adapter_layers.h"
#include "xsd/adapters/hidden_adapters.h"
#include "xsd/base/status.h"
#include "base/torch_status.h"

namespace xsd {
namespace {

using adapters::AttentionWeights;
using adapters::LayerNormWeights;
using adapters::LinearWeights;
using adapters::TransformerLayerWeights;

class ParamTable {
 public:
  explicit ParamTable(std::map<std::string, at::Tensor> params) : params_(std::move(params)) {}
  const at::Tensor& operator[](const std::string& name) const { return params_.at(name); }
  LayerNormWeights Norm(const std::string& p) const { return {(*this)[p + "weight"], (*this)[p + "bias"]}; }
  LinearWeights Lin(const std::string& p) const {
    auto it = params_.find(p + "bias");
    return {(*this)[p + "weight"], it == params_.end() ? at::Tensor() : it->second};
  }
  TransformerLayerWeights Layer(const std::string& p, int heads) const {
    TransformerLayerWeights w;
    w.attn_norm = Norm(p + "attn_norm.");
    w.attn.in_proj_weight = (*this)[p + "attn.in_proj_weight"];
    w.attn.in_proj_bias = (*this)[p + "attn.in_proj_bias"];
    w.attn.out_proj = Lin(p + "attn.out_proj.");
    w.attn.heads = heads;
    w.ffn_norm = Norm(p + "ffn_norm.");
    w.ffn_in = Lin(p + "ffn.0.");
    w.ffn_out = Lin(p + "ffn.3.");
    return w;
  }

 private:
  std::map<std::string, at::Tensor> params_;
};

struct Bottleneck {
  LayerNormWeights norm;
  LinearWeights down, up;
  at::Tensor alpha;
};

class HiddenAdapter final : public Adapter {
 public:
  HiddenAdapter(AdapterKind kind, const AdapterDims& dims, std::map<std::string, at::Tensor> params)
      : kind_(kind), dims_(dims), name_(AdapterKindName(kind)), count_(AdapterParameterCount(kind, dims)) {
    ParamTable p(std::move(params));
    switch (kind) {
      case AdapterKind::kIdentity: break;
      case AdapterKind::kL1:
        blocks_.push_back(ReadBottleneck(p, "layers.0."));
        final_norm_ = p.Norm("final_norm.");
        break;
      case AdapterKind::kL2:
        for (int i = 0; i < dims.l2_blocks; ++i) blocks_.push_back(ReadBottleneck(p, absl::StrCat("blocks.", i, ".")));
        final_norm_ = p.Norm("final_norm.");
        break;
      case AdapterKind::kL3:
        input_norm_ = p.Norm("input_norm.");
        for (int i = 0; i < dims.l3_blocks; ++i) {
          const std::string b = absl::StrCat("blocks.", i, ".");
          blocks_.push_back({p.Norm(b + "1."), p.Lin(b + "0."), p.Lin(b + "4."), p[absl::StrCat("alphas.", i)]});
        }
        final_norm_ = p.Norm("final_norm.");
        break;
      case AdapterKind::kL4:
        layer_ = p.Layer("layers.0.", dims.heads);
        output_norm_ = p.Norm("output_proj.0.");
        output_proj_ = p.Lin("output_proj.1.");
        alpha_ = p["alpha"];
        break;
      case AdapterKind::kL5:
      case AdapterKind::kB1:
      case AdapterKind::kL5F:
        if (kind == AdapterKind::kL5F) {
          fusion_proj_ = p.Lin("fusion_proj.");
          gate_ = p.Lin("gate.0.");
          input_norm_ = p.Norm("fusion_norm.");
        } else {
          input_norm_ = p.Norm("input_norm.");
        }
        pos_embed_ = p["pos_embed"].squeeze(0);
        layer_ = p.Layer("layers.0.", dims.heads);
        output_norm_ = p.Norm("output_norm.");
        output_proj_ = p.Lin("output_proj.");
        alpha_ = p["alpha"];
        break;
    }
    if (kind != AdapterKind::kIdentity) {
      const at::Tensor any = kind == AdapterKind::kL4 || kind == AdapterKind::kL5 || kind == AdapterKind::kB1 ||
                                     kind == AdapterKind::kL5F
                                 ? output_proj_.weight
                                 : final_norm_.weight;
      options_ = any.options();
    }
  }

  const std::string& name() const override { return name_; }
  int64_t parameter_count() const override { return count_; }

  AdapterCapabilities capabilities() const override {
    AdapterCapabilities c;
    c.uses_drafter_hidden = kind_ != AdapterKind::kB1;
    c.uses_target_hidden = kind_ == AdapterKind::kB1 || kind_ == AdapterKind::kL5 || kind_ == AdapterKind::kL5F;
    c.sequence = kind_ == AdapterKind::kL4 || IsCausal();
    c.predicts_next = IsCausal();
    c.fuses = kind_ == AdapterKind::kL5F;
    return c;
  }

  absl::Status Map(const AdapterInput& input, at::Tensor* out) const override {
    return TorchCall(absl::StrCat("adapter ", name_), [&]() -> absl::Status {
      XSD_ASSIGN_OR_RETURN(at::Tensor primary, Primary(input));
      const int64_t rows = primary.size(0);
      if (IsCausal() && (input.first_position < 0 || input.first_position + rows > dims_.max_positions)) {
        return absl::InvalidArgumentError(absl::StrCat("adapter ", name_, ": positions [", input.first_position, ", ",
                                                       input.first_position + rows, ") exceed the positional table of ",
                                                       dims_.max_positions));
      }
      *out = Forward(primary, input);
      return absl::OkStatus();
    });
  }

 private:
  bool IsCausal() const { return kind_ == AdapterKind::kL5 || kind_ == AdapterKind::kB1 || kind_ == AdapterKind::kL5F; }

  static Bottleneck ReadBottleneck(const ParamTable& p, const std::string& b) {
    return {p.Norm(b + "layer_norm."), p.Lin(b + "down_proj."), p.Lin(b + "up_proj."), p[b + "alpha_param"]};
  }

  at::Tensor Cast(const at::Tensor& t) const {
    return kind_ == AdapterKind::kIdentity ? t : t.to(options_.device(), options_.dtype());
  }

  // Checks shapes and casts the input this kind maps.
  absl::StatusOr<at::Tensor> Primary(const AdapterInput& in) const {
    const at::Tensor* src = nullptr;
    if (kind_ == AdapterKind::kL5F) {
      if (in.drafter_hidden == nullptr || in.target_hidden == nullptr) {
        return absl::InvalidArgumentError("adapter L5F: needs both drafter and target hidden states");
      }
      if (in.drafter_hidden->sizes() != in.target_hidden->sizes()) {
        return absl::InvalidArgumentError(absl::StrCat("adapter L5F: drafter rows ", in.drafter_hidden->size(0),
                                                       " != target rows ", in.target_hidden->size(0)));
      }
      src = in.target_hidden;
    } else {
      src = in.drafter_hidden != nullptr ? in.drafter_hidden : in.target_hidden;
    }
    if (src == nullptr || !src->defined()) {
      return absl::InvalidArgumentError(absl::StrCat("adapter ", name_, ": no input hidden states"));
    }
    if (src->dim() != 2 || src->size(1) != dims_.hidden) {
      return absl::InvalidArgumentError(absl::StrCat("adapter ", name_, ": input must be [T, ", dims_.hidden, "], got ",
                                                     c10::str(src->sizes())));
    }
    return Cast(*src);
  }

  at::Tensor Forward(const at::Tensor& h, const AdapterInput& in) const {
    const double eps = dims_.layer_norm_eps;
    switch (kind_) {
      case AdapterKind::kIdentity:
        return h;
      case AdapterKind::kL1:
      case AdapterKind::kL2: {
        at::Tensor x = h;
        for (const Bottleneck& b : blocks_) {
          x = x + b.alpha * adapters::Linear(at::gelu(adapters::Linear(adapters::LayerNorm(x, b.norm, eps), b.down)), b.up);
        }
        return adapters::LayerNorm(x, final_norm_, eps);
      }
      case AdapterKind::kL3: {
        at::Tensor x = adapters::LayerNorm(h, input_norm_, eps);
        for (const Bottleneck& b : blocks_) {
          x = x + b.alpha * adapters::Linear(at::gelu(adapters::LayerNorm(adapters::Linear(x, b.down), b.norm, eps)), b.up);
        }
        return adapters::LayerNorm(x, final_norm_, eps);
      }
      case AdapterKind::kL4: {
        const at::Tensor x = adapters::TransformerLayer(h, layer_, /*causal=*/false, eps);
        const at::Tensor y = adapters::Linear(adapters::LayerNorm(x, output_norm_, eps), output_proj_);
        return h + alpha_ * (y - h);
      }
      case AdapterKind::kL5:
      case AdapterKind::kB1:
      case AdapterKind::kL5F: {
        at::Tensor x;
        if (kind_ == AdapterKind::kL5F) {
          const at::Tensor he = Cast(*in.drafter_hidden);
          const at::Tensor both = at::cat({he, h}, -1);
          const at::Tensor g = at::sigmoid(adapters::Linear(both, gate_));
          x = adapters::LayerNorm(g * he + (1 - g) * h + adapters::Linear(both, fusion_proj_), input_norm_, eps);
        } else {
          x = adapters::LayerNorm(h, input_norm_, eps);
        }
        x = x + pos_embed_.narrow(0, in.first_position, h.size(0));
        x = adapters::TransformerLayer(x, layer_, /*causal=*/true, eps);
        const at::Tensor y = adapters::Linear(adapters::LayerNorm(x, output_norm_, eps), output_proj_);
        return h + alpha_ * (y - h);
      }
    }
    return h;
  }

  AdapterKind kind_;
  AdapterDims dims_;
  std::string name_;
  int64_t count_;
  at::TensorOptions options_;
  std::vector<Bottleneck> blocks_;
  LayerNormWeights input_norm_, final_norm_, output_norm_;
  TransformerLayerWeights layer_;
  LinearWeights output_proj_, fusion_proj_, gate_;
  at::Tensor pos_embed_, alpha_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Adapter>> LoadAdapter(AdapterKind kind, const AdapterDims& dims, WeightSource& weights) {
  std::map<std::string, at::Tensor> params;
  for (const ParamSpec& spec : AdapterParameters(kind, dims)) {
    XSD_ASSIGN_OR_RETURN(params[spec.name], weights.Take(spec.name, spec.shape));
  }
  return TorchCall(absl::StrCat("building adapter ", AdapterKindName(kind)),
                   [&]() -> absl::StatusOr<std::unique_ptr<Adapter>> {
                     return std::unique_ptr<Adapter>(new HiddenAdapter(kind, dims, std::move(params)));
                   });
}

absl::StatusOr<std::unique_ptr<Adapter>> MakeRandomAdapter(AdapterKind kind, const AdapterDims& dims, uint64_t seed,
                                                           c10::Device device, c10::ScalarType dtype) {
  return TorchCall(absl::StrCat("random adapter ", AdapterKindName(kind)),
                   [&]() -> absl::StatusOr<std::unique_ptr<Adapter>> {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const auto cpu = at::TensorOptions().dtype(at::kFloat);
    std::map<std::string, at::Tensor> params;
    for (const ParamSpec& spec : AdapterParameters(kind, dims)) {
      at::Tensor t;
      switch (spec.init) {
        case ParamSpec::Init::kNormal: t = at::randn(spec.shape, gen, cpu) * 0.02; break;
        case ParamSpec::Init::kOnes: t = at::ones(spec.shape, cpu); break;
        case ParamSpec::Init::kZeros: t = at::zeros(spec.shape, cpu); break;
        case ParamSpec::Init::kAlpha: t = at::full(spec.shape, 0.1, cpu); break;
        case ParamSpec::Init::kIdentity: t = at::eye(spec.shape[0], spec.shape[1], cpu); break;
      }
      params[spec.name] = t.to(device, dtype);
    }
    return std::unique_ptr<Adapter>(new HiddenAdapter(kind, dims, std::move(params)));
  });
}

}  // namespace xsd
