#pragma once
// The "lithops" logger, configured from lithops.log_level. Internal: users see log lines, not
// the logger. spdlog stays inside log.cpp, compiled there from its headers: programs then need
// no libspdlog at run time (see docs/runtime.md, portable runtimes), and the files that log
// compile without spdlog's headers.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

namespace lithops::detail {

enum class LogLevel { debug, info, warn, error, critical, off };

/// Sets the level from a Lithops level name (DEBUG, INFO, WARNING, ERROR, CRITICAL, NONE).
void set_log_level(const std::string& level);
/// Whether lines of `level` are written: checked before a line is formatted.
bool log_enabled(LogLevel level) noexcept;
/// Writes one line (with time and level) to stderr. Thread-safe.
void log_write(LogLevel level, std::string_view message);

template <class... A>
void log_at(LogLevel level, fmt::format_string<A...> f, A&&... a) {
  if (log_enabled(level)) log_write(level, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void log_debug(fmt::format_string<A...> f, A&&... a) {
  log_at(LogLevel::debug, f, std::forward<A>(a)...);
}
template <class... A>
void log_info(fmt::format_string<A...> f, A&&... a) {
  log_at(LogLevel::info, f, std::forward<A>(a)...);
}
template <class... A>
void log_warn(fmt::format_string<A...> f, A&&... a) {
  log_at(LogLevel::warn, f, std::forward<A>(a)...);
}
template <class... A>
void log_error(fmt::format_string<A...> f, A&&... a) {
  log_at(LogLevel::error, f, std::forward<A>(a)...);
}

}  // namespace lithops::detail
