#include "xsd/training/multimodal_training.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "base/torch_status.h"
#include "xsd/base/status.h"
#include "xsd/io/safetensors.h"
#include "xsd/kv/kv_cache.h"
#include "xsd/models/llama_loading.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/training/parameters.h"
#include "xsd/vision/eventgpt_model.h"
#include "xsd/vision/multimodal_inputs.h"
#include "xsd/vision/random_checkpoint.h"
#include "xsd/vision/video_llava_model.h"

namespace xsd {

namespace {

// The starting point of training from scratch. The random checkpoint draws
// every matrix and bias from normal(0, 0.02) (the checkpoints' convention,
// right for timing and loading); stacked that way, the vision tower, the
// projector and EventGPT's feature adaptor shrink the image's signal ~5x per
// layer under their random biases, so the visual tokens of different images
// differed by ~1 % and the language model learned to ignore them (measured:
// held-out class words 17 % right, the prior). Here every bias starts at 0
// and every matrix (conv kernels included) at normal(0, 1 / sqrt(fan_in)),
// which keeps a layer's output scale; norms, embedding tables and position
// tables keep theirs.
void ScaleForTraining(uint64_t seed, std::map<std::string, at::Tensor>* tensors) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed ^ 0x5eed1417ull);
  for (auto& [name, t] : *tensors) {
    const bool table = name.find("embed") != std::string::npos || name.find("position") != std::string::npos;
    const bool norm = name.find("norm") != std::string::npos || name.find("layrnorm") != std::string::npos;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
      t = at::zeros_like(t);
    } else if (t.dim() >= 2 && !table && !norm) {
      const double fan_in = static_cast<double>(t.numel() / t.size(0));
      t = at::randn(t.sizes(), gen, t.options()) / std::sqrt(fan_in);
    }
  }
}

}  // namespace

struct MultimodalTrainingTask::Impl {
  MultimodalTrainingOptions options;
  bool video_llava = true;
  std::unique_ptr<Tokenizer> tokenizer;
  VideoLlavaConfig video_config;
  EventGptConfig event_config;
  TrainableParameters params;
  const std::vector<MultimodalExample>* validation = nullptr;
  TokenId eos = 2;

  // The model as the runtime builds it, from the current leaves.
  struct Built {
    std::unique_ptr<MapWeightSource> source;
    std::unique_ptr<VideoLlavaModel> video;
    std::unique_ptr<EventGptModel> event;
    const LlamaModel& llm() const { return video ? video->llm() : event->llm(); }
  };
  absl::StatusOr<Built> Build() const {
    Built b;
    b.source = params.AsSource(options.compute_dtype, "<trainable " + options.preset + ">", LlamaLayoutAliases());
    for (const auto& [name, unused] : params.tensors()) {
      if (name.rfind("probe.", 0) == 0) b.source->Erase(name);  // not the model's
    }
    MultimodalModelOptions model_options;
    model_options.vision_cuda_graphs = false;
    if (video_llava) {
      XSD_ASSIGN_OR_RETURN(b.video, VideoLlavaModel::FromWeights(video_config, b.source.get(), model_options));
    } else {
      XSD_ASSIGN_OR_RETURN(b.event, EventGptModel::FromWeights(event_config, b.source.get(), b.source.get(),
                                                               /*feature_adaptor_twice=*/false, model_options));
    }
    return b;
  }

  // An example's token ids, computed once: the shared prompt prefix (for
  // EventGPT: the text before <event>, and the shared text after it), then
  // per question the rest of its prompt and its answer (+ EOS).
  struct Ids {
    std::vector<TokenId> prefix, before, after;
    struct Branch {
      std::vector<TokenId> tail, answer;
    };
    std::vector<Branch> branches;
  };
  mutable std::map<const MultimodalExample*, Ids> ids;

  absl::StatusOr<const Ids*> IdsOf(const MultimodalExample& e) const {
    auto it = ids.find(&e);
    if (it != ids.end()) return &it->second;
    if (e.qa.empty()) return absl::InvalidArgumentError(absl::StrCat("example '", e.id, "': no questions"));
    std::vector<std::vector<TokenId>> prompts;  // Video-LLaVA: whole prompts; EventGPT: the part after <event>
    Ids x;
    for (const MultimodalExample::Qa& qa : e.qa) {
      if (video_llava) {
        XSD_ASSIGN_OR_RETURN(std::vector<TokenId> p, VideoLlavaPromptIds(*tokenizer, qa.question, video_config.video_token));
        prompts.push_back(std::move(p));
      } else {
        XSD_ASSIGN_OR_RETURN(SplitPromptIds split, EventGptPromptIds(*tokenizer, qa.question));
        if (!x.before.empty() && split.before != x.before) {
          return absl::InternalError(absl::StrCat("example '", e.id, "': the text before <event> differs between questions"));
        }
        x.before = std::move(split.before);
        prompts.push_back(std::move(split.after));
      }
    }
    size_t common = prompts[0].size();
    for (const auto& p : prompts) {
      size_t c = 0;
      while (c < common && c < p.size() && p[c] == prompts[0][c]) ++c;
      common = c;
    }
    for (size_t q = 0; q < prompts.size(); ++q) {
      Ids::Branch b;
      b.tail.assign(prompts[q].begin() + static_cast<int64_t>(common), prompts[q].end());
      if (b.tail.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("example '", e.id, "': question ", q,
                                                       " adds no token to the shared prompt"));
      }
      XSD_ASSIGN_OR_RETURN(b.answer, tokenizer->Encode(e.qa[q].answer, /*add_bos=*/false));
      b.answer.push_back(eos);
      x.branches.push_back(std::move(b));
    }
    std::vector<TokenId> shared(prompts[0].begin(), prompts[0].begin() + static_cast<int64_t>(common));
    (video_llava ? x.prefix : x.after) = std::move(shared);
    return &ids.emplace(&e, std::move(x)).first->second;
  }

  static absl::StatusOr<at::Tensor> PixelsOf(const MultimodalExample& e) {
    if (e.pixels.defined()) return e.pixels;
    if (!e.render) return absl::InvalidArgumentError(absl::StrCat("example '", e.id, "': no pixels"));
    return e.render();
  }

  // The visual tokens the language model would read.
  absl::StatusOr<at::Tensor> Visual(const Built& b, const MultimodalExample& e) const {
    XSD_ASSIGN_OR_RETURN(const at::Tensor pixels, PixelsOf(e));
    return video_llava ? b.video->visual().Encode(pixels) : b.event->visual().Encode(pixels);
  }

  // The visual probe's mean cross-entropy over the labelled (slot,
  // attribute) pairs of `e`; undefined when it has none.
  struct ProbeOut {
    at::Tensor loss;  // undefined: nothing labelled
    int64_t hits = 0, labelled = 0;
  };
  absl::StatusOr<ProbeOut> ProbeLoss(const MultimodalExample& e, const at::Tensor& visual, bool count_hits) const {
    const VisualProbeOptions& o = options.probe;
    if (e.probe_labels.empty()) return ProbeOut();
    if (static_cast<int>(e.probe_labels.size()) != o.slots) {
      return absl::InvalidArgumentError(absl::StrCat("example '", e.id, "': ", e.probe_labels.size(),
                                                     " probe slots, the probe has ", o.slots));
    }
    return TorchCall("visual probe", [&]() -> absl::StatusOr<ProbeOut> {
      ProbeOut out;
      const auto& t = params.tensors();
      const at::Tensor v = visual.to(at::kFloat);                       // [V, d]
      const at::Tensor keys = at::linear(v, t.at("probe.key"));         // [V, d]
      const double scale = 1.0 / std::sqrt(static_cast<double>(v.size(1)));
      const at::Tensor weights = at::softmax(at::matmul(t.at("probe.queries"), keys.t()) * scale, -1);  // [S, V]
      const at::Tensor pooled = at::matmul(weights, at::linear(v, t.at("probe.value")));             // [S, d]
      at::Tensor sum;
      int64_t n = 0;
      for (size_t a = 0; a < o.attribute_classes.size(); ++a) {
        std::vector<int64_t> rows, labels;
        for (int slot = 0; slot < o.slots; ++slot) {
          const std::vector<int>& l = e.probe_labels[static_cast<size_t>(slot)];
          if (a < l.size() && l[a] >= 0) {
            if (l[a] >= o.attribute_classes[a]) {
              return absl::InvalidArgumentError(absl::StrCat("example '", e.id, "': probe label ", l[a],
                                                             " of attribute ", a, " >= its ",
                                                             o.attribute_classes[a], " classes"));
            }
            rows.push_back(slot);
            labels.push_back(l[a]);
          }
        }
        if (rows.empty()) continue;
        const at::Tensor logits =
            at::linear(pooled.index_select(0, at::tensor(rows, at::kLong).to(v.device())),
                       t.at(absl::StrCat("probe.head.", a)));
        const at::Tensor target = at::tensor(labels, at::kLong).to(v.device());
        const at::Tensor ce = at::cross_entropy_loss(logits, target, {}, at::Reduction::Sum);
        sum = sum.defined() ? sum + ce : ce;
        n += static_cast<int64_t>(rows.size());
        if (count_hits) out.hits += (logits.argmax(-1) == target).sum().item<int64_t>();
      }
      out.labelled = n;
      if (sum.defined()) out.loss = sum / static_cast<double>(n);
      return out;
    });
  }

  // Summed cross-entropy of an example's answers, and their argmax hits.
  struct ExampleLoss {
    at::Tensor loss;
    int64_t tokens = 0;
    int64_t hits = 0;
    at::Tensor probe_loss;  // the visual probe's mean cross-entropy; undefined without
    int64_t probe_hits = 0, probe_labelled = 0;
  };
  absl::StatusOr<ExampleLoss> Run(const Built& b, const MultimodalExample& e, bool count_hits) const {
    XSD_ASSIGN_OR_RETURN(const Ids* x, IdsOf(e));
    const LlamaModel& llm = b.llm();
    at::Tensor prefix;
    XSD_ASSIGN_OR_RETURN(const at::Tensor visual, Visual(b, e));
    if (video_llava) {
      XSD_ASSIGN_OR_RETURN(prefix, b.video->SpliceVisual(x->prefix, visual));
    } else {
      XSD_ASSIGN_OR_RETURN(prefix, b.event->SpliceVisual(x->before, x->after, visual));
    }
    ProbeOut probe;
    if (options.probe.slots > 0) {
      XSD_ASSIGN_OR_RETURN(probe, ProbeLoss(e, visual, count_hits));
    }
    // One forward for the whole example: the shared prefix, then every
    // question's branch (its prompt tail and its answer but the last token)
    // at the positions it would have after the prefix; a branch row sees the
    // prefix and its own branch's earlier rows (the runtime's tree mask).
    const int p = static_cast<int>(prefix.size(0));
    std::vector<TokenId> fed;
    std::vector<int64_t> positions, answer_rows, answer_ids;
    std::vector<int> branch_start;
    for (int i = 0; i < p; ++i) positions.push_back(i);
    for (const Ids::Branch& br : x->branches) {
      branch_start.push_back(p + static_cast<int>(fed.size()));
      std::vector<TokenId> b = br.tail;
      b.insert(b.end(), br.answer.begin(), br.answer.end() - 1);
      const int rows = static_cast<int>(b.size()), n = static_cast<int>(br.answer.size());
      if (p + rows > llm.max_positions()) {
        return absl::InvalidArgumentError(absl::StrCat("example '", e.id, "': ", p + rows,
                                                       " positions exceed the model's ", llm.max_positions()));
      }
      for (int i = 0; i < rows; ++i) {
        positions.push_back(p + i);
        if (i >= rows - n) answer_rows.push_back(p + static_cast<int64_t>(fed.size()) + i);
      }
      answer_ids.insert(answer_ids.end(), br.answer.begin(), br.answer.end());
      fed.insert(fed.end(), b.begin(), b.end());
    }
    const int total_rows = p + static_cast<int>(fed.size());
    branch_start.push_back(total_rows);
    std::vector<uint8_t> visible(static_cast<size_t>(total_rows) * total_rows, 0);
    for (int i = 0; i < total_rows; ++i) {
      const auto b = std::upper_bound(branch_start.begin(), branch_start.end(), i);
      const int own = (i < p || b == branch_start.begin()) ? 0 : *(b - 1);
      for (int j = 0; j <= i; ++j) {
        if (j < p || j >= own) visible[static_cast<size_t>(i) * total_rows + j] = 1;
      }
    }
    XSD_ASSIGN_OR_RETURN(std::unique_ptr<KvCache> cache, KvCache::Create(llm.CacheSpec(total_rows)));
    XSD_ASSIGN_OR_RETURN(const at::Tensor tokens, TokensTensor(fed, llm.device()));
    XSD_ASSIGN_OR_RETURN(const at::Tensor branch_embeds, llm.Embed(tokens));
    LlamaInput input;
    XSD_RETURN_IF_ERROR(TorchCall("example inputs", [&]() -> absl::Status {
      const auto on = [&](c10::ScalarType t) { return at::TensorOptions().dtype(t).device(llm.device()); };
      input.embeds = at::cat({prefix, branch_embeds.to(prefix.scalar_type())}, 0);
      input.positions = at::tensor(positions, at::TensorOptions().dtype(at::kLong)).to(llm.device());
      input.tree_mask = at::from_blob(visible.data(), {total_rows, total_rows}, at::TensorOptions().dtype(at::kByte))
                            .to(on(at::kBool));
      return absl::OkStatus();
    }));
    input.logits = LogitsRows::kNone;  // only the answers' rows go through the LM head
    XSD_ASSIGN_OR_RETURN(LlamaOutput out, llm.Forward(input, cache.get()));
    ExampleLoss total;
    at::Tensor logits;
    XSD_RETURN_IF_ERROR(TorchCall("answer rows", [&]() -> absl::Status {
      const at::Tensor rows = at::tensor(answer_rows, at::TensorOptions().dtype(at::kLong)).to(llm.device());
      XSD_ASSIGN_OR_RETURN(logits, llm.LmHead(out.hidden.index_select(0, rows)));
      return absl::OkStatus();
    }));
    XSD_RETURN_IF_ERROR(TorchCall("answer loss", [&]() -> absl::Status {
      const at::Tensor l = logits.to(at::kFloat);
      const at::Tensor target = at::tensor(answer_ids, at::TensorOptions().dtype(at::kLong)).to(l.device());
      total.loss = at::cross_entropy_loss(l, target, {}, at::Reduction::Sum);
      total.tokens = static_cast<int64_t>(answer_ids.size());
      // The probe's mean cross-entropy, weighted as one answer token each.
      total.probe_loss = probe.loss;
      total.probe_hits = probe.hits;
      total.probe_labelled = probe.labelled;
      if (count_hits) total.hits = (l.argmax(-1) == target).sum().item<int64_t>();
      return absl::OkStatus();
    }));
    return total;
  }
};

MultimodalTrainingTask::MultimodalTrainingTask(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MultimodalTrainingTask::~MultimodalTrainingTask() = default;
TrainableParameters& MultimodalTrainingTask::parameters() { return impl_->params; }

absl::StatusOr<std::unique_ptr<MultimodalTrainingTask>> MultimodalTrainingTask::Create(
    const MultimodalTrainingOptions& o, const std::vector<MultimodalExample>* train,
    const std::vector<MultimodalExample>* validation) {
  const std::string who = absl::StrCat("training ", o.preset);
  if (train == nullptr || train->empty()) return absl::InvalidArgumentError(who + ": no training examples");
  auto impl = std::make_unique<Impl>();
  impl->options = o;
  impl->validation = validation;
  impl->video_llava = o.preset.rfind("video_llava", 0) == 0;
  if (!impl->video_llava && o.preset.rfind("eventgpt", 0) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": a video_llava_* or eventgpt_* preset is needed"));
  }
  RandomCheckpointOptions init;
  init.preset = o.preset;
  init.out_dir = o.init_dir;
  init.seed = o.seed;
  init.tokenizer_dir = o.tokenizer_dir;
  init.dtype = c10::ScalarType::Float;
  XSD_RETURN_IF_ERROR(WriteRandomCheckpoint(init));
  // The random checkpoint fixes the config, the tokenizer and the tensor
  // names; a start_from checkpoint of the same preset gives the values.
  const std::string start = o.start_from.empty() ? o.init_dir : o.start_from;
  XSD_ASSIGN_OR_RETURN(impl->tokenizer, Tokenizer::Load(o.init_dir));
  impl->eos = impl->tokenizer->eos_id();
  if (impl->video_llava) {
    XSD_ASSIGN_OR_RETURN(impl->video_config, LoadVideoLlavaConfig(o.init_dir));
  } else {
    XSD_ASSIGN_OR_RETURN(impl->event_config, LoadEventGptConfig(o.init_dir));
  }
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointReader> reader, CheckpointReader::Open(o.init_dir));
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointReader> values, CheckpointReader::Open(start));
  std::map<std::string, at::Tensor> tensors;
  for (const std::string& name : reader->Names()) {
    if (values->Find(name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": ", start, " has no tensor '", name, "'"));
    }
    XSD_ASSIGN_OR_RETURN(tensors[name], values->Get(name));
    if (tensors[name].sizes() != at::IntArrayRef(reader->Find(name)->shape)) {
      return absl::InvalidArgumentError(absl::StrCat(who, ": ", start, ": tensor '", name, "' has another shape"));
    }
  }
  if (o.start_from.empty()) {
    XSD_RETURN_IF_ERROR(TorchCall(who, [&]() -> absl::Status {
      ScaleForTraining(o.seed, &tensors);
      return absl::OkStatus();
    }));
  }
  if (o.probe.vision_only && o.probe.slots <= 0) return absl::InvalidArgumentError(who + ": a vision stage needs a probe");
  XSD_ASSIGN_OR_RETURN(const at::Tensor first_pixels, Impl::PixelsOf(train->front()));
  const c10::Device device = first_pixels.device();
  if (o.probe.slots > 0) {
    const int64_t d = impl->video_llava ? impl->video_config.text.hidden_size : impl->event_config.text.hidden_size;
    XSD_RETURN_IF_ERROR(TorchCall(who, [&]() -> absl::Status {
      at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(o.seed ^ 0x9e0be5ull);
      const double s = 1.0 / std::sqrt(static_cast<double>(d));
      tensors["probe.queries"] = at::randn({o.probe.slots, d}, gen) * s;
      tensors["probe.key"] = at::randn({d, d}, gen) * s;
      tensors["probe.value"] = at::randn({d, d}, gen) * s;
      for (size_t a = 0; a < o.probe.attribute_classes.size(); ++a) {
        tensors[absl::StrCat("probe.head.", a)] = at::randn({o.probe.attribute_classes[a], d}, gen) * s;
      }
      return absl::OkStatus();
    }));
  }
  XSD_ASSIGN_OR_RETURN(impl->params, TrainableParameters::FromTensors(tensors, device));
  std::unique_ptr<MultimodalTrainingTask> task(new MultimodalTrainingTask(std::move(impl)));
  task->train_ = train;
  return task;
}

absl::StatusOr<at::Tensor> MultimodalTrainingTask::Loss(absl::Span<const int64_t> batch) {
  XSD_ASSIGN_OR_RETURN(const Impl::Built built, impl_->Build());
  if (impl_->options.probe.vision_only) {
    at::Tensor sum;
    for (int64_t i : batch) {
      XSD_ASSIGN_OR_RETURN(const at::Tensor visual, impl_->Visual(built, (*train_)[i]));
      XSD_ASSIGN_OR_RETURN(const Impl::ProbeOut p, impl_->ProbeLoss((*train_)[i], visual, false));
      if (p.loss.defined()) sum = sum.defined() ? sum + p.loss : p.loss;
    }
    if (!sum.defined()) return absl::InvalidArgumentError("vision stage: a batch without probe labels");
    return TorchCall("batch loss", [&]() -> absl::StatusOr<at::Tensor> {
      return sum / static_cast<double>(batch.size());
    });
  }
  at::Tensor sum;
  int64_t tokens = 0;
  for (int64_t i : batch) {
    XSD_ASSIGN_OR_RETURN(Impl::ExampleLoss l, impl_->Run(built, (*train_)[i], /*count_hits=*/false));
    // The probe weighs as much as `weight` answer tokens of the example each.
    if (l.probe_loss.defined()) l.loss = l.loss + impl_->options.probe.weight * l.probe_loss * l.tokens;
    sum = sum.defined() ? sum + l.loss : l.loss;
    tokens += l.tokens;
  }
  return TorchCall("batch loss", [&]() -> absl::StatusOr<at::Tensor> { return sum / static_cast<double>(tokens); });
}

absl::StatusOr<std::map<std::string, double>> MultimodalTrainingTask::Validate() {
  std::map<std::string, double> m;
  if (impl_->validation == nullptr || impl_->validation->empty()) return m;
  at::NoGradGuard no_grad;
  XSD_ASSIGN_OR_RETURN(const Impl::Built built, impl_->Build());
  if (impl_->options.probe.vision_only) {
    double loss = 0;
    int64_t hits = 0, labelled = 0;
    for (const MultimodalExample& e : *impl_->validation) {
      XSD_ASSIGN_OR_RETURN(const at::Tensor visual, impl_->Visual(built, e));
      XSD_ASSIGN_OR_RETURN(const Impl::ProbeOut p, impl_->ProbeLoss(e, visual, true));
      if (p.loss.defined()) loss += p.loss.item<double>() * static_cast<double>(p.labelled);
      hits += p.hits;
      labelled += p.labelled;
    }
    if (labelled > 0) {
      m["val_probe_loss"] = loss / static_cast<double>(labelled);
      m["val_probe_accuracy"] = static_cast<double>(hits) / static_cast<double>(labelled);
    }
    return m;
  }
  double loss = 0;
  int64_t tokens = 0, hits = 0, probe_hits = 0, probe_labelled = 0;
  for (const MultimodalExample& e : *impl_->validation) {
    XSD_ASSIGN_OR_RETURN(Impl::ExampleLoss l, impl_->Run(built, e, /*count_hits=*/true));
    loss += l.loss.item<double>();
    tokens += l.tokens;
    hits += l.hits;
    probe_hits += l.probe_hits;
    probe_labelled += l.probe_labelled;
  }
  if (probe_labelled > 0) m["val_probe_accuracy"] = static_cast<double>(probe_hits) / probe_labelled;
  m["val_loss"] = loss / static_cast<double>(tokens);
  m["val_token_accuracy"] = static_cast<double>(hits) / static_cast<double>(tokens);
  return m;
}

absl::StatusOr<std::string> MultimodalTrainingTask::Answer(const MultimodalExample& e, int q, int max_tokens) const {
  at::NoGradGuard no_grad;
  XSD_ASSIGN_OR_RETURN(const Impl::Built built, impl_->Build());
  XSD_ASSIGN_OR_RETURN(const Impl::Ids* x, impl_->IdsOf(e));
  if (q < 0 || q >= static_cast<int>(x->branches.size())) {
    return absl::InvalidArgumentError(absl::StrCat("example '", e.id, "': no question ", q));
  }
  const LlamaModel& llm = built.llm();
  at::Tensor prefix;
  XSD_ASSIGN_OR_RETURN(const at::Tensor visual, impl_->Visual(built, e));
  if (impl_->video_llava) {
    XSD_ASSIGN_OR_RETURN(prefix, built.video->SpliceVisual(x->prefix, visual));
  } else {
    XSD_ASSIGN_OR_RETURN(prefix, built.event->SpliceVisual(x->before, x->after, visual));
  }
  const std::vector<TokenId>& tail = x->branches[q].tail;
  const int p = static_cast<int>(prefix.size(0)), prompt = p + static_cast<int>(tail.size());
  const int capacity = std::min(prompt + max_tokens, llm.max_positions());
  XSD_ASSIGN_OR_RETURN(std::unique_ptr<KvCache> cache, KvCache::Create(llm.CacheSpec(capacity)));
  XSD_ASSIGN_OR_RETURN(const at::Tensor tail_tokens, TokensTensor(tail, llm.device()));
  XSD_ASSIGN_OR_RETURN(const at::Tensor tail_embeds, llm.Embed(tail_tokens));
  LlamaInput input;
  input.embeds = at::cat({prefix, tail_embeds.to(prefix.scalar_type())}, 0);
  XSD_ASSIGN_OR_RETURN(input.positions, PositionRange(0, prompt, llm.device()));
  input.logits = LogitsRows::kLast;
  std::vector<TokenId> out;
  int length = 0;
  for (;;) {
    XSD_ASSIGN_OR_RETURN(const LlamaOutput o, llm.Forward(input, cache.get()));
    const int rows = static_cast<int>(input.positions.numel());
    XSD_RETURN_IF_ERROR(cache->Advance(rows));
    length += rows;
    const TokenId next = static_cast<TokenId>(o.logits.reshape({-1, o.logits.size(-1)})[-1].argmax().item<int64_t>());
    if (next == impl_->eos || static_cast<int>(out.size()) == max_tokens || length + 1 > capacity) break;
    out.push_back(next);
    input = LlamaInput();
    XSD_ASSIGN_OR_RETURN(input.tokens, TokensTensor({next}, llm.device()));
    XSD_ASSIGN_OR_RETURN(input.positions, PositionRange(length, 1, llm.device()));
    input.logits = LogitsRows::kLast;
  }
  return impl_->tokenizer->Decode(out, /*skip_special=*/true);
}

nlohmann::json MultimodalTrainingTask::Settings() const {
  const MultimodalTrainingOptions& o = impl_->options;
  return {{"preset", o.preset},
          {"tokenizer_dir", o.tokenizer_dir},
          {"init_seed", o.seed},
          {"compute_dtype", c10::toString(o.compute_dtype)},
          {"probe", {{"slots", o.probe.slots}, {"attribute_classes", o.probe.attribute_classes},
                     {"weight", o.probe.weight}, {"vision_only", o.probe.vision_only}}},
          {"train_examples", train_->size()},
          {"validation_examples", impl_->validation ? impl_->validation->size() : 0}};
}

absl::Status MultimodalTrainingTask::Write(const std::string& dir, c10::ScalarType dtype) const {
  RandomCheckpointOptions out;
  out.preset = impl_->options.preset;
  out.out_dir = dir;
  out.seed = impl_->options.seed;
  out.tokenizer_dir = impl_->options.tokenizer_dir;
  out.dtype = dtype;
  for (auto& [name, t] : impl_->params.Snapshot()) {
    if (name.rfind("probe.", 0) != 0) out.values[name] = t;
  }
  return WriteRandomCheckpoint(out);
}

}  // namespace xsd
