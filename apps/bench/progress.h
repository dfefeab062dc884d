// Progress of a run on stderr. On a terminal: one bar redrawn in place with
// the rate and the ETA. Otherwise (logs, Slurm): a plain line every
// `line_every_s` seconds or every `line_every_n` samples, whichever is first.
//
// Not thread-safe; the runner calls it from its own thread.
#pragma once

#include <cstdio>
#include <string>

#include "xsd/base/clock.h"

namespace xsd::bench {

struct ProgressOptions {
  bool enabled = true;
  bool terminal = false;       // default: isatty(stderr), see MakeProgressOptions
  double line_every_s = 5.0;
  int line_every_n = 25;
  int bar_width = 30;
};

ProgressOptions MakeProgressOptions(bool enabled);

class Progress {
 public:
  Progress(ProgressOptions options, std::FILE* out = stderr) : options_(options), out_(out) {}

  // `total` units of work, `already` of them done before this process (resume).
  void Start(int total, int already);
  // One unit done; `label` says what ("L4+VL builtin_003/7").
  void Step(const std::string& label);
  // Ends the bar line; prints the totals.
  void Finish();

  // "12/40 [#####.....] 3.1/s ETA 0:07" (exposed for tests).
  std::string Line(const std::string& label) const;

 private:
  ProgressOptions options_;
  std::FILE* out_;  // not owned
  int total_ = 0;
  int done_ = 0;
  int already_ = 0;
  int since_line_ = 0;
  TimePoint start_{};
  TimePoint last_line_{};
  bool drawn_ = false;
};

// "1:02:03" / "2:03".
std::string FormatDuration(double seconds);

}  // namespace xsd::bench
