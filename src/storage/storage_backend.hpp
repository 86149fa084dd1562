#pragma once
// The storage interface every backend implements: a handful of object operations. The job
// model, the public lithops::Storage, the partitioner and the storage OS API all go through it,
// so everything runs unchanged on any storage. Retries and other cross-cutting behaviour belong
// in decorators (RetryingStorage), not in each backend.
//
// Error contract (every backend, checked by tests/unit/storage_contract_test.cpp):
//   NoSuchKeyError      get/stream of a missing object
//   NoSuchBucketError   any object operation on a missing bucket
//   StorageRequestError the server refused the request itself (denied, invalid name): not retried
//   StorageError        anything else: transient, retried by RetryingStorage
// Messages name the bucket and key, never a credential.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lithops/byte_range.hpp"

namespace lithops {
class Config;
}

namespace lithops::detail {

using lithops::ByteRange;  // [first, last)

struct ObjectInfo {
  std::uint64_t size = 0;
  std::string etag;                ///< opaque version tag, without quotes; "" if the backend has none
  std::int64_t last_modified = 0;  ///< milliseconds since the Unix epoch; 0 if unknown
};

struct ObjectEntry {
  std::string key;
  ObjectInfo info;
};

/// Receives an object's bytes in order, piece by piece.
using ByteSink = std::function<void(std::string_view)>;
/// Fills up to `capacity` bytes at `buffer`; returns how many, 0 at the end of the data.
using ByteSource = std::function<std::size_t(char* buffer, std::size_t capacity)>;
/// A ByteSource that reads `data` front to back (which must outlive it): how the stores send a
/// large object they were handed whole through the same piecewise upload as a stream.
inline ByteSource source_of(std::string_view data) {
  return [data, at = std::size_t{0}](char* buffer, std::size_t capacity) mutable {
    const std::size_t n = std::min(capacity, data.size() - at);
    std::copy_n(data.data() + at, n, buffer);
    at += n;
    return n;
  };
}

class StorageBackend {
 public:
  virtual ~StorageBackend() = default;
  /// The backend's configuration name ("localhost", "ceph", "redis" ...).
  virtual std::string name() const = 0;
  /// The bucket Lithops keeps its own data in (the section's `storage_bucket`).
  virtual const std::string& bucket() const = 0;

  /// Creates or replaces the object; readers never see a partial object.
  virtual void put_object(const std::string& bucket, const std::string& key, std::string_view data) = 0;
  /// Creates or replaces the object from a stream without holding it whole in memory when the
  /// backend can (S3: multipart upload with parts in parallel; localhost: a file). `size`, when
  /// known, lets a backend pick single or multipart upload up front. The default reads the
  /// source into memory and calls put_object.
  virtual void put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                                 std::optional<std::uint64_t> size);
  /// True when put_object_stream really streams (and retries its own pieces). RetryingStorage
  /// buffers and retries whole uploads for backends where it does not.
  virtual bool streams_uploads() const { return false; }

  /// The whole object or the given range (clipped to the object). @throws NoSuchKeyError
  virtual std::string get_object(const std::string& bucket, const std::string& key,
                                 std::optional<ByteRange> range = std::nullopt) = 0;
  /// The object (or range) delivered to `sink` piece by piece, never whole in memory.
  /// The default reads 8 MiB ranges with get_object. @throws NoSuchKeyError
  virtual void get_object_stream(const std::string& bucket, const std::string& key, std::optional<ByteRange> range,
                                 const ByteSink& sink);

  /// Size, etag and time of the object; nullopt when it does not exist.
  virtual std::optional<ObjectInfo> head_object(const std::string& bucket, const std::string& key) = 0;
  /// Deletes the keys; missing keys are not an error.
  virtual void delete_objects(const std::string& bucket, const std::vector<std::string>& keys) = 0;
  /// Objects whose keys start with `prefix`, sorted by key (byte order), only those after
  /// `start_after`. Paging is the backend's business: the result is complete.
  virtual std::vector<ObjectEntry> list_objects(const std::string& bucket, const std::string& prefix,
                                                const std::string& start_after = "") = 0;
  /// The keys of list_objects. Backends override it when keys alone are cheaper.
  virtual std::vector<std::string> list_keys(const std::string& bucket, const std::string& prefix,
                                             const std::string& start_after = "");
  /// Deletes every key under `prefix`.
  virtual void delete_prefix(const std::string& bucket, const std::string& prefix);

  /// Whether the bucket exists (and is ours to use). @throws StorageRequestError if access is denied
  virtual bool bucket_exists(const std::string& bucket) = 0;
  /// Creates the bucket; an existing bucket of ours is not an error.
  virtual void create_bucket(const std::string& bucket) = 0;

  /// A URL that lets anyone holding it GET the object for `ttl`, with no credentials (an S3
  /// presigned URL), so that a remote host can fetch it with plain curl; nullopt when the
  /// backend has no such thing (localhost, Redis). Computed locally: no request is sent, and
  /// the object need not exist yet. @throws StorageRequestError for a ttl S3 refuses (not 1 s..7 days)
  virtual std::optional<std::string> presigned_get_url(const std::string& bucket, const std::string& key,
                                                       std::chrono::seconds ttl) {
    (void)bucket;
    (void)key;
    (void)ttl;
    return std::nullopt;
  }
};

/// The storage backend named by `lithops.storage`, wrapped in the retrying decorator.
/// @throws ConfigError
std::unique_ptr<StorageBackend> make_storage(const Config& config);

/// The backend `name` (a choice of `lithops.storage`), with the same decorators.
std::unique_ptr<StorageBackend> make_storage(const Config& config, const std::string& name);

/// YAML of the keys a worker needs to open the same storage (`lithops.storage` and its
/// section). Credentials are included unless `with_credentials` is false (workers that find
/// their own, as a cloud function has its role's): only ever sent to workers, never logged.
/// `bucket`: the bucket the client uses, written in (its default may depend on the keys).
/// `data_backends`: other storage backends the jobs map over data in (`<backend>://...`):
/// their sections go along, so that a worker opens them with its own client for each.
std::string worker_storage_config(const Config& config, bool with_credentials = true, const std::string& bucket = "",
                                  const std::vector<std::string>& data_backends = {});

/// The storage configuration `yaml` (a worker_storage_config) names, turned to `backend`: a
/// job's data may live in another store than its own. A section the job does not carry is
/// its defaults: opening it then fails with the backend's own ConfigError.
std::string storage_config_for(const std::string& yaml, const std::string& backend);

/// The storage backends `lithops.storage` accepts, in the schema's order.
const std::vector<std::string>& storage_backend_names();

}  // namespace lithops::detail
