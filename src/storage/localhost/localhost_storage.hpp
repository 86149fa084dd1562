#pragma once
// Localhost storage: `<localhost.storage_dir>/<bucket>/<key>` on the local file system.
#include <vector>

#include "lithops/config.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

/// Declares the keys of its configuration section.
void declare_localhost_storage_keys(std::vector<ConfigKey>& keys);

class LocalhostStorage final : public StorageBackend {
 public:
  explicit LocalhostStorage(const Config& config);
  std::string name() const override { return "localhost"; }
  const std::string& bucket() const override { return bucket_; }
  void put_object(const std::string& bucket, const std::string& key, std::string_view data) override;
  void put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                         std::optional<std::uint64_t> size) override;
  bool streams_uploads() const override { return true; }
  std::string get_object(const std::string& bucket, const std::string& key,
                         std::optional<ByteRange> range) override;
  std::optional<ObjectInfo> head_object(const std::string& bucket, const std::string& key) override;
  void delete_objects(const std::string& bucket, const std::vector<std::string>& keys) override;
  std::vector<ObjectEntry> list_objects(const std::string& bucket, const std::string& prefix,
                                        const std::string& start_after) override;
  std::vector<std::string> list_keys(const std::string& bucket, const std::string& prefix,
                                     const std::string& start_after) override;
  void delete_prefix(const std::string& bucket, const std::string& prefix) override;
  void get_object_stream(const std::string& bucket, const std::string& key, std::optional<ByteRange> range,
                         const ByteSink& sink) override;
  bool bucket_exists(const std::string& bucket) override;
  void create_bucket(const std::string& bucket) override;

  const std::string& root() const noexcept { return root_; }

 private:
  std::string path_of(const std::string& bucket, const std::string& key) const;
  /// @throws NoSuchBucketError
  void require_bucket(const std::string& bucket) const;
  /// An open descriptor of the object and its size. @throws NoSuchKeyError, NoSuchBucketError
  int open_object(const std::string& bucket, const std::string& key, std::uint64_t& size) const;
  /// Writes `fill`'s output to a partial file then renames it into place.
  template <class Fill>
  void write_atomically(const std::string& bucket, const std::string& key, Fill&& fill);
  template <class Visit>
  void walk(const std::string& bucket, const std::string& prefix, const std::string& start_after, Visit&& visit);
  std::string root_;
  std::string bucket_;
};

/// The default storage directory: `$TMPDIR/lithops-<user>` (Lithops' LITHOPS_TEMP_DIR).
std::string default_storage_dir();

}  // namespace lithops::detail
