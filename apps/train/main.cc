// xsd_train: libxsd's training (the research's stages 2 and 3, and the
// small driving world's models). docs/training.md has the commands.
//
//   xsd_train world   --world DIR --out DIR [...]   the world's target and drafter
//   xsd_train extract --config X.pbtxt --dataset DIR --out DIR [...]   paired hidden states
//   xsd_train adapter --features DIR --target CKPT --kind L4 --out L4.safetensors [...]
//   xsd_train eagle   --features DIR --target CKPT --out EAGLE_DIR [...]
#include <cstdio>
#include <string>

#include "commands.h"

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  absl::Status status;
  if (command == "world") {
    status = xsd::train::WorldCommand(argc, argv, 2);
  } else if (command == "extract") {
    status = xsd::train::ExtractCommand(argc, argv, 2);
  } else if (command == "adapter") {
    status = xsd::train::AdapterCommand(argc, argv, 2);
  } else if (command == "eagle") {
    status = xsd::train::EagleCommand(argc, argv, 2);
  } else {
    std::fprintf(stderr, "usage: xsd_train world|extract|adapter|eagle [flags]   (docs/training.md)\n");
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "xsd_train %s: %s\n", command.c_str(), status.ToString().c_str());
    return 1;
  }
  return 0;
}
