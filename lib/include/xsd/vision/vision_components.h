// Registration of the multimodal components in the component registry:
//   verifier "video_llava" (VideoLlavaOptions): VideoLlavaVerifier
//   drafter  "eventgpt"    (EventGptOptions):   EventGptDrafter; its
//            DrafterConfig.adapter, when set to a kind other than "identity",
//            is created through the registry and drafts through the target's
//            LM head (DraftHead).
// Both load a Hugging Face checkpoint directory (checkpoint.path) holding
// config.json, safetensors and the tokenizer files, in the pipeline's dtype
// on the component's device. Called once from RegisterBuiltinComponents.
#pragma once

namespace xsd {

class Registry;

void RegisterVisionComponents(Registry& registry);

}  // namespace xsd
