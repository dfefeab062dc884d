// Test helpers for the vision module: an in-memory WeightSource and random
// weights in the Hugging Face CLIP naming. Test-only.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "xsd/models/weight_source.h"
#include "xsd/vision/clip_vision_config.h"

namespace xsd {
namespace testing {

using TensorMap = std::map<std::string, at::Tensor>;

// WeightSource over a name -> tensor map (float32, CPU unless told otherwise).
class MapWeights : public WeightSource {
 public:
  explicit MapWeights(TensorMap tensors, c10::ScalarType dtype = at::kFloat)
      : tensors_(std::move(tensors)), dtype_(dtype) {}

  absl::StatusOr<at::Tensor> Take(const std::string& name, const std::vector<int64_t>& shape) override {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) return absl::NotFoundError(absl::StrCat("map: tensor '", name, "' not found"));
    if (it->second.sizes() != at::IntArrayRef(shape)) {
      return absl::InvalidArgumentError(absl::StrCat("map: tensor '", name, "': shape [",
                                                     absl::StrJoin(it->second.sizes(), ", "), "], expected [",
                                                     absl::StrJoin(shape, ", "), "]"));
    }
    taken_.insert(name);
    return it->second.to(dtype_);
  }
  bool Has(const std::string& name) const override { return tensors_.count(name) > 0; }
  std::vector<std::string> Untaken() const override {
    std::vector<std::string> out;
    for (const auto& [name, t] : tensors_) {
      if (!taken_.count(name)) out.push_back(name);
    }
    return out;
  }
  c10::Device device() const override { return c10::Device(c10::DeviceType::CPU); }
  c10::ScalarType dtype() const override { return dtype_; }

 private:
  TensorMap tensors_;
  std::set<std::string> taken_;
  c10::ScalarType dtype_;
};

inline at::Tensor Normal(std::vector<int64_t> shape, double std) { return at::randn(shape, at::kFloat) * std; }

// A small CLIP vision config for numerics tests.
inline ClipVisionConfig TinyClipConfig(int image_size = 28, int patch_size = 7) {
  ClipVisionConfig c;
  c.hidden_size = 32;
  c.intermediate_size = 64;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.image_size = image_size;
  c.patch_size = patch_size;
  return c;
}

// Random CLIP vision weights named "<prefix>embeddings.*", "<prefix>encoder.layers.N.*", ...
// Norm weights near 1 and non-zero biases, so every parameter matters.
inline TensorMap RandomClipWeights(const ClipVisionConfig& c, const std::string& prefix) {
  const int64_t h = c.hidden_size, f = c.intermediate_size, p = c.patch_size;
  TensorMap m;
  m[prefix + "embeddings.patch_embedding.weight"] = Normal({h, c.num_channels, p, p}, 0.1);
  m[prefix + "embeddings.class_embedding"] = Normal({h}, 0.5);
  m[prefix + "embeddings.position_embedding.weight"] = Normal({c.num_positions(), h}, 0.5);
  auto norm = [&](const std::string& name) {
    m[name + ".weight"] = 1.0 + Normal({h}, 0.1);
    m[name + ".bias"] = Normal({h}, 0.1);
  };
  auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    m[name + ".weight"] = Normal({out, in}, 1.0 / std::sqrt(static_cast<double>(in)));
    m[name + ".bias"] = Normal({out}, 0.1);
  };
  norm(prefix + "pre_layrnorm");
  norm(prefix + "post_layernorm");
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    const std::string l = absl::StrCat(prefix, "encoder.layers.", i, ".");
    norm(l + "layer_norm1");
    norm(l + "layer_norm2");
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) linear(l + "self_attn." + proj, h, h);
    linear(l + "mlp.fc1", f, h);
    linear(l + "mlp.fc2", h, f);
  }
  return m;
}

// Prefixes every name: Renamed(m, "", "video_tower.vision_model.").
inline TensorMap Renamed(const TensorMap& m, const std::string& from, const std::string& to) {
  TensorMap out;
  for (const auto& [name, t] : m) {
    out[name.rfind(from, 0) == 0 ? to + name.substr(from.size()) : name] = t;
  }
  return out;
}

inline double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace testing
}  // namespace xsd
