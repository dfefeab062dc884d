#include "flags.h"

#include "../common/flag_pairs.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xsd::train {

absl::StatusOr<Flags> Flags::Parse(int argc, char** argv, int first, const std::map<std::string, std::string>& known) {
  Flags f;
  f.values_ = known;
  const auto boolean = [&known](const std::string& name) {
    const auto it = known.find(name);
    return it != known.end() && (it->second == "false" || it->second == "true");
  };
  if (const std::string error = apps::ReadFlagPairs(argc, argv, first, &f.values_, boolean); !error.empty()) {
    return absl::InvalidArgumentError(error);
  }
  for (const auto& [name, unused] : f.values_) {
    if (known.count(name) != 0) continue;
    std::set<std::string> names;
    for (const auto& [k, v] : known) names.insert("--" + k);
    return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " (known: ", absl::StrJoin(names, " "), ")"));
  }
  return f;
}

absl::StatusOr<int64_t> Flags::Int(const std::string& name) const {
  int64_t v = 0;
  if (!absl::SimpleAtoi(Str(name), &v)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": '", Str(name), "' is not an integer"));
  }
  return v;
}

absl::StatusOr<double> Flags::Double(const std::string& name) const {
  double v = 0;
  if (!absl::SimpleAtod(Str(name), &v)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": '", Str(name), "' is not a number"));
  }
  return v;
}

absl::StatusOr<bool> Flags::Bool(const std::string& name) const {
  const std::string& v = Str(name);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return absl::InvalidArgumentError(absl::StrCat("--", name, ": '", v, "' is not true or false"));
}

}  // namespace xsd::train
