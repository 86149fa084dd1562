#pragma once
// Azure Blob Storage (section `azure_storage`, Lithops' keys): containers are buckets, objects
// are block blobs. Small objects go up in one Put Blob, large ones as blocks uploaded in
// parallel and committed with Put Block List; large reads are parallel ranges. Requests are
// authorized with the account's Shared Key or a SAS token (azure_auth.hpp).
#include <memory>
#include <string>
#include <vector>

#include "lithops/config.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

void declare_azure_storage_keys(std::vector<ConfigKey>& keys);

class AzureStorage final : public StorageBackend {
 public:
  /// Reads `azure_storage.*`, then AZURE_STORAGE_CONNECTION_STRING. @throws ConfigError naming
  /// the missing or invalid key
  explicit AzureStorage(const Config& config);
  ~AzureStorage() override;

  std::string name() const override { return "azure_storage"; }
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
  bool bucket_exists(const std::string& bucket) override;
  void create_bucket(const std::string& bucket) override;
  std::optional<std::string> presigned_get_url(const std::string& bucket, const std::string& key,
                                               std::chrono::seconds ttl) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lithops::detail
