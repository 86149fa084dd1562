#pragma once
/// @file storage.hpp
/// The Storage API: objects in the configured storage backend (a local directory, any
/// S3-compatible service, Redis), in Lithops' vocabulary.
///
/// @code
///   lithops::Storage storage;                        // lithops.storage from the config
///   storage.put_object(storage.bucket(), "greeting.txt", "hello");
///   std::string text = storage.get_object(storage.bucket(), "greeting.txt");
///   for (const auto& obj : storage.list_objects(storage.bucket(), "logs/"))
///     std::cout << obj.key << ' ' << obj.size << '\n';
/// @endcode

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "lithops/byte_range.hpp"
#include "lithops/config.hpp"
#include "lithops/serialization.hpp"

namespace lithops {

namespace detail {
class StorageBackend;
}

/// What head_object and list_objects report.
struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;                ///< version tag, without quotes
  std::int64_t last_modified = 0;  ///< milliseconds since the Unix epoch (0: unknown)
};

/// A handle of a typed value stored with Storage::put_cloudobject. Small and serializable:
/// pass it to a function as an argument, and read the value there with get_cloudobject.
template <class T>
struct CloudObject {
  std::string backend;
  std::string bucket;
  std::string key;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(backend, bucket, key);
  }
};

/// Object storage. Cheap to copy (copies share one connection pool); thread-safe.
/// Transient failures (a dropped connection, a throttled request, a restarting server) are
/// retried with backoff (`lithops.storage_attempts`); what cannot be fixed by retrying throws:
/// NoSuchKeyError, NoSuchBucketError, StorageRequestError (refused: denied, invalid name ...),
/// or StorageError once the attempts are spent.
class Storage {
 public:
  /// The backend `lithops.storage` of Config::load() names. Inside a worker: the storage of the
  /// job the call belongs to.
  Storage();
  explicit Storage(const Config& config);
  /// The named backend ("localhost", "aws_s3", "minio", "ceph", "ibm_cos", "redis").
  /// @throws ConfigError naming the valid choices
  Storage(const Config& config, const std::string& backend);
  /// Over an open backend (the library's own components: an executor's storage).
  explicit Storage(std::shared_ptr<detail::StorageBackend> backend) : backend_(std::move(backend)) {}

  /// The backend's configuration name.
  std::string backend() const;
  /// The backend's default bucket (the section's `storage_bucket`).
  const std::string& bucket() const;

  // ---- writing ----
  /// Creates or replaces the object.
  void put_object(const std::string& bucket, const std::string& key, std::string_view body);
  void put_object(const std::string& bucket, const std::string& key, const char* body) {
    put_object(bucket, key, std::string_view(body));
  }
  /// Streams the object from `body` (S3: multipart above the threshold, parts in parallel).
  void put_object(const std::string& bucket, const std::string& key, std::istream& body);
  /// Uploads a local file; `key` defaults to the file's name. Multipart above the threshold.
  /// @returns the key
  std::string upload_file(const std::string& path, const std::string& bucket, std::string key = {});

  // ---- reading ----
  /// The whole object. @throws NoSuchKeyError, NoSuchBucketError
  std::string get_object(const std::string& bucket, const std::string& key);
  /// Bytes [range.first, range.last) of the object, clipped to it.
  std::string get_object(const std::string& bucket, const std::string& key, ByteRange range);
  /// Streams the object (or a range) into `out`, never holding it whole in memory.
  void get_object(const std::string& bucket, const std::string& key, std::ostream& out,
                  std::optional<ByteRange> range = std::nullopt);
  /// Streams the object (or a range) to `sink`, piece by piece, in order.
  void get_object(const std::string& bucket, const std::string& key,
                  const std::function<void(std::string_view)>& sink, std::optional<ByteRange> range = std::nullopt);
  /// Downloads into a local file (`path` defaults to the key's last component), with parallel
  /// range requests for large objects; the file appears complete or not at all.
  /// @returns the path written
  std::string download_file(const std::string& bucket, const std::string& key, std::string path = {});

  // ---- metadata ----
  /// @throws NoSuchKeyError, NoSuchBucketError
  ObjectInfo head_object(const std::string& bucket, const std::string& key);
  /// Objects whose keys start with `prefix`, sorted by key; complete (paging is internal).
  std::vector<ObjectInfo> list_objects(const std::string& bucket, const std::string& prefix = "");
  std::vector<std::string> list_keys(const std::string& bucket, const std::string& prefix = "");
  /// A URL anyone holding it can GET the object with, for `ttl`, without credentials (an S3
  /// presigned URL, an Azure SAS URL): to hand a result to a browser or to curl. Made locally:
  /// no request is sent. nullopt where the storage has no such thing (localhost, Redis).
  std::optional<std::string> presigned_url(const std::string& bucket, const std::string& key,
                                           std::chrono::seconds ttl = std::chrono::hours(1));

  // ---- deleting ----
  /// Missing keys are not an error.
  void delete_object(const std::string& bucket, const std::string& key);
  void delete_objects(const std::string& bucket, const std::vector<std::string>& keys);

  // ---- buckets ----
  /// @throws NoSuchBucketError when it does not exist, StorageRequestError when it is not ours
  void head_bucket(const std::string& bucket);
  bool bucket_exists(const std::string& bucket);
  /// Creates the bucket; one of ours that exists already is not an error.
  void create_bucket(const std::string& bucket);

  // ---- typed values ----
  /// Stores a serializable value; `key` defaults to a fresh key under `lithops.jobs/tmp/`.
  template <class T>
  CloudObject<T> put_cloudobject(const T& value, std::string bucket = {}, std::string key = {}) {
    std::string bytes;
    serialize_into(bytes, value);
    auto [b, k] = put_cloudobject_bytes(bytes, std::move(bucket), std::move(key));
    return CloudObject<T>{backend(), std::move(b), std::move(k)};
  }
  /// The value a CloudObject names. @throws StorageError if it is on another backend
  template <class T>
  T get_cloudobject(const CloudObject<T>& obj) {
    return deserialize<T>(get_cloudobject_bytes(obj.backend, obj.bucket, obj.key));
  }
  template <class T>
  void delete_cloudobject(const CloudObject<T>& obj) {
    delete_object(obj.bucket, obj.key);
  }

  /// The backend itself (for the library's own components).
  const std::shared_ptr<detail::StorageBackend>& backend_handle() const noexcept { return backend_; }

 private:
  std::pair<std::string, std::string> put_cloudobject_bytes(std::string_view bytes, std::string bucket,
                                                             std::string key);
  std::string get_cloudobject_bytes(const std::string& backend, const std::string& bucket, const std::string& key);
  std::shared_ptr<detail::StorageBackend> backend_;
};

}  // namespace lithops
