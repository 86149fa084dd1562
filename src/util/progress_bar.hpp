#pragma once
// A one-line progress bar on stderr, for waits on a terminal that last over a second.
#include <chrono>
#include <cstddef>

namespace lithops::detail {

class ProgressBar {
 public:
  /// `start`: when the wait began (the bar shows time since then).
  ProgressBar(std::size_t total, std::chrono::steady_clock::time_point start);
  void update(std::size_t done);
  void finish(std::size_t done);

 private:
  void draw(std::size_t done);
  std::size_t total_;
  std::size_t last_drawn_ = static_cast<std::size_t>(-1);
  std::chrono::steady_clock::time_point start_;
};

}  // namespace lithops::detail
