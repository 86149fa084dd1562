// index_gzip: the preprocessing step a gzip'd object needs before it can be split (Dataplug's
// "on-the-fly partitioning"), as a function to map, one call per object.
#include <fmt/format.h>

#include "data/gzip_index.hpp"
#include "data/object_source.hpp"
#include "lithops/data.hpp"
#include "lithops/errors.hpp"

namespace lithops {

namespace {
constexpr std::uint64_t kDefaultSpan = 4 << 20;
}  // namespace

GzipIndexSummary index_gzip_span(ObjectChunk object, std::uint64_t span) {
  if (object.is_url()) throw Error(fmt::format("lithops: index_gzip reads objects in storage, not URLs ('{}')", object.key));
  if (object.total_parts > 1)
    throw Error(fmt::format("lithops: index_gzip needs whole objects: map it without obj_chunk_size or "
                            "obj_chunk_number ('{}' came in {} parts)",
                            object.key, object.total_parts));
  auto st = detail::storage_for(object.backend);
  // The stored bytes, whatever the chunk says: with Compression::gzip its sizes are uncompressed.
  const std::uint64_t stored = object.compression == Compression::gzip ? object.stored_size : object.object_size;
  detail::GzipIndexBuilder builder(object.bucket + "/" + object.key, span);
  st->get_object_stream(object.bucket, object.key, ByteRange{0, stored},
                        [&](std::string_view piece) { builder.feed(piece); });
  GzipIndexSummary s;
  s.key = object.key;
  s.index_key = detail::gzip_index_key(object.key);
  s.compressed_size = stored;
  std::string index = builder.finish(s.points, s.uncompressed_size);
  s.index_bytes = index.size();
  st->put_object(object.bucket, s.index_key, index);
  return s;
}

GzipIndexSummary index_gzip(ObjectChunk object) { return index_gzip_span(std::move(object), kDefaultSpan); }

}  // namespace lithops
