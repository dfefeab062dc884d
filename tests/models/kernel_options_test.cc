// KernelOptions (xsd/models/kernel_options.h): the typed options that
// replaced the environment switches; their text form (bench flags, run
// headers) parses back to the same options, and bad text names the pair.
#include "xsd/models/kernel_options.h"

#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("KernelOptions: defaults are the measured product, printed field by field", "[models][options]") {
  const KernelOptions defaults;
  CHECK(defaults.numerics == Numerics::kRowInvariant);  // exact by default
  CHECK(defaults.row_invariant());
  CHECK(defaults.gemv);
  CHECK(defaults.prefill_bucket);
  CHECK(defaults.attention_path == AttentionPath::kAuto);
  CHECK(KernelOptionsString(defaults) ==
        "numerics=row_invariant gemv=1 silu_gemv=1 silu_kernel=1 rope_kernel=1 qkv_rope=1 prefill_bucket=1 "
        "attention_path=auto");
}

TEST_CASE("KernelOptions: the text form parses back to the same options", "[models][options]") {
  auto parsed = ParseKernelOptions("numerics=row_invariant,gemv=0 attention_path=math,prefill_bucket=false");
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  CHECK(parsed->row_invariant());
  CHECK_FALSE(parsed->gemv);
  CHECK_FALSE(parsed->prefill_bucket);
  CHECK(parsed->silu_gemv);  // untouched fields keep the base's values
  CHECK(parsed->attention_path == AttentionPath::kMath);
  auto again = ParseKernelOptions(KernelOptionsString(*parsed));
  REQUIRE(again.ok());
  CHECK(*again == *parsed);
  CHECK(*again != KernelOptions());
  KernelOptions base;
  base.qkv_rope = false;
  auto on_base = ParseKernelOptions("", base);
  REQUIRE(on_base.ok());
  CHECK(*on_base == base);
}

TEST_CASE("KernelOptions: bad text is an error that names the pair", "[models][options]") {
  const auto message = [](absl::string_view text) { return std::string(ParseKernelOptions(text).status().message()); };
  CHECK(message("gemv").find("'gemv' is not name=value") != std::string::npos);
  CHECK(message("warp_speed=1").find("unknown option 'warp_speed'") != std::string::npos);
  CHECK(message("gemv=maybe").find("gemv: 'maybe' is not a boolean") != std::string::npos);
  CHECK(message("numerics=exactish").find("'exactish' is not one of fast, row_invariant") != std::string::npos);
  CHECK(message("attention_path=flash").find("'flash' is not one of auto, kernel, sdpa, math") != std::string::npos);
  CHECK(ParseNumerics(NumericsName(Numerics::kRowInvariant)).value() == Numerics::kRowInvariant);
  for (AttentionPath p : {AttentionPath::kAuto, AttentionPath::kKernel, AttentionPath::kSdpa, AttentionPath::kMath}) {
    CHECK(ParseAttentionPath(AttentionPathName(p)).value() == p);
  }
}

}  // namespace
}  // namespace xsd
