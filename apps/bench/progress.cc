#include "progress.h"

#include <unistd.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace xsd::bench {

ProgressOptions MakeProgressOptions(bool enabled) {
  ProgressOptions o;
  o.enabled = enabled;
  o.terminal = ::isatty(STDERR_FILENO) == 1;
  return o;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

void Progress::Start(int total, int already) {
  total_ = total;
  already_ = already;
  done_ = already;
  since_line_ = 0;
  start_ = last_line_ = Now();
  drawn_ = false;
  if (!options_.enabled) return;
  if (already > 0) std::fprintf(out_, "resuming: %d of %d samples already done\n", already, total);
}

std::string Progress::Line(const std::string& label) const {
  const double elapsed = MillisBetween(start_, Now()) / 1000.0;
  const int fresh = done_ - already_;
  const double rate = elapsed > 0 ? fresh / elapsed : 0;
  const double eta = rate > 0 ? (total_ - done_) / rate : -1;
  const double frac = total_ > 0 ? static_cast<double>(done_) / total_ : 1.0;
  const int filled = static_cast<int>(std::floor(frac * options_.bar_width));
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(options_.bar_width - filled), '.');
  return absl::StrFormat("%d/%d [%s] %.1f/s elapsed %s ETA %s  %s", done_, total_, bar, rate, FormatDuration(elapsed),
                         FormatDuration(eta), label);
}

void Progress::Step(const std::string& label) {
  ++done_;
  ++since_line_;
  if (!options_.enabled) return;
  if (options_.terminal) {
    // \r + clear-to-end-of-line: redraw in place.
    std::fprintf(out_, "\r\033[K%s", Line(label).c_str());
    std::fflush(out_);
    drawn_ = true;
    return;
  }
  const TimePoint now = Now();
  if (since_line_ >= options_.line_every_n || MillisBetween(last_line_, now) >= options_.line_every_s * 1000 ||
      done_ == total_) {
    std::fprintf(out_, "progress %s\n", Line(label).c_str());
    std::fflush(out_);
    since_line_ = 0;
    last_line_ = now;
  }
}

void Progress::Finish() {
  if (!options_.enabled) return;
  if (drawn_) std::fprintf(out_, "\n");
  std::fprintf(out_, "done: %d samples in %s\n", done_ - already_,
               FormatDuration(MillisBetween(start_, Now()) / 1000.0).c_str());
  std::fflush(out_);
}

}  // namespace xsd::bench
