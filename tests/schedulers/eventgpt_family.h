// EventGPT on tiny random checkpoints for the scheduler tests with real
// drafters: the EventGPT drafter (identity head, or an adapter L1-L4 into the
// target's LM head) over a target that reads the same request the EventGPT
// way (question + event image, spliced visual embeddings) with a perturbed
// copy of EventGPT's language model, so drafts agree often but not always.
// The target is a LlamaVerifier with a prompt encoder, as Video-LLaVA's
// verifier is (its Verify / Commit are the LLaMA verifier's).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "real_models.h"
#include "vision/model_test_util.h"
#include "xsd/adapters/adapter_spec.h"
#include "xsd/base/status.h"
#include "xsd/models/llama_prompt.h"
#include "xsd/models/llama_verifier.h"
#include "xsd/tokenizer/tokenizer.h"
#include "xsd/vision/draft_head.h"
#include "xsd/vision/eventgpt_config.h"
#include "xsd/vision/eventgpt_drafter.h"
#include "xsd/vision/eventgpt_model.h"
#include "xsd/vision/multimodal_inputs.h"
#include "xsd/vision/random_checkpoint.h"
#include "xsd_catch.h"

namespace xsd::testing {

// The EventGPT prompt of a request, for a verifier over `model`'s LLM.
class EventGptTargetEncoder final : public LlamaPromptEncoder {
 public:
  EventGptTargetEncoder(std::shared_ptr<const EventGptModel> model, std::shared_ptr<const Tokenizer> tokenizer)
      : model_(std::move(model)), tokenizer_(std::move(tokenizer)) {}
  absl::StatusOr<LlamaPrompt> Encode(const Request& request, const LlamaModel&) override {
    XSD_ASSIGN_OR_RETURN(SplitPromptIds ids, EventGptPromptIds(*tokenizer_, request.question));
    XSD_ASSIGN_OR_RETURN(std::vector<std::string> paths, RequestMedia(request, kEventImagesMedia));
    XSD_ASSIGN_OR_RETURN(at::Tensor pixels, LoadEventPixels(paths, model_->config().vision.image_size));
    XSD_ASSIGN_OR_RETURN(at::Tensor visual, model_->visual().Encode(pixels));
    LlamaPrompt prompt;
    XSD_ASSIGN_OR_RETURN(prompt.embeds, model_->SpliceVisual(ids.before, ids.after, visual));
    return prompt;
  }
  const Tokenizer* tokenizer() const override { return tokenizer_.get(); }

 private:
  std::shared_ptr<const EventGptModel> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
};

inline constexpr double kEventGptCopyBias = 2.0;

struct EventGptFamily {
  std::shared_ptr<const Tokenizer> tokenizer;
  std::shared_ptr<const EventGptModel> drafter;  // a tiny random checkpoint
  std::shared_ptr<const EventGptModel> target;   // the same, its LLM perturbed
  std::vector<std::string> event_images;         // placeholder media (multimodal_inputs.h)
  int visual_rows = 0;                           // visual embeddings of one event image

  // Prompt rows of `request` (its question and one event image).
  int PromptRows(const Request& request) const {
    auto ids = EventGptPromptIds(*tokenizer, request.question);
    REQUIRE(ids.ok());
    return static_cast<int>(ids->before.size() + ids->after.size()) + visual_rows;
  }

  static const EventGptFamily& Get() {
    static const EventGptFamily* family = [] {
      auto* f = new EventGptFamily();
      // init_std 0.2 instead of the preset's 0.02: logits spread by ~1, not
      // ~0.1, so greedy choices are rarely near-ties. Images of 112 pixels in
      // patches of 28 instead of 336 / 48 (4 x 4 patches instead of 7 x 7, a
      // ninth of the pixels): shorter prompts, a cheaper tower.
      RandomCheckpointOptions options;
      options.preset = "eventgpt_tiny";
      options.out_dir = TempPath("eventgpt_scheduler_tests");
      options.seed = 17;
      options.init_std = 0.2;
      options.tokenizer_dir = TestTokenizerDir();
      const absl::Status written = WriteRandomCheckpoint(options);
      INFO(written.ToString());
      REQUIRE(written.ok());
      auto tokenizer = Tokenizer::Load(options.out_dir);
      REQUIRE(tokenizer.ok());
      f->tokenizer = std::move(tokenizer).value();
      auto config = LoadEventGptConfig(options.out_dir);
      REQUIRE(config.ok());
      auto weights = MapOf(options.out_dir);
      config->vision.image_size = 112;
      config->vision.patch_size = 28;
      const std::string embeddings = "model.visual_tower.visual_tower.vision_model.embeddings.";
      REQUIRE(weights->tensors().count(embeddings + "patch_embedding.weight") == 1);
      REQUIRE(weights->tensors().count(embeddings + "position_embedding.weight") == 1);
      const int64_t width = config->vision.hidden_size;
      weights->Set(embeddings + "patch_embedding.weight", Noise({width, 3, 28, 28}, 1698) * 0.2);
      weights->Set(embeddings + "position_embedding.weight", Noise({config->vision.num_positions(), width}, 1699) * 0.2);
      // Copy bias (as real_models.h): output often repeats the last token, so
      // heads near the identity over either model's states (B1, L5F) agree.
      weights->Set("lm_head.weight",
                   weights->tensors().at("lm_head.weight") + kEventGptCopyBias * weights->tensors().at("model.embed_tokens.weight"));
      auto drafter = EventGptModel::FromWeights(*config, weights.get(), weights.get(), false);
      INFO(drafter.status().ToString());
      REQUIRE(drafter.ok());
      f->drafter = std::move(drafter).value();
      uint64_t seed = 1700;
      for (const auto& [name, t] : std::map<std::string, at::Tensor>(weights->tensors())) {
        const bool llm = name.rfind("model.layers.", 0) == 0 || name == "lm_head.weight" || name == "model.norm.weight";
        if (llm) weights->Set(name, t * (1 + 0.05 * Noise(t.sizes(), ++seed)));
      }
      auto target = EventGptModel::FromWeights(*config, weights.get(), weights.get(), false);
      INFO(target.status().ToString());
      REQUIRE(target.ok());
      f->target = std::move(target).value();
      for (int i = 0; i < 6; ++i) {
        f->event_images.push_back(TempPath("event_" + std::to_string(i) + ".png"));
        REQUIRE(WritePlaceholderMedia(f->event_images.back(), 100 + i).ok());
      }
      auto pixels = LoadEventPixels({f->event_images[0]}, config->vision.image_size);
      REQUIRE(pixels.ok());
      auto visual = f->drafter->visual().Encode(*pixels);
      REQUIRE(visual.ok());
      f->visual_rows = static_cast<int>(visual->size(0));
      return f;
    }();
    return *family;
  }
};

inline std::unique_ptr<LlamaVerifier> MakeEventGptTarget(int capacity) {
  const EventGptFamily& f = EventGptFamily::Get();
  LlamaSequenceOptions options;
  options.max_seq_len = capacity;
  options.name = "eventgpt_target";
  auto verifier = LlamaVerifier::CreateWithPromptEncoder(f.target->shared_llm(), options,
                                                         std::make_unique<EventGptTargetEncoder>(f.target, f.tokenizer));
  INFO(verifier.status().ToString());
  REQUIRE(verifier.ok());
  return std::move(verifier).value();
}

// The EventGPT drafter; its drafts go through `adapter` into `target`'s LM
// head (kIdentity: its own tokens).
inline std::unique_ptr<EventGptDrafter> MakeEventGptDrafter(AdapterKind adapter, const Verifier& target, int capacity,
                                                            uint64_t seed) {
  const EventGptFamily& f = EventGptFamily::Get();
  std::unique_ptr<DraftHead> head;
  if (adapter != AdapterKind::kIdentity) {
    const int hidden = f.drafter->llm().config().hidden_size;
    head = MakeAdapterDraftHead(NearIdentityAdapter(adapter, SmallAdapterDims(hidden), 0.1, seed),
                                target.features()->lm_head());
  }
  EventGptDrafterOptions options;
  options.max_seq_len = capacity;
  auto drafter = EventGptDrafter::Create(f.drafter, options, f.tokenizer, std::move(head));
  INFO(drafter.status().ToString());
  REQUIRE(drafter.ok());
  return std::move(drafter).value();
}

// A request EventGPT reads: a question of random words and one event image.
inline Request RandomEventGptRequest(Rng& rng, const std::string& id) {
  static const char* const kWords[] = {"what", "is", "the", "car", "ahead", "doing", "road", "clear", "left",
                                       "right", "person", "crossing", "light", "red", "green", "turn", "stop", "fast"};
  Request request;
  request.id = id;
  const int words = 1 + static_cast<int>(rng.Below(8));
  for (int i = 0; i < words; ++i) request.question += std::string(i ? " " : "") + kWords[rng.Below(18)];
  request.question += "?";
  const EventGptFamily& f = EventGptFamily::Get();
  request.media[kEventImagesMedia] = {f.event_images[rng.Below(f.event_images.size())]};
  return request;
}

}  // namespace xsd::testing
