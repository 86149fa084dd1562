// The localhost compute backend's keys (the `localhost` section, shared with localhost storage).
#include "compute/localhost/localhost_backend.hpp"

namespace lithops::detail {

void declare_localhost_compute_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.insert(keys.end(), {
      {"localhost.worker_processes", T::integer, "0", {}, "worker processes in the pool; 0: one per core"},
      {"localhost.runtime", T::string, "", {},
       "executable the workers run; empty: the program's own executable (it must be the same build)"},
      {"localhost.transport", T::string, "pipe", {"pipe", "storage"},
       "how calls reach local workers: 'pipe' (fast) or 'storage' (exactly as remote backends: "
       "arguments, statuses and results only through storage)"},
  });
}

}  // namespace lithops::detail
