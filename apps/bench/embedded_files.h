// Files compiled into xsd_bench (apps/bench/CMakeLists.txt embeds them from
// configs/ at build time), so the binary runs from any directory.
//
// Groups: "mock" (configs/mock/*.pbtxt: scripted models with simulated costs),
// "models" (configs/*.pbtxt: the real Video-LLaVA / EventGPT pipelines),
// "world" (configs/world/*.pbtxt: the same on the small driving world's models),
// "questions" (configs/top50_questions.json).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace xsd::bench {

struct EmbeddedFile {
  const char* group;     // "mock", "models", "world", "questions"
  const char* name;      // file name, e.g. "L4+VL.pbtxt"
  const char* contents;  // static storage; never freed
};

// Every embedded file, in a stable order (generated source).
absl::Span<const EmbeddedFile> EmbeddedFiles();

// The files of one group, in name order.
std::vector<EmbeddedFile> EmbeddedGroup(const std::string& group);

// One file; NotFound lists the group's files.
absl::StatusOr<EmbeddedFile> FindEmbedded(const std::string& group, const std::string& name);

}  // namespace xsd::bench
