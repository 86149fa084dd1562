#pragma once
// A decorator that retries a storage backend's transient failures (StorageError other than
// a missing key or bucket) with exponential backoff, so that a hiccup loses nothing. Every
// backend gets it from make_storage; backends themselves stay free of retry loops.
#include <memory>

#include "storage/storage_backend.hpp"

namespace lithops::detail {

class RetryingStorage final : public StorageBackend {
 public:
  RetryingStorage(std::unique_ptr<StorageBackend> inner, int attempts);
  std::string name() const override { return inner_->name(); }
  const std::string& bucket() const override { return inner_->bucket(); }
  void put_object(const std::string& bucket, const std::string& key, std::string_view data) override;
  std::string get_object(const std::string& bucket, const std::string& key, std::optional<ByteRange> range) override;
  std::optional<ObjectInfo> head_object(const std::string& bucket, const std::string& key) override;
  void delete_objects(const std::string& bucket, const std::vector<std::string>& keys) override;
  std::vector<std::string> list_keys(const std::string& bucket, const std::string& prefix,
                                     const std::string& start_after) override;
  void delete_prefix(const std::string& bucket, const std::string& prefix) override;

 private:
  template <class F>
  auto retry(const char* what, const std::string& key, F&& op) -> decltype(op());
  std::unique_ptr<StorageBackend> inner_;
  int attempts_;
};

}  // namespace lithops::detail
