// The apps' one way to read "--name=value" and "--name value" flags
// (xsd_make_world, xsd_make_checkpoint, xsd_train's subcommands). Header
// only: the apps share no library.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace xsd::apps {

// Reads argv[first..) into `flags` (later flags overwrite earlier ones and
// the defaults already there). `bare(name)`: the flag may stand alone, its
// value then "true" (booleans). Returns the error ("unexpected argument 'x'",
// "--name needs a value"), empty when every argument was a flag.
inline std::string ReadFlagPairs(int argc, char** argv, int first, std::map<std::string, std::string>* flags,
                                 const std::function<bool(const std::string&)>& bare = nullptr) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) return "unexpected argument '" + arg + "'";
    arg = arg.substr(2);
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      (*flags)[arg.substr(0, eq)] = arg.substr(eq + 1);
    } else if (bare && bare(arg)) {
      (*flags)[arg] = "true";
    } else if (i + 1 < argc) {
      (*flags)[arg] = argv[++i];
    } else {
      return "--" + arg + " needs a value";
    }
  }
  return "";
}

}  // namespace xsd::apps
