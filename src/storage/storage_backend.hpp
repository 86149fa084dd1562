#pragma once
// The storage interface every backend implements: a handful of object operations. The job
// model persists everything through it, so a job runs unchanged on any storage. Retries and
// other cross-cutting behaviour belong in decorators, not in each backend.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lithops {
class Config;
}

namespace lithops::detail {

/// Inclusive-exclusive byte range [first, last).
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

struct ObjectInfo {
  std::uint64_t size = 0;
};

class StorageBackend {
 public:
  virtual ~StorageBackend() = default;
  /// The backend's configuration name ("localhost", ...).
  virtual std::string name() const = 0;
  /// The bucket Lithops keeps its own data in.
  virtual const std::string& bucket() const = 0;
  /// Creates or replaces the object; readers never see a partial object.
  virtual void put_object(const std::string& bucket, const std::string& key, std::string_view data) = 0;
  /// The whole object or the given range (clipped to the object). @throws NoSuchKeyError
  virtual std::string get_object(const std::string& bucket, const std::string& key,
                                 std::optional<ByteRange> range = std::nullopt) = 0;
  virtual std::optional<ObjectInfo> head_object(const std::string& bucket, const std::string& key) = 0;
  /// Deletes the keys; missing keys are not an error.
  virtual void delete_objects(const std::string& bucket, const std::vector<std::string>& keys) = 0;
  /// Keys starting with `prefix`, sorted, those after `start_after` only.
  virtual std::vector<std::string> list_keys(const std::string& bucket, const std::string& prefix,
                                             const std::string& start_after = "") = 0;
  /// Deletes every key under `prefix`.
  virtual void delete_prefix(const std::string& bucket, const std::string& prefix);
};

/// The storage backend named by `lithops.storage`. @throws ConfigError
std::unique_ptr<StorageBackend> make_storage(const Config& config);

/// YAML of the keys a worker needs to open the same storage (`lithops.storage` and its
/// section), credentials included: only ever sent to workers, never logged.
std::string worker_storage_config(const Config& config);

}  // namespace lithops::detail
