#pragma once
// Objects behind HTTP(S) URLs, for mapping over public data: size via HEAD, bytes via range
// GETs. No credentials: URLs are public (or pre-signed).
#include <cstdint>
#include <optional>
#include <string>

#include "storage/storage_backend.hpp"

namespace lithops::detail {

struct UrlInfo {
  std::uint64_t size = 0;
  bool ranges = false;  ///< the server accepts range requests
};

/// @throws StorageError (transient failures) or NoSuchKeyError (404)
UrlInfo http_head(const std::string& url);
/// The whole body, or a range of it.
std::string http_get(const std::string& url, std::optional<ByteRange> range);
/// The body (or a range) delivered to `sink` as it arrives.
void http_get_stream(const std::string& url, std::optional<ByteRange> range, const ByteSink& sink);

}  // namespace lithops::detail
