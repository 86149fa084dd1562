#include "util/log.hpp"

// Header-only spdlog (this file links spdlog::spdlog_header_only): the only file that sees it.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace lithops::detail {

namespace {

spdlog::logger& logger() {
  // Never destroyed: threads that outlive main's static destructors (a worker's status writer
  // when a call runs exit(), storage retries) still log. The OS reclaims it.
  static auto* l = [] {
    auto* lg = new spdlog::logger("lithops", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    lg->set_pattern("%Y-%m-%d %H:%M:%S,%e [%^%L%$] %v");
    lg->set_level(spdlog::level::info);
    return lg;
  }();
  return *l;
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  using spdlog::level::level_enum;
  switch (level) {
    case LogLevel::debug: return level_enum::debug;
    case LogLevel::info: return level_enum::info;
    case LogLevel::warn: return level_enum::warn;
    case LogLevel::error: return level_enum::err;
    case LogLevel::critical: return level_enum::critical;
    case LogLevel::off: break;
  }
  return level_enum::off;
}

}  // namespace

void set_log_level(const std::string& level) {
  LogLevel l = level == "DEBUG"      ? LogLevel::debug
               : level == "INFO"     ? LogLevel::info
               : level == "WARNING"  ? LogLevel::warn
               : level == "ERROR"    ? LogLevel::error
               : level == "CRITICAL" ? LogLevel::critical
                                     : LogLevel::off;
  logger().set_level(to_spdlog(l));
}

bool log_enabled(LogLevel level) noexcept { return level != LogLevel::off && logger().should_log(to_spdlog(level)); }

void log_write(LogLevel level, std::string_view message) { logger().log(to_spdlog(level), message); }

}  // namespace lithops::detail
