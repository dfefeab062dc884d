// xsd_train's progress line on stderr (a bar with the loss, the learning
// rate and the time left, redrawn in place) and its epoch summaries.
#pragma once

#include <string>

#include "xsd/training/train_loop.h"

namespace xsd::train {

class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::string label, bool quiet = false) : label_(std::move(label)), quiet_(quiet) {}
  void Step(const StepProgress& p);
  void Epoch(const EpochMetrics& m);
  // "3m12s"
  static std::string Duration(double seconds);

 private:
  std::string label_;
  bool quiet_;
  bool open_line_ = false;
  bool started_ = false;
  StepProgress last_, epoch_start_;  // the latest step, and the one before this epoch's first
};

}  // namespace xsd::train
