#include "xsd/models/kernel_options.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace xsd {
namespace {

// The boolean seams by name, for printing and parsing in one order.
struct BoolField {
  const char* name;
  bool KernelOptions::*field;
};
constexpr BoolField kBoolFields[] = {
    {"gemv", &KernelOptions::gemv},           {"silu_gemv", &KernelOptions::silu_gemv},
    {"silu_kernel", &KernelOptions::silu_kernel}, {"rope_kernel", &KernelOptions::rope_kernel},
    {"qkv_rope", &KernelOptions::qkv_rope},   {"prefill_bucket", &KernelOptions::prefill_bucket},
};

absl::StatusOr<bool> ParseBool(absl::string_view value) {
  if (value == "1" || value == "true" || value == "on") return true;
  if (value == "0" || value == "false" || value == "off") return false;
  return absl::InvalidArgumentError(absl::StrCat("'", value, "' is not a boolean (0, 1, true, false)"));
}

}  // namespace

bool KernelOptions::operator==(const KernelOptions& other) const {
  for (const BoolField& f : kBoolFields) {
    if (this->*f.field != other.*f.field) return false;
  }
  return numerics == other.numerics && attention_path == other.attention_path;
}

const char* NumericsName(Numerics numerics) {
  return numerics == Numerics::kRowInvariant ? "row_invariant" : "fast";
}

absl::StatusOr<Numerics> ParseNumerics(absl::string_view name) {
  if (name == "fast") return Numerics::kFast;
  if (name == "row_invariant") return Numerics::kRowInvariant;
  return absl::InvalidArgumentError(absl::StrCat("numerics: '", name, "' is not one of fast, row_invariant"));
}

const char* AttentionPathName(AttentionPath path) {
  switch (path) {
    case AttentionPath::kKernel: return "kernel";
    case AttentionPath::kSdpa: return "sdpa";
    case AttentionPath::kMath: return "math";
    case AttentionPath::kAuto: break;
  }
  return "auto";
}

absl::StatusOr<AttentionPath> ParseAttentionPath(absl::string_view name) {
  for (AttentionPath p : {AttentionPath::kAuto, AttentionPath::kKernel, AttentionPath::kSdpa, AttentionPath::kMath}) {
    if (name == AttentionPathName(p)) return p;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("attention_path: '", name, "' is not one of auto, kernel, sdpa, math"));
}

std::string KernelOptionsString(const KernelOptions& options) {
  std::vector<std::string> parts = {absl::StrCat("numerics=", NumericsName(options.numerics))};
  for (const BoolField& f : kBoolFields) parts.push_back(absl::StrCat(f.name, "=", options.*f.field ? 1 : 0));
  parts.push_back(absl::StrCat("attention_path=", AttentionPathName(options.attention_path)));
  return absl::StrJoin(parts, " ");
}

absl::StatusOr<KernelOptions> ParseKernelOptions(absl::string_view text, KernelOptions base) {
  for (absl::string_view pair : absl::StrSplit(text, absl::ByAnyChar(", "), absl::SkipEmpty())) {
    const std::vector<absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("kernel options: '", pair, "' is not name=value"));
    }
    const absl::string_view name = kv[0], value = kv[1];
    absl::Status status;
    bool known = false;
    if (name == "numerics") {
      known = true;
      absl::StatusOr<Numerics> n = ParseNumerics(value);
      if (n.ok()) base.numerics = *n;
      status = n.status();
    } else if (name == "attention_path") {
      known = true;
      absl::StatusOr<AttentionPath> p = ParseAttentionPath(value);
      if (p.ok()) base.attention_path = *p;
      status = p.status();
    }
    for (const BoolField& f : kBoolFields) {
      if (name != f.name) continue;
      known = true;
      absl::StatusOr<bool> b = ParseBool(value);
      if (b.ok()) base.*f.field = *b;
      status = b.status();
    }
    if (!known) {
      std::vector<std::string> names = {"numerics", "attention_path"};
      for (const BoolField& f : kBoolFields) names.push_back(f.name);
      return absl::InvalidArgumentError(absl::StrCat("kernel options: unknown option '", name, "' (known: ",
                                                     absl::StrJoin(names, ", "), ")"));
    }
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("kernel options: ", name, ": ", status.message()));
    }
  }
  return base;
}

}  // namespace xsd
