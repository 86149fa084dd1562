#pragma once
// The compute backends, one row each: the only place that knows them by name. The schema's
// choices for `lithops.backend` and each backend's configuration section, the factory, the
// error messages, the CLI and the tests all read this table, so a new backend is its own
// folder plus one row in backend_table.cpp.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lithops/config.hpp"

namespace lithops::detail {

class ComputeBackend;
class StorageBackend;
class RuntimeManager;

struct ComputeBackendRow {
  std::string name;         ///< the value of `lithops.backend`, and the name of its section
  std::string description;  ///< one line, for the schema's documentation of `lithops.backend`
  /// Runs calls on other machines: calls always travel through storage, and that storage must
  /// be reachable from there (not the localhost directory).
  bool remote = false;
  /// The storage its workers reach with credentials they find where they run (a cloud
  /// function's role: "aws_s3" for aws_lambda). With that storage, no credential travels in an
  /// invocation payload or a job manifest; any other storage's must.
  std::string role_storage;
  /// The key a multiprocessing Pool(processes) sets to size the backend; empty: none (remote
  /// hosts size themselves from their own configuration).
  std::string pool_size_key;
  /// Declares the keys of its configuration section(s).
  std::function<void(std::vector<ConfigKey>&)> declare_keys;
  std::function<std::unique_ptr<ComputeBackend>(const Config&, std::shared_ptr<StorageBackend>)> make;
  /// Runtimes the backend keeps itself (cloud functions); null: it runs those in storage.
  std::function<std::unique_ptr<RuntimeManager>(const Config&)> runtimes = nullptr;
};

/// Every compute backend, in the order the schema lists them.
const std::vector<ComputeBackendRow>& compute_backends();
/// The row of `name`. @throws ConfigError naming `lithops.backend` and the valid choices
const ComputeBackendRow& compute_backend(std::string_view name);
/// Whether `config`'s workers find their storage credentials themselves (see role_storage).
bool workers_have_storage_credentials(const Config& config);
std::vector<std::string> compute_backend_names();

}  // namespace lithops::detail
