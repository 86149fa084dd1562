#pragma once
// Redis as object storage (hiredis): objects are values in keys namespaced by bucket, large
// values split into pieces, and a sorted index per bucket for ordered, paged-free listing.
#include <memory>
#include <string>

#include <vector>

#include "lithops/config.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

/// Declares the keys of its configuration section.
void declare_redis_keys(std::vector<ConfigKey>& keys);

/// Thread-safe: every method may be called from many threads at once (a pool of connections).
class RedisStorage final : public StorageBackend {
 public:
  /// Reads `redis.*`. @throws ConfigError for an invalid key
  explicit RedisStorage(const Config& config);
  ~RedisStorage() override;
  std::string name() const override { return "redis"; }
  const std::string& bucket() const override;
  void put_object(const std::string& bucket, const std::string& key, std::string_view data) override;
  void put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                         std::optional<std::uint64_t> size) override;
  bool streams_uploads() const override { return true; }
  std::string get_object(const std::string& bucket, const std::string& key,
                         std::optional<ByteRange> range) override;
  void get_object_stream(const std::string& bucket, const std::string& key, std::optional<ByteRange> range,
                         const ByteSink& sink) override;
  std::optional<ObjectInfo> head_object(const std::string& bucket, const std::string& key) override;
  void delete_objects(const std::string& bucket, const std::vector<std::string>& keys) override;
  std::vector<ObjectEntry> list_objects(const std::string& bucket, const std::string& prefix,
                                        const std::string& start_after) override;
  std::vector<std::string> list_keys(const std::string& bucket, const std::string& prefix,
                                     const std::string& start_after) override;
  bool bucket_exists(const std::string& bucket) override;
  void create_bucket(const std::string& bucket) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lithops::detail
