#pragma once
// Random access into gzip'd objects (issue 15; Dataplug's approach, after zlib's zran.c): a
// one-pass index of inflate access points, stored beside the object, from which any range of
// the uncompressed bytes is read by fetching and inflating only from the nearest point.
//
// An access point is either the first byte of a gzip member (BGZF blocks, concatenated gzip
// files: nothing to remember but the offsets), or a deflate block boundary inside a member,
// which needs the bit offset there and the 32 KiB of output before it (the window later
// back-references may reach into). The index object holds a fixed-size table of points and,
// after it, each window deflated: a reader fetches the table and then only its point's window.
//
// bgzip's own `.gzi` (bgzip -i) is read too: it lists every BGZF block's offsets, which are
// all member starts, so a BGZF object with one needs no index pass of ours.
//
// zlib is the inflater; what is written here is what zlib leaves to its users (zran.c is an
// example, not a library): choosing and recording the points, and resuming at one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lithops/byte_range.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

/// Beside `key`: our index, and bgzip's.
std::string gzip_index_key(const std::string& key);
std::string bgzip_index_key(const std::string& key);
/// Whether `key` is an index (never data to map over).
bool is_gzip_index_key(const std::string& key);

struct GzipPoint {
  std::uint64_t out = 0;  // uncompressed offset
  std::uint64_t in = 0;   // compressed offset of the first whole byte after the point
  std::uint8_t bits = 0;  // raw points: bits of the byte before `in` that belong after the point
  bool member = true;     // a gzip member starts at `in` (no window needed)
  std::uint64_t window_offset = 0;  // in the index object; raw points only
  std::uint32_t window_length = 0;  // deflated
};

struct GzipIndex {
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t span = 0;
  std::string trailer;  // the object's last 8 bytes (CRC32 and size of its last member)
  std::vector<GzipPoint> points;  // by `out`, the first at 0
  std::string source_key;         // the index object it came from

  /// The last point at or before `out`.
  const GzipPoint& point_before(std::uint64_t out) const;
  /// Where to stop fetching compressed bytes to have everything up to `out` (exclusive).
  std::uint64_t fetch_end(std::uint64_t out) const;
};

/// Builds the index of a gzip'd stream fed piece by piece.
class GzipIndexBuilder {
 public:
  /// `span`: uncompressed bytes between access points (at least).
  GzipIndexBuilder(std::string object_name, std::uint64_t span);
  ~GzipIndexBuilder();
  GzipIndexBuilder(const GzipIndexBuilder&) = delete;
  GzipIndexBuilder& operator=(const GzipIndexBuilder&) = delete;
  /// @throws DataFormatError if the bytes are not gzip
  void feed(std::string_view compressed);
  /// The index object's bytes. @throws DataFormatError if the stream ended early
  std::string finish(std::uint64_t& points, std::uint64_t& uncompressed_size);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads an index object (ours, or bgzip's .gzi) as far as its table; windows stay in storage.
/// `object_size`: the gzip'd object's size, which the index must have been built for.
/// `index_key`: that index only (as a chunk names it); empty: ours, else bgzip's.
/// @throws DataFormatError for an index that is missing, is not one, or does not match its object
GzipIndex load_gzip_index(StorageBackend& st, const std::string& bucket, const std::string& key,
                          std::uint64_t object_size, const std::string& index_key = "");
/// The same, but false when there is no index beside the object.
bool find_gzip_index(StorageBackend& st, const std::string& bucket, const std::string& key,
                     std::uint64_t object_size, GzipIndex& out);

/// What the partitioner needs of a gzip'd object: its uncompressed size and the index that
/// splits it. Checks that the index matches the object (its size and, for ours, the last 8
/// bytes: CRC32 and length of the last member). Without an index: nullopt, or, if
/// `need_index`, DataFormatError saying how to build one.
struct GzipLayout {
  std::uint64_t uncompressed_size = 0;
  std::string index_key;
};
std::optional<GzipLayout> gzip_layout(StorageBackend& st, const std::string& bucket, const std::string& key,
                                      std::uint64_t object_size, bool need_index);

/// Sends the uncompressed bytes [range.first, range.last) of a gzip'd object to `sink`,
/// fetching compressed bytes from the access point before range.first. Without an index
/// (`index` null), inflates from the member at compressed offset `member_at` (the object's
/// start by default), counting output from there. Stops at the end of the data if range.last
/// is past it. @throws DataFormatError for bytes that are not gzip, or cut short
void read_gzip_range(StorageBackend& st, const std::string& bucket, const std::string& key,
                     std::uint64_t object_size, const GzipIndex* index, ByteRange range, const ByteSink& sink,
                     std::uint64_t member_at = 0);

}  // namespace lithops::detail
