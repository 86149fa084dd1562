#include "lithops/init.hpp"

#include <openssl/crypto.h>

#include <cstdlib>

#include "compute/localhost/fork_server.hpp"
#include "core/protocol.hpp"
#include "compute/aws_lambda/lambda_runtime.hpp"
#include "compute/remote/agent_main.hpp"
#include "worker/worker_main.hpp"

namespace lithops {

namespace {
bool g_worker = false;
}

void init(int, char**) {
  // OpenSSL (SHA-256 of S3 payloads, SHA-1 of Redis scripts, libcurl's TLS) otherwise frees its
  // global state in an atexit handler. A call that runs exit() in a worker would then pull it
  // from under the thread still writing that worker's statuses, and a clean exit code would
  // become a SIGSEGV. The OS reclaims it all at exit anyway.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
  if (std::getenv(detail::kLambdaRuntimeApiEnv) != nullptr && std::getenv(detail::kWorkerEnv) == nullptr &&
      std::getenv(detail::kAgentEnv) == nullptr) {
    // Started by Lambda as the function's `bootstrap`: serve invocations. Its workers are
    // spawned from this same executable, as workers (kWorkerEnv set), so they come below.
    g_worker = true;
    detail::run_lambda_runtime();
  }
  if (std::getenv(detail::kAgentEnv) != nullptr && std::getenv(detail::kWorkerEnv) == nullptr) {
    // Agent mode (a remote host): its workers are spawned from this same executable, as workers.
    ::unsetenv(detail::kAgentEnv);
    g_worker = true;
    detail::run_agent_process();
  }
  if (std::getenv(detail::kWorkerEnv) == nullptr) {
    // A client. Its fork server returns here a second time, in each worker it forks.
    if (!detail::start_fork_server()) return;
  } else {
    // Unset so that an executor created inside a call (a nested executor) is a client.
    ::unsetenv(detail::kWorkerEnv);
  }
  g_worker = true;
  detail::run_worker_process();
}

bool is_worker() noexcept { return g_worker; }

const char* version() noexcept { return LITHOPS_VERSION; }

}  // namespace lithops
