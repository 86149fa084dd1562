#include "compute/compute_backend.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "compute/backend_table.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "storage/backend_table.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

bool is_remote_backend(const std::string& name) { return compute_backend(name).remote; }

std::unique_ptr<ComputeBackend> make_compute_backend(const Config& config, std::shared_ptr<StorageBackend> storage) {
  const auto& row = compute_backend(config.get_string("lithops.backend"));
  const auto& st = storage_backend(config.get_string("lithops.storage"));
  if (row.remote && !st.reachable_remotely) {
    std::vector<std::string> ok;
    for (const auto& s : storage_backends())
      if (s.reachable_remotely) ok.push_back(s.name);
    throw ConfigError(fmt::format(
        "lithops.storage: backend '{}' runs calls on other machines, which cannot reach the {} storage ({}); "
        "choose one of {}",
        row.name, st.name, st.description, fmt::join(ok, ", ")));
  }
  return row.make(config, std::move(storage));
}

}  // namespace lithops::detail
