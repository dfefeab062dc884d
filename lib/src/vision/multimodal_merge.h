// Splicing visual embeddings into a text prompt's embeddings.
//
// Video-LLaVA's prompt carries one <video> token that is *replaced* by the
// visual embeddings (replace_count = 1); EventGPT's prompt is tokenized in two
// chunks around "<event>" and the embeddings are *inserted* between them
// (replace_count = 0). Either way the result is
//   text[0 : at] ++ visual ++ text[at + replace_count : L].
#pragma once

#include <ATen/core/Tensor.h>

#include "absl/status/statusor.h"

namespace xsd {

// text_embeds [L, d], visual [V, d] (same dtype/device) -> [L - replace_count + V, d].
absl::StatusOr<at::Tensor> SpliceEmbeddings(const at::Tensor& text_embeds, int at, int replace_count,
                                            const at::Tensor& visual);

}  // namespace xsd
