// Output files that are complete or absent, never half written: the bytes go
// to <path>.partial beside the destination, are flushed to disk, and the
// partial file is renamed over <path> (an atomic replacement on POSIX file
// systems). A process killed before the rename leaves the previous <path>
// (or none) and a stale .partial file, which the next write of the same path
// overwrites.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace xsd::bench {

// "<path>.partial".
std::string PartialPath(const std::string& path);

// Errors name the file and the failing step; on error the partial file is
// removed and <path> is left as it was.
absl::Status WriteFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace xsd::bench
