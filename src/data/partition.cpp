// The partitioner (client side): from locations to chunks, listing and sizing the objects.
// Alignment to records happens later, where each chunk is read (ObjectChunk::data_range).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include "data/gzip_index.hpp"
#include "data/http_source.hpp"
#include "lithops/data.hpp"
#include "lithops/errors.hpp"
#include "storage/storage_backend.hpp"

namespace lithops {

namespace {

using OtherStorage = std::function<Storage(const std::string& backend)>;

struct Located {
  std::string bucket, key;  // key: the URL for URL inputs
  std::string backend;      // the storage backend it is in ("" for URLs)
  std::uint64_t size = 0;
  bool url = false;
  bool splittable = true;
};

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

// Lithops' scheme aliases: cos:// is IBM COS, s3:// is AWS S3; any backend name works too.
std::string backend_of_scheme(const std::string& scheme) {
  if (scheme == "s3") return "aws_s3";
  if (scheme == "cos") return "ibm_cos";
  return scheme;
}

// Keys under Lithops' own prefix are job data, never input.
bool internal_key(const std::string& key) { return key.rfind("lithops.jobs/", 0) == 0; }

void add_listing(detail::StorageBackend& st, const std::string& bucket, const std::string& prefix,
                 std::vector<Located>& out) {
  for (auto& e : st.list_objects(bucket, prefix, "")) {
    if (e.key.empty() || e.key.back() == '/' || internal_key(e.key)) continue;  // "directory" markers
    out.push_back({bucket, std::move(e.key), st.name(), e.info.size});
  }
}

void head_all(detail::StorageBackend& st, const std::string& bucket, const std::vector<std::string>& keys,
              std::vector<Located>& out) {
  std::vector<Located> found(keys.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex mu;
  auto work = [&] {
    try {
      for (std::size_t i; (i = next++) < keys.size();) {
        auto info = st.head_object(bucket, keys[i]);
        if (!info) throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}' to map over", keys[i], bucket));
        found[i] = {bucket, keys[i], st.name(), info->size};
      }
    } catch (...) {
      std::lock_guard lock(mu);
      if (!error) error = std::current_exception();
      next = keys.size();
    }
  };
  // Many small HEADs: in parallel, as each is a round trip.
  std::vector<std::thread> threads;
  const std::size_t n = std::min<std::size_t>(8, (keys.size() + 15) / 16);
  for (std::size_t t = 1; t < n; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  for (auto& f : found) out.push_back(std::move(f));
}

void locate(Storage& storage, const std::string& location, const OtherStorage& other, std::vector<Located>& out) {
  if (is_url(location)) {
    auto info = detail::http_head(location);
    out.push_back({"", location, "", info.size, true, info.ranges});
    return;
  }
  std::string rest = location;
  std::optional<Storage> elsewhere;  // the location's own store, when it is not `storage`
  if (auto sep = rest.find("://"); sep != std::string::npos) {
    std::string backend = backend_of_scheme(rest.substr(0, sep));
    if (backend != storage.backend()) {
      if (!other)
        throw Error(fmt::format("lithops: '{}' is in {} storage, but the storage given is {} (map over it with "
                                "an executor, which opens {} from its configuration)",
                                location, backend, storage.backend(), backend));
      elsewhere = other(backend);
    }
    rest = rest.substr(sep + 3);
  }
  auto slash = rest.find('/');
  std::string bucket = rest.substr(0, slash);
  if (bucket.empty()) throw Error(fmt::format("lithops: '{}' names no bucket", location));
  auto& st = *(elsewhere ? *elsewhere : storage).backend_handle();
  if (slash == std::string::npos || slash + 1 == rest.size()) {  // "bucket" or "bucket/"
    add_listing(st, bucket, "", out);
  } else if (rest.back() == '/') {  // "bucket/prefix/"
    add_listing(st, bucket, rest.substr(slash + 1), out);
  } else {
    head_all(st, bucket, {rest.substr(slash + 1)}, out);
  }
}

}  // namespace

ObjectData ObjectData::keys(std::string bucket, std::vector<std::string> keys) {
  ObjectData d(std::move(keys));
  d.keys_bucket_ = std::move(bucket);
  return d;
}

std::vector<ObjectChunk> partition(Storage& storage, const ObjectData& data) {
  return partition(storage, data, nullptr);
}

std::vector<ObjectChunk> partition(Storage& storage, const ObjectData& data, const OtherStorage& other) {
  std::vector<Located> objects;
  if (!data.keys_bucket().empty()) {
    head_all(*storage.backend_handle(), data.keys_bucket(), data.locations(), objects);
  } else {
    for (const auto& loc : data.locations()) locate(storage, loc, other, objects);
  }
  const bool gzip = data.compression() == Compression::gzip;
  if (gzip) std::erase_if(objects, [](const Located& o) { return detail::is_gzip_index_key(o.key); });
  if (objects.empty())
    throw Error(fmt::format("lithops: no objects to map over in {}", fmt::join(data.locations(), ", ")));
  const auto format = detail::code_ref_of(&data.record_format());
  const bool split = data.chunk_number() > 0 || data.chunk_size() > 0;
  std::vector<ObjectChunk> chunks;
  for (const auto& o : objects) {
    std::uint64_t size = o.size;
    ObjectChunk base{o.backend, o.bucket, o.key, 0, 1, ByteRange{0, size}, size, format};
    if (gzip) {
      // Chunks of the uncompressed bytes: the index gives their size (needed to split).
      if (o.url) throw Error(fmt::format("lithops: '{}': gzip'd data is read from storage, not from URLs", o.key));
      Storage st = o.backend == storage.backend() ? storage : other(o.backend);
      auto layout = detail::gzip_layout(*st.backend_handle(), o.bucket, o.key, o.size, split);
      base.compression = Compression::gzip;
      base.stored_size = o.size;
      size = layout ? layout->uncompressed_size : 0;
      base.object_size = size;
      base.range = ByteRange{0, layout ? size : UINT64_MAX};  // without an index: whole, to its end
      if (layout) base.index_key = layout->index_key;
    }
    std::uint64_t chunk = size;
    if (data.chunk_number() > 0) chunk = (size + data.chunk_number() - 1) / data.chunk_number();
    else if (data.chunk_size() > 0) chunk = data.chunk_size();
    if (o.url && size == 0) base.range.last = UINT64_MAX;  // size unknown: read it whole
    if (chunk == 0 || size <= chunk || !o.splittable) {
      chunks.push_back(std::move(base));
      continue;
    }
    const auto parts = static_cast<std::uint32_t>((size + chunk - 1) / chunk);
    for (std::uint32_t p = 0; p < parts; ++p) {
      ObjectChunk c = base;
      c.part = p;
      c.total_parts = parts;
      c.range = ByteRange{p * chunk, std::min(size, (p + 1) * chunk)};
      chunks.push_back(std::move(c));
    }
  }
  return chunks;
}

}  // namespace lithops
