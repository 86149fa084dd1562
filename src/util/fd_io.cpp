#include "util/fd_io.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace lithops::detail {

namespace {
constexpr std::size_t kReadChunk = 256 * 1024;
}

bool write_all(int fd, std::string_view data) noexcept {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // only on non-blocking fds
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

FillResult FrameBuffer::fill(int fd, bool block) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > kReadChunk) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  std::size_t old = buf_.size();
  buf_.resize(old + kReadChunk);
  ssize_t n;
  do {
    n = ::recv(fd, buf_.data() + old, kReadChunk, block ? 0 : MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    buf_.resize(old);
    return FillResult::would_block;
  }
  if (n <= 0) {
    buf_.resize(old);
    return FillResult::closed;
  }
  buf_.resize(old + static_cast<std::size_t>(n));
  return FillResult::data;
}

std::string_view FrameBuffer::next() {
  if (buf_.size() - pos_ < sizeof(std::uint32_t)) return {};
  std::uint32_t len;
  std::memcpy(&len, buf_.data() + pos_, sizeof(len));
  if (buf_.size() - pos_ - sizeof(len) < len) return {};
  std::string_view body(buf_.data() + pos_ + sizeof(len), len);
  pos_ += sizeof(len) + len;
  return body;
}

}  // namespace lithops::detail
