#include "xsd/base/logging.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace xsd {
namespace {

LogLevel LevelFromEnv() {
  const char* env = std::getenv("XSD_LOG_LEVEL");
  if (env == nullptr) return LogLevel::kInfo;
  if (std::strcmp(env, "debug") == 0) return LogLevel::kDebug;
  if (std::strcmp(env, "warn") == 0 || std::strcmp(env, "warning") == 0) return LogLevel::kWarning;
  if (std::strcmp(env, "error") == 0) return LogLevel::kError;
  if (std::strcmp(env, "off") == 0) return LogLevel::kOff;
  return LogLevel::kInfo;
}

std::atomic<int>& Level() {
  static std::atomic<int> level{static_cast<int>(LevelFromEnv())};
  return level;
}

spdlog::logger& Logger() {
  // Logs go to stderr so that stdout stays clean for results tables.
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("xsd");
    l->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
    l->set_level(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

}  // namespace

void SetLogLevel(LogLevel level) { Level().store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(Level().load()); }

void LogLine(LogLevel level, const std::string& message) {
  if (static_cast<int>(level) < Level().load()) return;
  switch (level) {
    case LogLevel::kDebug: Logger().debug("{}", message); break;
    case LogLevel::kInfo: Logger().info("{}", message); break;
    case LogLevel::kWarning: Logger().warn("{}", message); break;
    case LogLevel::kError: Logger().error("{}", message); break;
    case LogLevel::kOff: break;
  }
}

}  // namespace xsd
