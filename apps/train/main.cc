// xsd_train: libxsd's training (the research's stages 2 and 3, and the
// small driving world's models). docs/training.md has the commands.
//
//   xsd_train world   --out DIR [...]       the world's target and drafter
#include <cstdio>
#include <string>

#include "commands.h"

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  absl::Status status;
  if (command == "world") {
    status = xsd::train::WorldCommand(argc, argv, 2);
  } else {
    std::fprintf(stderr, "usage: xsd_train world [flags]   (docs/training.md)\n");
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "xsd_train %s: %s\n", command.c_str(), status.ToString().c_str());
    return 1;
  }
  return 0;
}
