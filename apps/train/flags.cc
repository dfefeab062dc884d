#include "flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xsd::train {

absl::StatusOr<Flags> Flags::Parse(int argc, char** argv, int first, const std::map<std::string, std::string>& known) {
  Flags f;
  f.values_ = known;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", arg, "'"));
    arg = arg.substr(2);
    std::string value;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (known.count(arg) != 0 && (known.at(arg) == "false" || known.at(arg) == "true")) {
      value = "true";  // a bare boolean flag
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", arg, " needs a value"));
    }
    if (known.count(arg) == 0) {
      std::set<std::string> names;
      for (const auto& [name, unused] : known) names.insert("--" + name);
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", arg, " (known: ", absl::StrJoin(names, " "), ")"));
    }
    f.values_[arg] = value;
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
