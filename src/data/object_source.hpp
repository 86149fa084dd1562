#pragma once
// Where an ObjectChunk's bytes come from: the storage backend of the running job (or of the
// default config, on the client), or an HTTP(S) URL. For a gzip'd object, ranges are of its
// uncompressed bytes, inflated from the index's access point before them.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "data/gzip_index.hpp"
#include "lithops/data.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

/// The store a chunk's `backend` names: in a worker, the job's storage (or the other store its
/// data is in); on the client, the default configuration's.
std::shared_ptr<StorageBackend> storage_for(const std::string& backend);

/// "bucket/key" (or "<backend>://bucket/key" of `storage`'s backend, with Lithops' aliases)
/// as {bucket, key}. @throws Error for another backend's location or one naming no object
std::pair<std::string, std::string> one_object(const Storage& storage, const std::string& location);

class ObjectSource {
 public:
  explicit ObjectSource(const ObjectChunk& chunk);
  std::string get(ByteRange range);
  void get_stream(ByteRange range, const ByteSink& sink);

 private:
  const GzipIndex* gzip_index();

  const ObjectChunk& chunk_;
  std::shared_ptr<StorageBackend> storage_;  // null for a URL
  std::optional<GzipIndex> index_;           // gzip, once loaded
};

/// An ObjectReader over an ObjectSource, fetching blocks that grow from 64 KiB to 1 MiB (a
/// line boundary needs one small read; a CSV boundary may need a long look-ahead).
class BlockReader final : public ObjectReader {
 public:
  BlockReader(ObjectSource& source, std::uint64_t size) : source_(source), size_(size) {}
  std::uint64_t size() const override { return size_; }
  char at(std::uint64_t offset) override;
  std::uint64_t find(char c, std::uint64_t from) override;

 private:
  void load(std::uint64_t offset);
  ObjectSource& source_;
  std::uint64_t size_;
  std::uint64_t block_first_ = 0;
  std::string block_;
  std::uint64_t next_block_size_ = 64 << 10;
};

/// The chunk's RecordFormat, from its address.
const RecordFormat& format_of(const ObjectChunk& c);

}  // namespace lithops::detail
