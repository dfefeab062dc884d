// Monotonic time for phase timings. All libxsd timings are wall-clock
// milliseconds from std::chrono::steady_clock.
#pragma once

#include <chrono>

namespace xsd {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

inline TimePoint Now() { return SteadyClock::now(); }
inline double MillisBetween(TimePoint a, TimePoint b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Accumulates elapsed milliseconds into *sink when it goes out of scope.
class ScopedTimer {
 public:
  explicit ScopedTimer(double* sink) : sink_(sink), start_(Now()) {}
  ~ScopedTimer() { *sink_ += MillisBetween(start_, Now()); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  double* sink_;  // not owned
  TimePoint start_;
};

}  // namespace xsd
