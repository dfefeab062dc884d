// xsd_train's command-line flags: --name=value or --name value after the
// subcommand; every flag must be known to the subcommand (the error lists
// the known ones), and values parse with a message naming the flag.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace xsd::train {

class Flags {
 public:
  // argv[first..): the subcommand's flags, each of `known` (name -> default).
  static absl::StatusOr<Flags> Parse(int argc, char** argv, int first, const std::map<std::string, std::string>& known);

  const std::string& Str(const std::string& name) const { return values_.at(name); }
  absl::StatusOr<int64_t> Int(const std::string& name) const;
  absl::StatusOr<double> Double(const std::string& name) const;
  absl::StatusOr<bool> Bool(const std::string& name) const;
  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace xsd::train
