#pragma once
// A decorator that retries a storage backend's transient failures (StorageError other than a
// missing key or bucket, or a refused request) with exponential backoff, so that a hiccup, a
// throttled request or a server restart loses nothing. Every backend gets it from
// make_storage; backends themselves stay free of retry loops, except around the pieces of a
// streamed upload, which only the backend can replay (they use with_retries too).
#include <chrono>
#include <memory>
#include <string>

#include "storage/storage_backend.hpp"

namespace lithops::detail {

struct RetryPolicy {
  int attempts = 10;
  std::chrono::milliseconds first_backoff{20};  // doubled after each failed attempt
  std::chrono::milliseconds max_backoff{2000};
};

/// Sleeps between attempts; logs each failed attempt as a warning. Internal.
void retry_pause(const RetryPolicy& policy, int attempt, const char* what, const std::string& key,
                 const std::exception& error);

/// Runs `op` until it succeeds, throws an error that retrying cannot fix, or the attempts are
/// spent (then the last error propagates).
template <class F>
auto with_retries(const RetryPolicy& policy, const char* what, const std::string& key, F&& op) -> decltype(op());

class RetryingStorage final : public StorageBackend {
 public:
  RetryingStorage(std::unique_ptr<StorageBackend> inner, int attempts);
  std::string name() const override { return inner_->name(); }
  const std::string& bucket() const override { return inner_->bucket(); }
  void put_object(const std::string& bucket, const std::string& key, std::string_view data) override;
  void put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                         std::optional<std::uint64_t> size) override;
  bool streams_uploads() const override { return inner_->streams_uploads(); }
  std::string get_object(const std::string& bucket, const std::string& key, std::optional<ByteRange> range) override;
  void get_object_stream(const std::string& bucket, const std::string& key, std::optional<ByteRange> range,
                         const ByteSink& sink) override;
  std::optional<ObjectInfo> head_object(const std::string& bucket, const std::string& key) override;
  void delete_objects(const std::string& bucket, const std::vector<std::string>& keys) override;
  std::vector<ObjectEntry> list_objects(const std::string& bucket, const std::string& prefix,
                                        const std::string& start_after) override;
  std::vector<std::string> list_keys(const std::string& bucket, const std::string& prefix,
                                     const std::string& start_after) override;
  void delete_prefix(const std::string& bucket, const std::string& prefix) override;
  bool bucket_exists(const std::string& bucket) override;
  void create_bucket(const std::string& bucket) override;
  /// Signing is local: nothing to retry.
  std::optional<std::string> presigned_get_url(const std::string& bucket, const std::string& key,
                                               std::chrono::seconds ttl) override {
    return inner_->presigned_get_url(bucket, key, ttl);
  }

  StorageBackend& inner() noexcept { return *inner_; }

 private:
  std::unique_ptr<StorageBackend> inner_;
  RetryPolicy policy_;
};

}  // namespace lithops::detail

#include "storage/retrying_storage_impl.hpp"
