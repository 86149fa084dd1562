#include "core/protocol.hpp"

#include <ctime>

namespace lithops::detail {

std::size_t begin_frame(std::string& out, FrameType type) {
  std::size_t start = out.size();
  Writer w(out);
  w.put<std::uint32_t>(0);
  w.put<std::uint8_t>(static_cast<std::uint8_t>(type));
  return start;
}

void end_frame(std::string& out, std::size_t start) {
  auto len = static_cast<std::uint32_t>(out.size() - start - sizeof(std::uint32_t));
  std::memcpy(out.data() + start, &len, sizeof(len));
}

std::int64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace lithops::detail
