#pragma once
// Google Cloud Storage (section `gcp_storage`, Lithops' keys) through its JSON API: small objects
// go up in one media upload, large ones as a resumable upload in chunks; large reads are parallel
// ranges of one generation. Requests carry an OAuth2 access token of the service account
// (gcs_auth.hpp); an emulator (STORAGE_EMULATOR_HOST, e.g. fake-gcs-server) gets none.
#include <memory>
#include <string>
#include <vector>

#include "lithops/config.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

void declare_gcs_storage_keys(std::vector<ConfigKey>& keys);

class GcsStorage final : public StorageBackend {
 public:
  /// Reads `gcp_storage.*`, GOOGLE_APPLICATION_CREDENTIALS and STORAGE_EMULATOR_HOST.
  /// @throws ConfigError naming the missing or invalid key (or variable)
  explicit GcsStorage(const Config& config);
  ~GcsStorage() override;

  std::string name() const override { return "gcp_storage"; }
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
  /// A V4 signed URL with the service account's key; with no credentials (an emulator), the
  /// object's plain media URL. @throws StorageRequestError for a ttl outside 1 s .. 7 days
  std::optional<std::string> presigned_get_url(const std::string& bucket, const std::string& key,
                                               std::chrono::seconds ttl) override;

  /// The endpoint requests go to ("http://127.0.0.1:4443"), and whether they carry a token.
  const std::string& endpoint() const;
  bool authenticated() const;
  /// OAuth2 token requests sent so far (0 without credentials).
  int token_fetches() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lithops::detail
