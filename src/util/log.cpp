#include "util/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace lithops::detail {

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

void set_log_level(const std::string& level) {
  using spdlog::level::level_enum;
  level_enum l = level == "DEBUG"     ? level_enum::debug
                 : level == "INFO"    ? level_enum::info
                 : level == "WARNING" ? level_enum::warn
                 : level == "ERROR"   ? level_enum::err
                 : level == "CRITICAL" ? level_enum::critical
                                       : level_enum::off;
  logger().set_level(l);
}

}  // namespace lithops::detail
