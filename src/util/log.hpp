#pragma once
// The "lithops" logger (spdlog), configured from lithops.log_level. Internal: users see
// log lines, not the logger.
#include <spdlog/spdlog.h>

#include <string>

namespace lithops::detail {

spdlog::logger& logger();
/// Sets the level from a Lithops level name (DEBUG, INFO, WARNING, ERROR, CRITICAL, NONE).
void set_log_level(const std::string& level);

template <class... A>
void log_debug(fmt::format_string<A...> f, A&&... a) {
  logger().debug(f, std::forward<A>(a)...);
}
template <class... A>
void log_info(fmt::format_string<A...> f, A&&... a) {
  logger().info(f, std::forward<A>(a)...);
}
template <class... A>
void log_warn(fmt::format_string<A...> f, A&&... a) {
  logger().warn(f, std::forward<A>(a)...);
}
template <class... A>
void log_error(fmt::format_string<A...> f, A&&... a) {
  logger().error(f, std::forward<A>(a)...);
}

}  // namespace lithops::detail
