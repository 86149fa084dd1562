#include "storage/storage_backend.hpp"

#include <fmt/format.h>

#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "storage/localhost/localhost_storage.hpp"
#include "storage/retrying_storage.hpp"

namespace lithops::detail {

void StorageBackend::delete_prefix(const std::string& bucket, const std::string& prefix) {
  delete_objects(bucket, list_keys(bucket, prefix));
}

std::unique_ptr<StorageBackend> make_storage(const Config& config) {
  std::string name = config.get_string("lithops.storage");
  const auto attempts = static_cast<int>(config.get_int("lithops.storage_attempts"));
  if (name == "localhost") return std::make_unique<RetryingStorage>(std::make_unique<LocalhostStorage>(config), attempts);
  // The schema's choices make this unreachable; kept so a new choice without a backend fails loudly.
  throw ConfigError("lithops.storage: no backend implements '" + name + "'");
}

std::string worker_storage_config(const Config& config) {
  // Only what opening the same storage takes: `lithops.storage` and the backend's own section.
  std::string name = config.get_string("lithops.storage");
  return "lithops:\n  storage: " + name + "\n" + config.to_yaml_unmasked({name});
}

}  // namespace lithops::detail
