// xsd_train's subcommands; argv[first..) are the subcommand's flags.
#pragma once

#include "absl/status/status.h"

namespace xsd::train {

absl::Status WorldCommand(int argc, char** argv, int first);
absl::Status ExtractCommand(int argc, char** argv, int first);
absl::Status AdapterCommand(int argc, char** argv, int first);
absl::Status EagleCommand(int argc, char** argv, int first);

}  // namespace xsd::train
