#pragma once
// OpenStack Swift (section `swift`, Lithops' keys) through its native API: containers are buckets;
// small objects go up in one PUT, large ones as a Static Large Object whose segments are uploaded
// in parallel into `<container>_segments`; large reads are parallel ranges pinned to one etag.
// Requests carry a token of Keystone v3 or TempAuth (swift_auth.hpp).
#include <memory>
#include <string>
#include <vector>

#include "lithops/config.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

void declare_swift_keys(std::vector<ConfigKey>& keys);

class SwiftStorage final : public StorageBackend {
 public:
  /// Reads `swift.*`. No request is sent until the first operation.
  /// @throws ConfigError naming the missing or invalid key
  explicit SwiftStorage(const Config& config);
  ~SwiftStorage() override;

  std::string name() const override { return "swift"; }
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
  /// Deletes each object with ?multipart-manifest=delete: a Static Large Object goes with its segments.
  void delete_objects(const std::string& bucket, const std::vector<std::string>& keys) override;
  std::vector<ObjectEntry> list_objects(const std::string& bucket, const std::string& prefix,
                                        const std::string& start_after) override;
  bool bucket_exists(const std::string& bucket) override;
  void create_bucket(const std::string& bucket) override;
  /// A TempURL (HMAC-SHA256 under the account's Temp-URL key; the proxy needs the tempurl
  /// middleware). The key is `swift.temp_url_key`, else read from the account once (and set to a
  /// random one if the account has none). @throws StorageRequestError for a ttl under 1 s
  std::optional<std::string> presigned_get_url(const std::string& bucket, const std::string& key,
                                               std::chrono::seconds ttl) override;

  /// The container large objects' segments go to.
  std::string segment_container(const std::string& bucket) const;
  /// Authentication requests sent so far.
  int token_fetches() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lithops::detail
