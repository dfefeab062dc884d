#include "run_header.h"

#include <google/protobuf/text_format.h>

#include "absl/strings/str_cat.h"
#include "xsd/config/kernel_config.h"
#include "xsd/pipeline.pb.h"

namespace xsd::bench {

nlohmann::json MakeRunHeader(const BenchOptions& o, const std::vector<BenchConfig>& configs, const ShardSpec& shard) {
  nlohmann::json settings = {
      {"dataset_dir", o.dataset_dir},
      {"event_image_key", o.event_image_key},
      {"questions_file", o.questions_file.empty() ? "embedded:top50_questions.json" : o.questions_file},
      {"max_samples", o.max_samples},
      {"n_questions", o.n_questions},
      {"builtin_scenes", o.builtin_scenes},
      {"max_new_tokens", o.max_new_tokens},
      {"gamma", o.gamma.has_value() ? nlohmann::json(*o.gamma) : nlohmann::json()},
      {"seed", o.seed.has_value() ? nlohmann::json(*o.seed) : nlohmann::json()},
      {"baseline", o.baseline},
      {"adapter_dir", o.adapter_dir},
      {"checkpoint_dir", o.checkpoint_dir},
      {"random_adapters", o.random_adapters},
      {"numerics", o.numerics},
      {"kernel_options", o.kernel_options},
      {"config_set", !o.config_files.empty()  ? std::string("--config")
                     : !o.config_dir.empty()  ? absl::StrCat("--config_dir=", o.config_dir)
                                              : o.config_set},
      {"world_dir", o.config_set == "world" ? o.world_dir : ""},
      {"threads", o.threads},
  };
  nlohmann::json list = nlohmann::json::array();
  for (const BenchConfig& c : configs) {
    std::string pbtxt;
    google::protobuf::TextFormat::PrintToString(c.config, &pbtxt);
    list.push_back({{"name", c.name},
                    {"source", c.source},
                    {"gamma", c.config.scheduler().name() == "autoregressive" ? 0 : c.config.scheduler().gamma()},
                    {"speculative", c.config.has_drafter()},
                    {"mock", UsesOnlyMockModels(c.config)},
                    {"dtype", config::DType_Name(c.config.dtype())},
                    {"kernel_options", KernelOptionsString(KernelOptionsFromConfig(c.config))},
                    {"seed", c.config.seed()},
                    {"pbtxt", pbtxt}});
  }
  return {{"version", 1},
          {"settings", settings},
          {"warmup", o.warmup},
          {"configs", list},
          {"shard", {{"index", shard.index}, {"count", shard.count}}}};
}

absl::Status CheckSameRun(const nlohmann::json& recorded, const nlohmann::json& current, const std::string& what,
                          bool ignore_shard) {
  for (const char* key : {"version", "settings", "configs", "shard"}) {
    if (ignore_shard && std::string(key) == "shard") continue;
    const nlohmann::json a = recorded.value(key, nlohmann::json());
    const nlohmann::json b = current.value(key, nlohmann::json());
    if (a == b) continue;
    if (a.is_object() && b.is_object()) {
      for (auto it = b.begin(); it != b.end(); ++it) {
        const nlohmann::json old = a.value(it.key(), nlohmann::json());
        if (old != it.value()) {
          return absl::FailedPreconditionError(absl::StrCat(what, ": recorded with ", key, ".", it.key(), "=", old.dump(),
                                                            ", this run has ", it.value().dump()));
        }
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(what, ": recorded with different ", key, " (", a.dump().substr(0, 200),
                                                      ")"));
  }
  return absl::OkStatus();
}

std::vector<ConfigFacts> ConfigFactsOf(const nlohmann::json& header) {
  std::vector<ConfigFacts> facts;
  for (const nlohmann::json& c : header.value("configs", nlohmann::json::array())) {
    facts.push_back({c.value("name", ""), c.value("gamma", 0), c.value("speculative", false)});
  }
  return facts;
}

std::string BaselineOf(const nlohmann::json& header) {
  return header.value("settings", nlohmann::json::object()).value("baseline", "vl_baseline");
}

bool AllMock(const nlohmann::json& header) {
  bool all = true;
  for (const nlohmann::json& c : header.value("configs", nlohmann::json::array())) all = all && c.value("mock", false);
  return all;
}

}  // namespace xsd::bench
