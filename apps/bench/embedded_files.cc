#include "embedded_files.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xsd::bench {

std::vector<EmbeddedFile> EmbeddedGroup(const std::string& group) {
  std::vector<EmbeddedFile> files;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (group == f.group) files.push_back(f);
  }
  std::sort(files.begin(), files.end(),
            [](const EmbeddedFile& a, const EmbeddedFile& b) { return std::string(a.name) < b.name; });
  return files;
}

absl::StatusOr<EmbeddedFile> FindEmbedded(const std::string& group, const std::string& name) {
  std::vector<std::string> names;
  for (const EmbeddedFile& f : EmbeddedGroup(group)) {
    if (name == f.name) return f;
    names.push_back(f.name);
  }
  return absl::NotFoundError(absl::StrCat("no embedded ", group, " file '", name, "'; embedded: ",
                                          absl::StrJoin(names, ", ")));
}

}  // namespace xsd::bench
