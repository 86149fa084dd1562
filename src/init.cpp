#include "lithops/init.hpp"

#include <cstdlib>

#include "core/protocol.hpp"
#include "worker/worker_main.hpp"

namespace lithops {

namespace {
bool g_worker = false;
}

void init(int, char**) {
  if (std::getenv(detail::kWorkerEnv) == nullptr) return;
  // Unset so that an executor created inside a call (a nested executor) is a client.
  ::unsetenv(detail::kWorkerEnv);
  g_worker = true;
  detail::run_worker_process();
}

bool is_worker() noexcept { return g_worker; }

const char* version() noexcept { return LITHOPS_VERSION; }

}  // namespace lithops
