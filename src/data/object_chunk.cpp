// ObjectChunk: record alignment and reading, on the worker (or wherever a chunk is read).
#include <cstring>
#include <map>
#include <mutex>
#include <fmt/format.h>

#include "data/http_source.hpp"
#include "data/object_source.hpp"
#include "storage/object_streams.hpp"
#include "lithops/errors.hpp"
#include "storage/shared_storage.hpp"

namespace lithops {

namespace detail {

std::shared_ptr<StorageBackend> storage_for(const std::string& backend) {
  // In a worker: the job's storage, or the store its data is in (the job carries its section).
  // On the client: the default configuration's, for that backend.
  if (!current_job_storage().empty()) {
    auto st = shared_storage(current_job_storage());
    if (st->name() == backend) return st;
    return shared_storage(storage_config_for(current_job_storage(), backend));
  }
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<StorageBackend>> client_stores;
  std::lock_guard lock(mu);
  auto& st = client_stores[backend];
  if (!st) st = make_storage(Config::load(), backend);
  return st;
}

ObjectSource::ObjectSource(const ObjectChunk& chunk)
    : chunk_(chunk), storage_(chunk.is_url() ? nullptr : storage_for(chunk.backend)) {}

namespace {
// A URL of unknown size is read whole, without a range.
std::optional<ByteRange> url_range(ByteRange r) {
  if (r.first == 0 && r.last == UINT64_MAX) return std::nullopt;
  return r;
}
}  // namespace

std::pair<std::string, std::string> one_object(const Storage& storage, const std::string& location) {
  std::string rest = location;
  if (auto sep = rest.find("://"); sep != std::string::npos) {
    std::string scheme = rest.substr(0, sep);
    scheme = scheme == "s3" ? "aws_s3" : scheme == "cos" ? "ibm_cos" : scheme;  // Lithops' aliases
    if (scheme != storage.backend())
      throw Error(fmt::format("lithops: '{}' is in {} storage, but the storage given is {}", location, scheme,
                              storage.backend()));
    rest = rest.substr(sep + 3);
  }
  const auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size())
    throw Error(fmt::format("lithops: '{}' does not name one object (\"bucket/key\")", location));
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

const GzipIndex* ObjectSource::gzip_index() {
  if (chunk_.index_key.empty()) return nullptr;  // read whole, from the start
  if (!index_) {
    index_.emplace(load_gzip_index(*storage_, chunk_.bucket, chunk_.key, chunk_.stored_size, chunk_.index_key));
    if (index_->uncompressed_size != chunk_.object_size)
      throw DataFormatError(fmt::format("lithops: the gzip index of '{}' changed after the job was partitioned",
                                        chunk_.key));
  }
  return &*index_;
}

std::string ObjectSource::get(ByteRange range) {
  if (range.last <= range.first) return {};
  if (chunk_.compression == Compression::gzip) {
    std::string out;
    get_stream(range, [&](std::string_view piece) { out.append(piece); });
    return out;
  }
  if (!storage_) return http_get(chunk_.key, url_range(range));
  return storage_->get_object(chunk_.bucket, chunk_.key, range);
}

void ObjectSource::get_stream(ByteRange range, const ByteSink& sink) {
  if (range.last <= range.first) return;
  if (chunk_.compression == Compression::gzip)
    return read_gzip_range(*storage_, chunk_.bucket, chunk_.key, chunk_.stored_size, gzip_index(), range, sink);
  if (!storage_) return http_get_stream(chunk_.key, url_range(range), sink);
  storage_->get_object_stream(chunk_.bucket, chunk_.key, range, sink);
}

void BlockReader::load(std::uint64_t offset) {
  block_first_ = offset;
  block_ = source_.get(ByteRange{offset, std::min(size_, offset + next_block_size_)});
  next_block_size_ = std::min<std::uint64_t>(next_block_size_ * 2, 1 << 20);
  if (block_.empty()) throw StorageError(fmt::format("lithops: object shorter than its size ({} bytes)", size_));
}

char BlockReader::at(std::uint64_t offset) {
  if (offset < block_first_ || offset >= block_first_ + block_.size()) load(offset);
  return block_[offset - block_first_];
}

std::uint64_t BlockReader::find(char c, std::uint64_t from) {
  while (from < size_) {
    if (from < block_first_ || from >= block_first_ + block_.size()) load(from);
    const char* base = block_.data();
    std::size_t off = from - block_first_;
    if (const void* hit = std::memchr(base + off, c, block_.size() - off))
      return block_first_ + static_cast<std::uint64_t>(static_cast<const char*>(hit) - base);
    from = block_first_ + block_.size();
  }
  return size_;
}

const RecordFormat& format_of(const ObjectChunk& c) {
  return *static_cast<const RecordFormat*>(resolve_code_ref(c.format));
}

}  // namespace detail

ByteRange ObjectChunk::data_range() const {
  if (total_parts <= 1) return range;  // a whole object: nothing to align
  detail::ObjectSource source(*this);
  detail::BlockReader reader(source, object_size);
  const RecordFormat& fmt = detail::format_of(*this);
  std::uint64_t first = range.first == 0 ? 0 : fmt.align(reader, range.first);
  std::uint64_t last = range.last >= object_size ? object_size : fmt.align(reader, range.last);
  return ByteRange{first, std::max(first, last)};
}

std::string ObjectChunk::read() const {
  detail::ObjectSource source(*this);
  return source.get(data_range());
}

void ObjectChunk::read(const std::function<void(std::string_view)>& sink) const {
  detail::ObjectSource source(*this);
  source.get_stream(data_range(), sink);
}

namespace {
// Fetches the chunk in ranges as the stream is read.
class ChunkStream final : public std::istream {
 public:
  explicit ChunkStream(const ObjectChunk& chunk)
      : std::istream(nullptr),
        chunk_(chunk),
        source_(chunk_),
        buf_([this](ByteRange r) { return source_.get(r); }, chunk_.data_range()) {
    rdbuf(&buf_);
  }

 private:
  ObjectChunk chunk_;
  detail::ObjectSource source_;
  detail::RangeReadBuf buf_;
};
}  // namespace

std::unique_ptr<std::istream> ObjectChunk::stream() const { return std::make_unique<ChunkStream>(*this); }

void ObjectChunk::for_each_line(const std::function<void(std::string_view)>& f) const {
  std::string carry;  // a line split across pieces
  read([&](std::string_view piece) {
    while (!piece.empty()) {
      auto nl = piece.find('\n');
      if (nl == std::string_view::npos) {
        carry.append(piece);
        return;
      }
      if (carry.empty()) {
        f(piece.substr(0, nl));
      } else {
        carry.append(piece.substr(0, nl));
        f(carry);
        carry.clear();
      }
      piece.remove_prefix(nl + 1);
    }
  });
  if (!carry.empty()) f(carry);
}

}  // namespace lithops
