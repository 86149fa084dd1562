#include "storage/retrying_storage.hpp"

#include <chrono>
#include <thread>

#include "lithops/errors.hpp"
#include "util/log.hpp"

namespace lithops::detail {

namespace {
constexpr std::chrono::milliseconds kFirstBackoff{20};  // doubled after each failed attempt
}

RetryingStorage::RetryingStorage(std::unique_ptr<StorageBackend> inner, int attempts)
    : inner_(std::move(inner)), attempts_(attempts < 1 ? 1 : attempts) {}

template <class F>
auto RetryingStorage::retry(const char* what, const std::string& key, F&& op) -> decltype(op()) {
  auto backoff = kFirstBackoff;
  for (int attempt = 1;; ++attempt) {
    try {
      return op();
    } catch (const NoSuchKeyError&) {
      throw;  // an answer, not a hiccup
    } catch (const NoSuchBucketError&) {
      throw;
    } catch (const StorageError& e) {
      if (attempt >= attempts_) throw;
      log_warn("storage {} {} failed (attempt {} of {}), retrying in {} ms: {}", what, key, attempt, attempts_,
               backoff.count(), e.what());
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
}

void RetryingStorage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  retry("put", key, [&] { inner_->put_object(bucket, key, data); });
}
std::string RetryingStorage::get_object(const std::string& bucket, const std::string& key,
                                        std::optional<ByteRange> range) {
  return retry("get", key, [&] { return inner_->get_object(bucket, key, range); });
}
std::optional<ObjectInfo> RetryingStorage::head_object(const std::string& bucket, const std::string& key) {
  return retry("head", key, [&] { return inner_->head_object(bucket, key); });
}
void RetryingStorage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  retry("delete", bucket, [&] { inner_->delete_objects(bucket, keys); });
}
std::vector<std::string> RetryingStorage::list_keys(const std::string& bucket, const std::string& prefix,
                                                    const std::string& start_after) {
  return retry("list", prefix, [&] { return inner_->list_keys(bucket, prefix, start_after); });
}
void RetryingStorage::delete_prefix(const std::string& bucket, const std::string& prefix) {
  retry("delete", prefix, [&] { inner_->delete_prefix(bucket, prefix); });
}

}  // namespace lithops::detail
