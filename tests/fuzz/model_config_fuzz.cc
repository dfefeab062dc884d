// Fuzzes config.json parsing: each input is a checkpoint's config.json, read
// by the LLaMA, Video-LLaVA and EventGPT loaders and by the CLIP vision
// config parser (on the root object and on its vision_config).
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "io/json_file.h"
#include "xsd/models/llama_config.h"
#include "xsd/vision/clip_vision_config.h"
#include "xsd/vision/eventgpt_config.h"
#include "xsd/vision/video_llava_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using xsd::fuzz::ExpectNamesFile;
  const std::string& dir = xsd::fuzz::Scratch().path();
  const std::string path = dir + "/config.json";
  xsd::fuzz::WriteFile(path, data, size);

  auto llama = xsd::LoadLlamaConfig(path);
  ExpectNamesFile(llama.status(), path);
  if (llama.ok()) xsd::fuzz::Expect(llama->Validate(path).ok(), "a loaded LLaMA config is valid");
  ExpectNamesFile(xsd::LoadVideoLlavaConfig(path).status(), path);
  // EventGPT reads <dir>/config.json (and a vision tower directory it names).
  ExpectNamesFile(xsd::LoadEventGptConfig(dir).status(), path);

  auto json = xsd::ReadJsonFile(path);
  ExpectNamesFile(json.status(), path);
  if (!json.ok()) return 0;
  auto root = xsd::JsonObject::Make(&*json, path);
  ExpectNamesFile(root.status(), path);
  if (!root.ok()) return 0;
  ExpectNamesFile(xsd::ParseClipVisionConfig(*root).status(), path);
  if (auto vision = root->Object("vision_config"); vision.ok()) {
    ExpectNamesFile(xsd::ParseClipVisionConfig(*vision).status(), path);
  }
  return 0;
}
