#pragma once
// S3-compatible object storage (Amazon S3, MinIO, Ceph RGW, IBM COS ...): one implementation,
// configured by the section named after the service (`aws_s3`, `minio`, `ceph`, `ibm_cos`).
// libcurl does the HTTP and the SigV4 signing; pugixml reads the XML answers.
#include <memory>
#include <string>
#include <vector>

#include "lithops/config.hpp"

#include "storage/storage_backend.hpp"

namespace lithops::detail {

/// True for the configuration sections this backend serves (the S3 rows of the storage table).
bool is_s3_section(const std::string& name);
/// Declares the keys of the S3 section `section` (the same keys for every S3 service).
void declare_s3_keys(std::vector<ConfigKey>& keys, const std::string& section, const std::string& what,
                     const std::string& default_region);

class S3Storage final : public StorageBackend {
 public:
  /// Reads `<section>.*`. @throws ConfigError naming a missing or invalid key
  S3Storage(const Config& config, const std::string& section);
  ~S3Storage() override;
  std::string name() const override;
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
