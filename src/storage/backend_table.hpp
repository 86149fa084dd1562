#pragma once
// The storage backends, one row each: the only place that knows them by name. The schema's
// choices for `lithops.storage` and each backend's section, make_storage, the error messages,
// the CLI and the tests read this table: a new backend is its own folder plus one row in
// backend_table.cpp.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lithops/config.hpp"

namespace lithops::detail {

class StorageBackend;

struct StorageBackendRow {
  std::string name;         ///< the value of `lithops.storage`, and the name of its section
  std::string description;  ///< a few words, for messages and the schema's documentation
  /// Other machines can reach it (anything but a directory on this machine).
  bool reachable_remotely = true;
  /// Speaks the S3 API (one implementation, one section per service).
  bool s3 = false;
  std::function<void(std::vector<ConfigKey>&)> declare_keys;
  /// The bare backend; make_storage adds the decorators.
  std::function<std::unique_ptr<StorageBackend>(const Config&)> make;
};

/// Every storage backend, in the order the schema lists them.
const std::vector<StorageBackendRow>& storage_backends();
/// The row of `name`. @throws ConfigError naming `lithops.storage` and the valid choices
const StorageBackendRow& storage_backend(std::string_view name);

}  // namespace lithops::detail
