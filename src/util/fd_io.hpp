#pragma once
// Blocking whole-buffer I/O on file descriptors, and a frame reader for the worker protocol.
#include <cstddef>
#include <string>
#include <string_view>

namespace lithops::detail {

/// Writes all of `data`; false if the peer is gone.
bool write_all(int fd, std::string_view data) noexcept;

enum class FillResult { data, would_block, closed };

/// Accumulates bytes from a stream socket and splits them into protocol frames.
class FrameBuffer {
 public:
  /// Reads what is available (waiting for some if `block`).
  FillResult fill(int fd, bool block);
  /// Next complete frame body (type byte first), or empty if none is complete yet.
  /// The view stays valid until the next fill().
  std::string_view next();

 private:
  std::string buf_;
  std::size_t pos_ = 0;
};

}  // namespace lithops::detail
