// The one logging facade of libxsd. spdlog stays behind it (src/base/logging.cc),
// so no public header pulls in spdlog or fmt.
//
//   XSD_LOG(INFO) << "loaded " << n << " tensors";
//
// Thread-safe. The level is set once with SetLogLevel (default INFO, or the
// environment variable XSD_LOG_LEVEL = debug|info|warn|error|off).
#pragma once

#include <sstream>
#include <string>

namespace xsd {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void LogLine(LogLevel level, const std::string& message);

namespace internal {
class LogMessage {
 public:
  explicit LogMessage(LogLevel level) : level_(level) {}
  ~LogMessage() { LogLine(level_, stream_.str()); }
  std::ostringstream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};
}  // namespace internal
}  // namespace xsd

#define XSD_LOG_LEVEL_DEBUG ::xsd::LogLevel::kDebug
#define XSD_LOG_LEVEL_INFO ::xsd::LogLevel::kInfo
#define XSD_LOG_LEVEL_WARNING ::xsd::LogLevel::kWarning
#define XSD_LOG_LEVEL_ERROR ::xsd::LogLevel::kError

#define XSD_LOG(level)                                            \
  if (XSD_LOG_LEVEL_##level < ::xsd::GetLogLevel()) {             \
  } else                                                          \
    ::xsd::internal::LogMessage(XSD_LOG_LEVEL_##level).stream()
