// Paired hidden states for training adapters and heads (the research's
// stage 2 output), streamed to sharded safetensors with an index:
//
//   <dir>/features.index.json     {"version": 1, "pairing": "free" | "teacher_forced",
//                                  "drafter_hidden_size": d_e, "target_hidden_size": d_v,
//                                  "settings": {...}, "shards": [{"file", "rows", "sequences", "samples"}]}
//   <dir>/features-00000.safetensors   drafter_hidden [N, d_e], target_hidden [N, d_v] (the models'
//                                      dtype), target_token [N] (int64), sequence_rows [S] (int64)
//
// One sequence per sample (request): row j holds the post-final-norm state
// of each model that predicted output token j (row 0: the last prompt
// position) and the target's token j. Shards are written atomically and the
// index after each, so an interrupted extraction keeps every finished shard
// and `resume` skips the samples they hold.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "xsd/core/types.h"

namespace xsd {

struct FeatureRows {
  std::string sample_id;
  at::Tensor drafter_hidden;           // [n, d_e]
  at::Tensor target_hidden;            // [n, d_v]
  std::vector<TokenId> target_tokens;  // [n]
};

struct FeatureSetInfo {
  std::string pairing = "free";  // "free" (both generate freely) or "teacher_forced"
  int drafter_hidden_size = 0;
  int target_hidden_size = 0;
  nlohmann::json settings = nlohmann::json::object();  // how the set was extracted
};

class FeatureShardWriter {
 public:
  // `resume`: keep the shards an earlier run wrote into `dir` (its index must
  // agree with `info`); otherwise `dir` must hold no index yet.
  static absl::StatusOr<std::unique_ptr<FeatureShardWriter>> Create(const std::string& dir, const FeatureSetInfo& info,
                                                                    bool resume, int64_t rows_per_shard = 1 << 16);
  // Samples already written (resume).
  const std::set<std::string>& done() const { return done_; }
  // Buffers one sample (widths checked); writes a shard when the buffer is full.
  absl::Status Add(const FeatureRows& rows);
  // Writes what is buffered; the index then lists every shard.
  absl::Status Finish();

 private:
  FeatureShardWriter() = default;
  absl::Status WriteShard();
  absl::Status WriteIndex() const;

  std::string dir_;
  FeatureSetInfo info_;
  int64_t rows_per_shard_ = 0;
  nlohmann::json shards_ = nlohmann::json::array();
  std::set<std::string> done_;
  std::vector<FeatureRows> buffer_;
  int64_t buffered_rows_ = 0;
};

// Every shard of a feature set, loaded (float32 on `device`).
class FeatureSet {
 public:
  // Errors name the file: a missing or malformed index, an empty set, a
  // missing or corrupt shard, widths or row counts that disagree with the index.
  static absl::StatusOr<std::unique_ptr<FeatureSet>> Open(const std::string& dir, const c10::Device& device);

  const FeatureSetInfo& info() const { return info_; }
  int64_t rows() const { return drafter_hidden_.size(0); }
  int sequences() const { return static_cast<int>(offsets_.size()) - 1; }
  const at::Tensor& drafter_hidden() const { return drafter_hidden_; }  // [N, d_e]
  const at::Tensor& target_hidden() const { return target_hidden_; }    // [N, d_v]
  const at::Tensor& target_tokens() const { return target_tokens_; }    // [N] int64
  // Sequence s is rows [offset(s), offset(s + 1)).
  int64_t offset(int s) const { return offsets_[s]; }
  const std::vector<std::string>& sample_ids() const { return sample_ids_; }

 private:
  FeatureSet() = default;
  FeatureSetInfo info_;
  at::Tensor drafter_hidden_, target_hidden_, target_tokens_;
  std::vector<int64_t> offsets_;
  std::vector<std::string> sample_ids_;
};

}  // namespace xsd
