#pragma once
/// @file byte_range.hpp
#include <cstdint>

namespace lithops {

/// Bytes [first, last) of an object; a range past the end is clipped to the object.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

}  // namespace lithops
