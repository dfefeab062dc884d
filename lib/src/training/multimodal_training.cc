#include "xsd/training/multimodal_training.h"

#include <algorithm>
#include <map>

#include <ATen/ATen.h>

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

  // Summed cross-entropy of an example's answers, and their argmax hits.
  struct ExampleLoss {
    at::Tensor loss;
    int64_t tokens = 0;
    int64_t hits = 0;
  };
  absl::StatusOr<ExampleLoss> Run(const Built& b, const MultimodalExample& e, bool count_hits) const {
    XSD_ASSIGN_OR_RETURN(const Ids* x, IdsOf(e));
    const LlamaModel& llm = b.llm();
    at::Tensor prefix;
    if (video_llava) {
      XSD_ASSIGN_OR_RETURN(prefix, b.video->PromptEmbeddings(x->prefix, e.pixels));
    } else {
      XSD_ASSIGN_OR_RETURN(prefix, b.event->PromptEmbeddings(x->before, x->after, e.pixels));
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
  const c10::Device device = train->front().pixels.device();
  XSD_ASSIGN_OR_RETURN(impl->params, TrainableParameters::FromTensors(tensors, device));
  std::unique_ptr<MultimodalTrainingTask> task(new MultimodalTrainingTask(std::move(impl)));
  task->train_ = train;
  return task;
}

absl::StatusOr<at::Tensor> MultimodalTrainingTask::Loss(absl::Span<const int64_t> batch) {
  XSD_ASSIGN_OR_RETURN(const Impl::Built built, impl_->Build());
  at::Tensor sum;
  int64_t tokens = 0;
  for (int64_t i : batch) {
    XSD_ASSIGN_OR_RETURN(Impl::ExampleLoss l, impl_->Run(built, (*train_)[i], /*count_hits=*/false));
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
  double loss = 0;
  int64_t tokens = 0, hits = 0;
  for (const MultimodalExample& e : *impl_->validation) {
    XSD_ASSIGN_OR_RETURN(Impl::ExampleLoss l, impl_->Run(built, e, /*count_hits=*/true));
    loss += l.loss.item<double>();
    tokens += l.tokens;
    hits += l.hits;
  }
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
  if (impl_->video_llava) {
    XSD_ASSIGN_OR_RETURN(prefix, built.video->PromptEmbeddings(x->prefix, e.pixels));
  } else {
    XSD_ASSIGN_OR_RETURN(prefix, built.event->PromptEmbeddings(x->before, x->after, e.pixels));
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
  for (auto& [name, t] : impl_->params.Snapshot()) out.values[name] = t;
  return WriteRandomCheckpoint(out);
}

}  // namespace xsd
