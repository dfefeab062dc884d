// The "llama" verifier and drafter built from a .pbtxt through the one
// registry, as users build them.
#include "xsd/config/pipeline.h"

#include "xsd_catch.h"

namespace xsd {
namespace {

constexpr char kPipeline[] = R"pb(
  name: "llama-sd"
  max_new_tokens: 12
  target {
    name: "llama"
    llama { checkpoint { random_preset: "tiny" } max_seq_len: 128 random_seed: 5 }
  }
  drafter {
    name: "llama"
    llama { checkpoint { random_preset: "tiny" } max_seq_len: 128 random_seed: 5 }
  }
  scheduler { name: "speculative" gamma: 3 }
)pb";

TEST_CASE("A pipeline of the llama verifier and drafter builds from pbtxt and generates", "[models][llama][config]") {
  auto pipeline = Pipeline::FromTextProto(kPipeline, "llama-sd.pbtxt");
  INFO(pipeline.status().ToString());
  REQUIRE(pipeline.ok());
  CHECK((*pipeline)->target().info().name == "llama");
  CHECK((*pipeline)->target().info().max_seq_len == 128);
  Request request;
  request.prompt_tokens = {1, 20, 30, 40};
  auto result = (*pipeline)->Generate(request);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->tokens.size() == 12);
  // The drafter is the target's own weights (shared, same seed): every draft is accepted.
  CHECK(result->stats.drafted >= 8);
  CHECK(result->stats.accepted == result->stats.drafted);
}

TEST_CASE("llama options errors name the field", "[models][llama][config]") {
  auto no_checkpoint = Pipeline::FromTextProto(R"pb(
    target { name: "llama" llama { max_seq_len: 64 } }
    scheduler { name: "autoregressive" })pb", "bad.pbtxt");
  REQUIRE_FALSE(no_checkpoint.ok());
  CHECK(std::string(no_checkpoint.status().message()).find("target.llama.checkpoint") != std::string::npos);
  auto bad_preset = Pipeline::FromTextProto(R"pb(
    target { name: "llama" llama { checkpoint { random_preset: "13b" } } }
    scheduler { name: "autoregressive" })pb", "bad.pbtxt");
  REQUIRE_FALSE(bad_preset.ok());
  CHECK(std::string(bad_preset.status().message()).find("known presets: 7b, tiny") != std::string::npos);
  auto too_long = Pipeline::FromTextProto(R"pb(
    target { name: "llama" llama { checkpoint { random_preset: "tiny" } max_seq_len: 100000 } }
    scheduler { name: "autoregressive" })pb", "bad.pbtxt");
  REQUIRE_FALSE(too_long.ok());
  CHECK(std::string(too_long.status().message()).find("max_seq_len") != std::string::npos);
}

}  // namespace
}  // namespace xsd
