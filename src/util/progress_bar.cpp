#include "util/progress_bar.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string>

namespace lithops::detail {

namespace {
constexpr int kWidth = 40;
}

ProgressBar::ProgressBar(std::size_t total, std::chrono::steady_clock::time_point start)
    : total_(total), start_(start) {}

void ProgressBar::update(std::size_t done) {
  if (done != last_drawn_) draw(done);
}

void ProgressBar::finish(std::size_t done) {
  draw(done);
  std::fputc('\n', stderr);
}

void ProgressBar::draw(std::size_t done) {
  last_drawn_ = done;
  double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  int filled = static_cast<int>(frac * kWidth);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "\r  %3d%%|%s| %zu/%zu [%.1fs]", static_cast<int>(frac * 100), bar.c_str(), done,
               total_, secs);
  std::fflush(stderr);
}

}  // namespace lithops::detail
