#include "storage/retrying_storage.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include "util/log.hpp"

namespace lithops::detail {

void retry_pause(const RetryPolicy& policy, int attempt, const char* what, const std::string& key,
                 const std::exception& error) {
  auto backoff = policy.first_backoff * (1ll << std::min(attempt - 1, 20));
  backoff = std::min<std::chrono::milliseconds>(backoff, policy.max_backoff);
  // Up to 25% jitter, so that many workers hit by the same outage do not retry in lockstep.
  thread_local std::minstd_rand rng{std::random_device{}()};
  backoff += std::chrono::milliseconds(rng() % (backoff.count() / 4 + 1));
  log_warn("storage {} {} failed (attempt {} of {}), retrying in {} ms: {}", what, key, attempt, policy.attempts,
           backoff.count(), error.what());
  std::this_thread::sleep_for(backoff);
}

RetryingStorage::RetryingStorage(std::unique_ptr<StorageBackend> inner, int attempts) : inner_(std::move(inner)) {
  policy_.attempts = std::max(1, attempts);
}

void RetryingStorage::put_object(const std::string& bucket, const std::string& key, std::string_view data) {
  with_retries(policy_, "put", key, [&] { inner_->put_object(bucket, key, data); });
}

void RetryingStorage::put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                                        std::optional<std::uint64_t> size) {
  // A source is read once: a backend that streams replays its own pieces; for the others,
  // buffer here so the whole upload can be replayed.
  if (inner_->streams_uploads()) return inner_->put_object_stream(bucket, key, source, size);
  StorageBackend::put_object_stream(bucket, key, source, size);  // buffers, then this->put_object
}

std::string RetryingStorage::get_object(const std::string& bucket, const std::string& key,
                                        std::optional<ByteRange> range) {
  return with_retries(policy_, "get", key, [&] { return inner_->get_object(bucket, key, range); });
}

void RetryingStorage::get_object_stream(const std::string& bucket, const std::string& key,
                                        std::optional<ByteRange> range, const ByteSink& sink) {
  // A retry resumes where the failed attempt stopped: what reached the sink is never sent twice.
  std::uint64_t delivered = 0;
  with_retries(policy_, "get", key, [&] {
    std::optional<ByteRange> rest = range;
    if (delivered > 0) rest = ByteRange{(range ? range->first : 0) + delivered, range ? range->last : UINT64_MAX};
    inner_->get_object_stream(bucket, key, rest, [&](std::string_view piece) {
      sink(piece);
      delivered += piece.size();
    });
  });
}

std::optional<ObjectInfo> RetryingStorage::head_object(const std::string& bucket, const std::string& key) {
  return with_retries(policy_, "head", key, [&] { return inner_->head_object(bucket, key); });
}
void RetryingStorage::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  with_retries(policy_, "delete", bucket, [&] { inner_->delete_objects(bucket, keys); });
}
std::vector<ObjectEntry> RetryingStorage::list_objects(const std::string& bucket, const std::string& prefix,
                                                       const std::string& start_after) {
  return with_retries(policy_, "list", prefix, [&] { return inner_->list_objects(bucket, prefix, start_after); });
}
std::vector<std::string> RetryingStorage::list_keys(const std::string& bucket, const std::string& prefix,
                                                    const std::string& start_after) {
  return with_retries(policy_, "list", prefix, [&] { return inner_->list_keys(bucket, prefix, start_after); });
}
void RetryingStorage::delete_prefix(const std::string& bucket, const std::string& prefix) {
  with_retries(policy_, "delete", prefix, [&] { inner_->delete_prefix(bucket, prefix); });
}
bool RetryingStorage::bucket_exists(const std::string& bucket) {
  return with_retries(policy_, "head bucket", bucket, [&] { return inner_->bucket_exists(bucket); });
}
void RetryingStorage::create_bucket(const std::string& bucket) {
  with_retries(policy_, "create bucket", bucket, [&] { inner_->create_bucket(bucket); });
}

}  // namespace lithops::detail
