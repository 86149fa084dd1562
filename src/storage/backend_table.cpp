#include "storage/backend_table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lithops/errors.hpp"
#include "storage/azure/azure_storage.hpp"
#include "storage/gcs/gcs_storage.hpp"
#include "storage/localhost/localhost_storage.hpp"
#include "storage/redis/redis_storage.hpp"
#include "storage/s3/s3_storage.hpp"
#include "storage/storage_backend.hpp"
#include "storage/swift/swift_storage.hpp"

namespace lithops::detail {

namespace {

// One S3 client serves every S3-compatible service; each keeps Lithops' section name.
StorageBackendRow s3_row(std::string name, std::string what, std::string default_region) {
  StorageBackendRow r;
  r.name = name;
  r.description = what;
  r.s3 = true;
  r.declare_keys = [=](std::vector<ConfigKey>& keys) { declare_s3_keys(keys, name, what, default_region); };
  r.make = [name](const Config& c) -> std::unique_ptr<StorageBackend> { return std::make_unique<S3Storage>(c, name); };
  return r;
}

}  // namespace

const std::vector<StorageBackendRow>& storage_backends() {
  static const std::vector<StorageBackendRow> rows = {
      {"localhost", "a directory on this machine", false, false, declare_localhost_storage_keys,
       [](const Config& c) -> std::unique_ptr<StorageBackend> { return std::make_unique<LocalhostStorage>(c); }},
      s3_row("aws_s3", "Amazon S3", "us-east-1"),
      s3_row("minio", "MinIO", "us-east-1"),
      s3_row("ceph", "Ceph RADOS Gateway", "us-east-1"),
      s3_row("ibm_cos", "IBM Cloud Object Storage", "us-east"),  // IBM's region names
      s3_row("oracle_oss", "Oracle Cloud Object Storage (S3 compatibility API)", "us-ashburn-1"),
      s3_row("aliyun_oss", "Alibaba Cloud OSS (S3-compatible API)", "cn-hangzhou"),
      {"redis", "a Redis server", true, false, declare_redis_keys,
       [](const Config& c) -> std::unique_ptr<StorageBackend> { return std::make_unique<RedisStorage>(c); }},
      {"azure_storage", "Azure Blob Storage", true, false, declare_azure_storage_keys,
       [](const Config& c) -> std::unique_ptr<StorageBackend> { return std::make_unique<AzureStorage>(c); }},
      {"gcp_storage", "Google Cloud Storage", true, false, declare_gcs_storage_keys,
       [](const Config& c) -> std::unique_ptr<StorageBackend> { return std::make_unique<GcsStorage>(c); }},
      {"swift", "OpenStack Swift (native API; Keystone v3 or TempAuth)", true, false, declare_swift_keys,
       [](const Config& c) -> std::unique_ptr<StorageBackend> { return std::make_unique<SwiftStorage>(c); }},
  };
  return rows;
}

const StorageBackendRow& storage_backend(std::string_view name) {
  for (const auto& r : storage_backends())
    if (r.name == name) return r;
  throw ConfigError(fmt::format("lithops.storage: unknown storage backend '{}'; valid choices: {}", name,
                                fmt::join(storage_backend_names(), ", ")));
}

}  // namespace lithops::detail
