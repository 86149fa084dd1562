#pragma once
// The S3 transfers made of many requests: multipart uploads and parallel ranged downloads.
// Both keep at most `max_concurrency` pieces of `chunk` bytes in memory, and retry each piece
// themselves (a streamed piece cannot be replayed by the caller).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/rest/chunked_transfer.hpp"
#include "storage/retrying_storage.hpp"
#include "storage/s3/s3_client.hpp"

namespace lithops::detail::s3 {

using rest::parallel_for;
using rest::read_piece;
using rest::TransferOptions;

/// "Range: bytes=first-(last-1)", or "bytes=first-" when `last` is UINT64_MAX.
std::string range_header(std::uint64_t first, std::uint64_t last);

/// One GET of the object or of a range (clipped: "" at or past the end), into memory.
/// `if_match` (an etag) makes the read fail rather than mix two versions of the object.
std::string get_range(const Client& client, std::string_view bucket, std::string_view key,
                      std::optional<ByteRange> range, const std::string& if_match = "");

/// Uploads `first_parts` (already read, `chunk` bytes each) then the rest of `source` as one
/// multipart upload, aborted if anything fails.
void multipart_upload(const Client& client, const TransferOptions& options, std::string_view bucket,
                      std::string_view key, std::vector<std::string> first_parts, const ByteSource& source);

/// Delivers [first, last) of the object (`last` within it) to `sink` in order, fetching ranges
/// of `chunk` bytes in parallel.
void parallel_download(const Client& client, const TransferOptions& options, std::string_view bucket,
                       std::string_view key, std::uint64_t first, std::uint64_t last, const std::string& etag,
                       const ByteSink& sink);

}  // namespace lithops::detail::s3
