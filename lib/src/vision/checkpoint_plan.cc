#include "checkpoint_plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xsd {
namespace vision_internal {
namespace {

const char* const kPresets[] = {"llama_tiny",        "eventgpt_tiny",  "video_llava_tiny", "video_llava_7b",
                                "eventgpt_7b",       "video_llava_world", "eventgpt_world"};

ClipVisionConfig TinyVision(int image_size, int patch_size) {
  ClipVisionConfig v;
  v.hidden_size = 32;
  v.intermediate_size = 64;
  v.num_hidden_layers = 2;
  v.num_attention_heads = 4;
  v.image_size = image_size;
  v.patch_size = patch_size;
  return v;
}

int RoundUp(int n, int multiple) { return (n + multiple - 1) / multiple * multiple; }

void AddClipTower(const std::string& prefix, const ClipVisionConfig& v, std::vector<PlannedTensor>* out) {
  const int64_t h = v.hidden_size, f = v.intermediate_size, p = v.patch_size;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, Init init = Init::kNormal) {
    out->push_back({prefix + name, std::move(shape), init});
  };
  auto norm = [&](const std::string& name) {
    add(name + ".weight", {h}, Init::kOnes);
    add(name + ".bias", {h}, Init::kZeros);
  };
  add("embeddings.class_embedding", {h});
  add("embeddings.patch_embedding.weight", {h, v.num_channels, p, p});
  add("embeddings.position_embedding.weight", {v.num_positions(), h});
  norm("pre_layrnorm");
  for (int i = 0; i < v.num_hidden_layers; ++i) {
    const std::string l = absl::StrCat("encoder.layers.", i, ".");
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      add(absl::StrCat(l, "self_attn.", proj, ".weight"), {h, h});
      add(absl::StrCat(l, "self_attn.", proj, ".bias"), {h});
    }
    norm(l + "layer_norm1");
    add(l + "mlp.fc1.weight", {f, h});
    add(l + "mlp.fc1.bias", {f});
    add(l + "mlp.fc2.weight", {h, f});
    add(l + "mlp.fc2.bias", {h});
    norm(l + "layer_norm2");
  }
  norm("post_layernorm");
}

void AddLlamaLayers(const std::string& decoder, const CheckpointShape& s, std::vector<PlannedTensor>* out) {
  const int64_t d = s.hidden, f = s.intermediate, hd = s.hidden / s.heads;
  const int64_t q = s.heads * hd, kv = s.kv_heads * hd;
  for (int i = 0; i < s.layers; ++i) {
    const std::string l = absl::StrCat(decoder, "layers.", i, ".");
    out->push_back({l + "input_layernorm.weight", {d}, Init::kOnes});
    out->push_back({l + "self_attn.q_proj.weight", {q, d}});
    out->push_back({l + "self_attn.k_proj.weight", {kv, d}});
    out->push_back({l + "self_attn.v_proj.weight", {kv, d}});
    out->push_back({l + "self_attn.o_proj.weight", {d, q}});
    out->push_back({l + "post_attention_layernorm.weight", {d}, Init::kOnes});
    out->push_back({l + "mlp.gate_proj.weight", {f, d}});
    out->push_back({l + "mlp.up_proj.weight", {f, d}});
    out->push_back({l + "mlp.down_proj.weight", {d, f}});
  }
}

void AddLinear(const std::string& name, int64_t out_features, int64_t in_features, std::vector<PlannedTensor>* out) {
  out->push_back({name + ".weight", {out_features, in_features}});
  out->push_back({name + ".bias", {out_features}});
}

nlohmann::json TextConfig(const CheckpointShape& s, bool hub) {
  nlohmann::json j = {{"model_type", "llama"},
                      {"vocab_size", s.vocab},
                      {"hidden_size", s.hidden},
                      {"intermediate_size", s.intermediate},
                      {"num_hidden_layers", s.layers},
                      {"num_attention_heads", s.heads},
                      {"num_key_value_heads", s.kv_heads},
                      {"max_position_embeddings", s.max_positions},
                      {"rms_norm_eps", 1e-5},
                      {"hidden_act", "silu"},
                      {"initializer_range", 0.02},
                      {"tie_word_embeddings", s.tied},
                      {"attention_bias", false},
                      {"bos_token_id", 1},
                      {"eos_token_id", 2}};
  if (hub) {
    j["rope_theta"] = 10000.0;
    j["rope_scaling"] = nullptr;
  } else {
    j["rope_parameters"] = {{"rope_theta", 10000.0}, {"rope_type", "default"}};
    j["head_dim"] = s.hidden / s.heads;
  }
  return j;
}

nlohmann::json VisionConfig(const ClipVisionConfig& v) {
  return {{"model_type", "clip_vision_model"}, {"hidden_size", v.hidden_size},
          {"intermediate_size", v.intermediate_size}, {"num_hidden_layers", v.num_hidden_layers},
          {"num_attention_heads", v.num_attention_heads}, {"image_size", v.image_size},
          {"patch_size", v.patch_size}, {"num_channels", v.num_channels},
          {"hidden_act", v.hidden_act}, {"layer_norm_eps", v.layer_norm_eps},
          {"projection_dim", 768}};
}

}  // namespace

int64_t PlannedTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<CheckpointShape> PresetShape(const std::string& preset, const TokenizerFacts& tokenizer) {
  CheckpointShape s;
  // The text vocabulary without Video-LLaVA's added <image>/<video>/<pad>.
  const bool has_video_tokens = tokenizer.video != kNoToken;
  const int text_vocab = tokenizer.vocab - (has_video_tokens ? 3 : 0);
  if (preset == "llama_tiny" || preset == "eventgpt_tiny" || preset == "video_llava_tiny") {
    s.kind = preset.substr(0, preset.size() - 5);
    s.hidden = 32;
    s.intermediate = 64;
    s.layers = 2;
    s.heads = 4;
    s.kv_heads = s.kind == "llama" ? 2 : 4;  // the text-only preset also exercises grouped KV heads
    s.vision = s.kind == "eventgpt" ? TinyVision(336, 48) : TinyVision(224, 32);
    s.vocab = tokenizer.vocab > 0 ? text_vocab : 32000;
  } else if (preset == "video_llava_world" || preset == "eventgpt_world") {
    // The driving world's pair (docs/training.md): one width, so the
    // research adapters map one model's states into the other's; the target
    // deeper and with 8 frames of 3 x 3 patches, so its prefill costs several
    // of the drafter's; 48-pixel images; the LM head tied to the embeddings
    // (the vocabulary tables are most of the bytes: both models stay under
    // 16 MB in bf16). Sized to train on two CPU cores.
    s.kind = preset.substr(0, preset.size() - 6);
    s.hidden = 96;
    s.intermediate = 256;
    s.layers = s.kind == "video_llava" ? 4 : 2;
    s.tied = true;
    s.heads = 4;
    s.kv_heads = 4;
    s.max_positions = 512;
    s.vision = TinyVision(48, 16);
    s.vision.hidden_size = 48;
    s.vision.intermediate_size = 96;
    s.vocab = tokenizer.vocab > 0 ? text_vocab : 32000;
  } else if (preset == "video_llava_7b" || preset == "eventgpt_7b") {
    s.kind = preset.substr(0, preset.size() - 3);
    s.tiny = false;
    s.vision = s.kind == "eventgpt" ? ClipVitL14_336() : ClipVitL14_224();
    s.vocab = 32000;
    if (tokenizer.vocab > 0 && text_vocab != 32000) {
      return absl::InvalidArgumentError(absl::StrCat("preset ", preset, ": the tokenizer has ", text_vocab,
                                                     " text tokens; the 7B shapes need LLaMA's 32000"));
    }
  } else {
    return absl::NotFoundError(absl::StrCat("unknown checkpoint preset '", preset, "' (known: ",
                                            absl::StrJoin(kPresets, ", "), ")"));
  }
  if (s.kind == "video_llava") {
    // <image>, <video>, <pad> follow the text vocabulary (32000, 32001, 32002
    // for LLaMA's) unless the tokenizer says otherwise; the table is padded to
    // a multiple of 64 (32064).
    s.image_token = has_video_tokens ? tokenizer.image : s.vocab;
    s.video_token = has_video_tokens ? tokenizer.video : s.vocab + 1;
    s.pad_token = has_video_tokens && tokenizer.pad != kNoToken ? tokenizer.pad : s.vocab + 2;
    const int largest = std::max({s.vocab + 2, s.image_token, s.video_token, s.pad_token});
    s.vocab = RoundUp(largest + 1, 64);
  }
  return s;
}

std::vector<PlannedTensor> PlanTensors(const CheckpointShape& s, bool hub) {
  std::vector<PlannedTensor> out;
  const bool video_llava = s.kind == "video_llava";
  const std::string decoder = video_llava ? "language_model.model." : "model.";
  const std::string head = video_llava ? "language_model.lm_head.weight" : "lm_head.weight";
  out.push_back({decoder + "embed_tokens.weight", {s.vocab, s.hidden}});
  if (video_llava) {
    const std::string inner = hub ? "vision_model." : "";
    AddClipTower("video_tower." + inner, s.vision, &out);
    AddClipTower("image_tower." + inner, s.vision, &out);
    AddLinear("multi_modal_projector.linear_1", s.hidden, s.vision.hidden_size, &out);
    AddLinear("multi_modal_projector.linear_2", s.hidden, s.hidden, &out);
  } else if (s.kind == "eventgpt") {
    AddClipTower("model.visual_tower.visual_tower.vision_model.", s.vision, &out);
    AddLinear("model.visual_projector.0", s.hidden, s.vision.hidden_size, &out);
    AddLinear("model.visual_projector.2", s.hidden, s.hidden, &out);
    AddLinear("model.feature_adaptor", s.hidden, s.hidden, &out);
  }
  AddLlamaLayers(decoder, s, &out);
  out.push_back({decoder + "norm.weight", {s.hidden}, Init::kOnes});
  if (!s.tied) out.push_back({head, {s.vocab, s.hidden}});
  return out;
}

nlohmann::json PlanConfig(const CheckpointShape& s, bool hub, const std::string& dtype_name) {
  const char* dtype_key = hub ? "torch_dtype" : "dtype";
  if (s.kind == "video_llava") {
    const int patches = s.vision.num_patches();
    nlohmann::json j = {{"architectures", {"VideoLlavaForConditionalGeneration"}},
                        {"model_type", "video_llava"},
                        {"text_config", TextConfig(s, hub)},
                        {"vision_config", VisionConfig(s.vision)},
                        {"pad_token_id", s.pad_token},
                        {"projector_hidden_act", "gelu"},
                        {"vision_feature_layer", -2},
                        {"vision_feature_select_strategy", "default"},
                        {"image_seq_length", patches},
                        {"video_seq_length", 8 * (patches + 1)},
                        {dtype_key, dtype_name}};
    j[hub ? "image_token_index" : "image_token_id"] = s.image_token;
    j[hub ? "video_token_index" : "video_token_id"] = s.video_token;
    j["text_config"]["pad_token_id"] = s.pad_token;
    return j;
  }
  nlohmann::json j = TextConfig(s, hub);
  j[dtype_key] = dtype_name;
  if (s.kind == "eventgpt") {
    j["architectures"] = {"EventChatModel"};
    j["model_type"] = "EventChat_llama";
    j["mm_visual_tower"] = "openai/clip-vit-large-patch14-336";
    j["event_feature_adaptor"] = true;
    j["vision_config"] = VisionConfig(s.vision);  // libxsd's explicit statement of the tower's shape
  } else {
    j["architectures"] = {"LlamaForCausalLM"};
  }
  return j;
}

}  // namespace vision_internal

std::vector<std::string> RandomCheckpointPresets() {
  return std::vector<std::string>(std::begin(vision_internal::kPresets), std::end(vision_internal::kPresets));
}

}  // namespace xsd
