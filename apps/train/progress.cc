#include "progress.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace xsd::train {

std::string ProgressPrinter::Duration(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
  if (s >= 60) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%ds", s);
}

void ProgressPrinter::Step(const StepProgress& p) {
  if (!started_) {  // a resumed run starts past step 0; its clock at 0
    started_ = true;
    epoch_start_.step = p.step - 1;
    epoch_start_.seconds = 0;
  }
  last_ = p;
  if (quiet_) return;
  constexpr int kWidth = 30;
  const int filled = p.total_steps > 0 ? static_cast<int>(kWidth * p.step / p.total_steps) : 0;
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
  std::fprintf(stderr, "\r%s [%s] step %lld/%lld epoch %d/%d loss %.4f lr %.2e eta %s   ", label_.c_str(), bar.c_str(),
               static_cast<long long>(p.step), static_cast<long long>(p.total_steps), p.epoch, p.epochs, p.loss, p.lr,
               Duration(p.eta_seconds).c_str());
  open_line_ = true;
}

void ProgressPrinter::Epoch(const EpochMetrics& m) {
  if (open_line_) std::fprintf(stderr, "\n");
  open_line_ = false;
  // Training time of this epoch's steps (validation excluded).
  const int64_t steps = last_.step - epoch_start_.step;
  const double ms = steps > 0 ? 1e3 * (last_.seconds - epoch_start_.seconds) / static_cast<double>(steps) : 0;
  epoch_start_ = last_;
  std::string line = absl::StrFormat("%s: epoch %d train_loss %.4f (%d steps, %.1f ms/step)", label_, m.epoch,
                                     m.train_loss, steps, ms);
  for (const auto& [name, value] : m.validation) absl::StrAppendFormat(&line, " %s %.4f", name, value);
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace xsd::train
