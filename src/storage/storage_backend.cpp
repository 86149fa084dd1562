#include "storage/storage_backend.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "config/declared.hpp"
#include "storage/backend_table.hpp"
#include "storage/retrying_storage.hpp"

namespace lithops::detail {

namespace {
constexpr std::uint64_t kStreamPiece = 8ull << 20;  // bytes per range of the default get_object_stream
}

void StorageBackend::put_object_stream(const std::string& bucket, const std::string& key, const ByteSource& source,
                                       std::optional<std::uint64_t> size) {
  std::string data;
  if (size) data.reserve(*size);
  std::string piece(1 << 20, '\0');
  for (std::size_t n; (n = source(piece.data(), piece.size())) > 0;) data.append(piece.data(), n);
  put_object(bucket, key, data);
}

void StorageBackend::get_object_stream(const std::string& bucket, const std::string& key,
                                       std::optional<ByteRange> range, const ByteSink& sink) {
  std::uint64_t first = range ? range->first : 0;
  std::uint64_t last = range ? range->last : UINT64_MAX;
  if (!range) {
    auto info = head_object(bucket, key);
    if (!info) throw NoSuchKeyError(fmt::format("lithops: no object '{}' in bucket '{}'", key, bucket));
    last = info->size;
  }
  // Piece by piece; a short piece means the object ended (a range may run past its end).
  for (std::uint64_t at = first; at < last;) {
    std::uint64_t end = std::min(last, at + kStreamPiece);
    std::string piece = get_object(bucket, key, ByteRange{at, end});
    if (!piece.empty()) sink(piece);
    if (piece.size() < end - at) break;
    at = end;
  }
}

std::vector<std::string> StorageBackend::list_keys(const std::string& bucket, const std::string& prefix,
                                                   const std::string& start_after) {
  std::vector<std::string> keys;
  for (auto& e : list_objects(bucket, prefix, start_after)) keys.push_back(std::move(e.key));
  return keys;
}

void StorageBackend::delete_prefix(const std::string& bucket, const std::string& prefix) {
  delete_objects(bucket, list_keys(bucket, prefix));
}

const std::vector<std::string>& storage_backend_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& r : storage_backends()) out.push_back(r.name);
    return out;
  }();
  return names;
}

std::unique_ptr<StorageBackend> make_storage(const Config& config, const std::string& name) {
  const auto attempts = static_cast<int>(config.get_int("lithops.storage_attempts"));
  return std::make_unique<RetryingStorage>(storage_backend(name).make(config), attempts);
}

std::unique_ptr<StorageBackend> make_storage(const Config& config) {
  return make_storage(config, config.get_string("lithops.storage"));
}

std::string worker_storage_config(const Config& config, bool with_credentials, const std::string& bucket,
                                  const std::vector<std::string>& data_backends) {
  // Only what opening the same storage takes: `lithops.storage`, the retry budget, the
  // backend's own section (and those of the stores the jobs read data from), and for AWS's S3
  // the `aws` section it falls back to.
  const std::string name = config.get_string("lithops.storage");
  std::vector<std::string> sections{name};
  for (const auto& b : data_backends)
    if (std::find(sections.begin(), sections.end(), b) == sections.end()) sections.push_back(b);
  if (std::find(sections.begin(), sections.end(), "aws_s3") != sections.end()) sections.push_back("aws");
  Config c = config;
  // The bucket the client resolved: a default derived from the key id would differ where the
  // workers' keys differ (a function's role).
  if (!bucket.empty() && declared(name + ".storage_bucket")) c.set(name + ".storage_bucket", bucket);
  if (!with_credentials) {
    // Emptied, not left out: the workers then find their own (a cloud function's role).
    for (const auto& s : sections)
      for (const char* k : {"access_key_id", "secret_access_key", "session_token", "password"})
        if (declared(s + "." + k)) c.set(s + "." + k, "");
  }
  return fmt::format("lithops:\n  storage: {}\n  storage_attempts: {}\n", name,
                     config.get_int("lithops.storage_attempts")) +
         c.to_yaml_unmasked(sections);
}

std::string storage_config_for(const std::string& yaml, const std::string& backend) {
  Config c = Config::from_yaml(yaml, "the job's storage configuration");
  if (c.get_string("lithops.storage") == backend) return yaml;
  std::vector<std::string> sections{backend};
  if (backend == "aws_s3") sections.push_back("aws");
  return fmt::format("lithops:\n  storage: {}\n  storage_attempts: {}\n", backend,
                     c.get_int("lithops.storage_attempts")) +
         c.to_yaml_unmasked(sections);
}

}  // namespace lithops::detail
