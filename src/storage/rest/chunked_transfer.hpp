#pragma once
// Transfers made of many requests, for every object store whose large objects travel in pieces
// (S3 multipart uploads, Azure blocks, Swift segments; ranged parallel reads everywhere). The
// store supplies how one piece moves; these drivers keep at most `max_concurrency` pieces of
// `chunk` bytes in memory, deliver downloads in order, and stop at the first failure.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/retrying_storage.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail::rest {

struct TransferOptions {
  std::uint64_t chunk = 16ull << 20;  ///< bytes per part or range
  int max_concurrency = 8;            ///< requests in flight, and pieces held
  RetryPolicy policy;                 ///< for each piece
};

/// Runs fn(0) ... fn(n - 1) on up to `concurrency` threads (the caller's among them); after
/// the first exception no new call starts, and it is rethrown once the running ones end.
void parallel_for(std::size_t n, int concurrency, const std::function<void(std::size_t)>& fn);

/// Reads from `source` until `capacity` bytes or its end; fewer bytes means it ended.
/// `expected` sizes the first allocation.
std::string read_piece(const ByteSource& source, std::size_t capacity, std::size_t expected = 0);

/// Uploads `first_pieces` (already read, `chunk` bytes each) then the rest of `source` in
/// pieces of `chunk` bytes, `max_concurrency` at a time: `upload(i, data)` sends piece i
/// (0-based; it retries as it sees fit). Returns how many pieces there were (at least 1: an
/// empty source is one empty piece). @throws StorageRequestError past `max_pieces`; the first
/// failure of a piece or of the source, once the pieces under way have ended.
std::size_t upload_pieces(const TransferOptions& options, std::vector<std::string> first_pieces,
                          const ByteSource& source, std::size_t max_pieces, std::string_view what,
                          const std::function<void(std::size_t index, const std::string& data)>& upload);

/// What a REST store knows of an object before reading it in ranges: its size, and the version
/// every range is pinned to (an ETag for If-Match, a generation), so that an object replaced
/// mid-read fails the read instead of mixing two versions.
struct ObjectVersion {
  std::uint64_t size = 0;
  std::string tag;
};

/// get_object_stream as the REST stores serve it: a range of up to two chunks in one request;
/// anything larger after `stat` (the size and version; nullopt calls `missing`, which throws
/// the store's NoSuchKeyError), in one request or in parallel ranges (download_pieces), each
/// pinned to that version. `get(range, sink, tag)` reads a range (tag "": not pinned) into
/// `sink`, or returns it when `sink` is null.
void stream_object(const TransferOptions& options, std::optional<ByteRange> range, std::string_view what,
                   const std::function<std::optional<ObjectVersion>()>& stat, const std::function<void()>& missing,
                   const std::function<std::string(ByteRange, const ByteSink*, const std::string& tag)>& get,
                   const ByteSink& sink);

/// Delivers [first, last) to `sink` in order, fetching ranges of `chunk` bytes in parallel
/// with `fetch(a, b)`, which must return exactly b - a bytes (each fetch is retried under the
/// options' policy).
void download_pieces(const TransferOptions& options, std::uint64_t first, std::uint64_t last, std::string_view what,
                     const std::function<std::string(std::uint64_t a, std::uint64_t b)>& fetch, const ByteSink& sink);

}  // namespace lithops::detail::rest
