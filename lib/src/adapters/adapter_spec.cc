#include "xsd/adapters/adapter_spec.h"

#include "absl/strings/str_cat.h"

namespace xsd {
namespace {

using Init = ParamSpec::Init;

class SpecBuilder {
 public:
  explicit SpecBuilder(const AdapterDims& d) : d_(d) {}
  void Add(std::string name, std::vector<int64_t> shape, Init init) {
    specs_.push_back({std::move(name), std::move(shape), init});
  }
  void LayerNorm(const std::string& p, int64_t width) {
    Add(p + "weight", {width}, Init::kOnes);
    Add(p + "bias", {width}, Init::kZeros);
  }
  void Linear(const std::string& p, int64_t out, int64_t in, bool bias, Init init = Init::kNormal) {
    Add(p + "weight", {out, in}, init);
    if (bias) Add(p + "bias", {out}, Init::kZeros);
  }
  // One BottleneckAdapter block of the research code (L1, L2).
  void Bottleneck(const std::string& p) {
    Linear(p + "down_proj.", d_.bottleneck, d_.hidden, false);
    Linear(p + "up_proj.", d_.hidden, d_.bottleneck, false);
    LayerNorm(p + "layer_norm.", d_.hidden);
    Add(p + "alpha_param", {}, Init::kAlpha);
  }
  // Pre-LN self-attention + FFN layer (L4, L5, B1, L5F), torch
  // nn.MultiheadAttention naming (fused in-projection).
  void TransformerLayer(const std::string& p) {
    LayerNorm(p + "attn_norm.", d_.hidden);
    Add(p + "attn.in_proj_weight", {3LL * d_.hidden, d_.hidden}, Init::kNormal);
    Add(p + "attn.in_proj_bias", {3LL * d_.hidden}, Init::kZeros);
    Linear(p + "attn.out_proj.", d_.hidden, d_.hidden, true);
    LayerNorm(p + "ffn_norm.", d_.hidden);
    Linear(p + "ffn.0.", d_.ffn, d_.hidden, true);
    Linear(p + "ffn.3.", d_.hidden, d_.ffn, true);
  }
  // The causal core shared by L5/B1 and L5F, after its input stage.
  void CausalCore() {
    Add("pos_embed", {1, d_.max_positions, d_.hidden}, Init::kNormal);
    TransformerLayer("layers.0.");
    LayerNorm("output_norm.", d_.hidden);
    Linear("output_proj.", d_.hidden, d_.hidden, true, Init::kIdentity);
    Add("alpha", {}, Init::kAlpha);
  }
  std::vector<ParamSpec> Take() { return std::move(specs_); }

 private:
  const AdapterDims& d_;
  std::vector<ParamSpec> specs_;
};

}  // namespace

const char* AdapterKindName(AdapterKind kind) {
  switch (kind) {
    case AdapterKind::kIdentity: return "identity";
    case AdapterKind::kL1: return "L1";
    case AdapterKind::kL2: return "L2";
    case AdapterKind::kL3: return "L3";
    case AdapterKind::kL4: return "L4";
    case AdapterKind::kL5: return "L5";
    case AdapterKind::kB1: return "B1";
    case AdapterKind::kL5F: return "L5F";
  }
  return "?";
}

absl::StatusOr<AdapterKind> ParseAdapterKind(const std::string& name) {
  for (AdapterKind k : {AdapterKind::kIdentity, AdapterKind::kL1, AdapterKind::kL2, AdapterKind::kL3, AdapterKind::kL4,
                        AdapterKind::kL5, AdapterKind::kB1, AdapterKind::kL5F}) {
    if (name == AdapterKindName(k)) return k;
  }
  return absl::NotFoundError(absl::StrCat("unknown adapter '", name, "'; known adapters: identity, L1, L2, L3, L4, L5, B1, L5F"));
}

std::vector<ParamSpec> AdapterParameters(AdapterKind kind, const AdapterDims& d) {
  SpecBuilder b(d);
  switch (kind) {
    case AdapterKind::kIdentity:
      break;
    case AdapterKind::kL1:  // HiddenStateAdapter with one BottleneckAdapter layer
      b.Bottleneck("layers.0.");
      b.LayerNorm("final_norm.", d.hidden);
      break;
    case AdapterKind::kL2:  // MultiLayerBottleneckAdapter
      for (int i = 0; i < d.l2_blocks; ++i) b.Bottleneck(absl::StrCat("blocks.", i, "."));
      b.LayerNorm("final_norm.", d.hidden);
      break;
    case AdapterKind::kL3:  // WideBottleneckAdapter: Sequential(Linear, LN, GELU, Dropout, Linear, Dropout)
      b.LayerNorm("input_norm.", d.hidden);
      for (int i = 0; i < d.l3_blocks; ++i) {
        const std::string p = absl::StrCat("blocks.", i, ".");
        b.Linear(p + "0.", d.wide_bottleneck, d.hidden, false);
        b.LayerNorm(p + "1.", d.wide_bottleneck);
        b.Linear(p + "4.", d.hidden, d.wide_bottleneck, false);
        b.Add(absl::StrCat("alphas.", i), {}, Init::kAlpha);
      }
      b.LayerNorm("final_norm.", d.hidden);
      break;
    case AdapterKind::kL4:  // AttentionAdapter
      b.TransformerLayer("layers.0.");
      b.LayerNorm("output_proj.0.", d.hidden);
      b.Linear("output_proj.1.", d.hidden, d.hidden, true, Init::kIdentity);
      b.Add("alpha", {}, Init::kAlpha);
      break;
    case AdapterKind::kL5:  // EAGLEStyleAdapter (no token embedding); B1 is the same module
    case AdapterKind::kB1:
      b.LayerNorm("input_norm.", d.hidden);
      b.CausalCore();
      break;
    case AdapterKind::kL5F:  // FusedEAGLEAdapter
      b.Linear("fusion_proj.", d.hidden, 2LL * d.hidden, true);
      b.LayerNorm("fusion_norm.", d.hidden);
      b.Linear("gate.0.", d.hidden, 2LL * d.hidden, true);
      b.CausalCore();
      break;
  }
  return b.Take();
}

int64_t AdapterParameterCount(AdapterKind kind, const AdapterDims& dims) {
  int64_t total = 0;
  for (const ParamSpec& p : AdapterParameters(kind, dims)) {
    int64_t n = 1;
    for (int64_t s : p.shape) n *= s;
    total += n;
  }
  return total;
}

}  // namespace xsd
