#include "compute/compute_backend.hpp"

#include "compute/localhost/localhost_backend.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"

namespace lithops::detail {

std::unique_ptr<ComputeBackend> make_compute_backend(const Config& config) {
  std::string name = config.get_string("lithops.backend");
  if (name == "localhost") return std::make_unique<LocalhostBackend>(config);
  throw ConfigError("lithops.backend: no backend implements '" + name + "'");
}

}  // namespace lithops::detail
