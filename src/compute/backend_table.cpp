#include "compute/backend_table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "compute/aws_lambda/lambda_launcher.hpp"
#include "compute/localhost/localhost_backend.hpp"
#include "compute/remote/remote_backend.hpp"
#include "compute/slurm/slurm_launcher.hpp"
#include "compute/ssh/ssh_launcher.hpp"
#include "compute/runtime_manager.hpp"
#include "lithops/errors.hpp"

namespace lithops::detail {

namespace {

// Every agent-based backend is one RemoteBackend over its launcher.
template <class Launcher>
std::unique_ptr<ComputeBackend> remote(const Config& c, std::shared_ptr<StorageBackend> storage) {
  auto launcher = std::make_unique<Launcher>(c);
  RemoteOptions options = remote_options(c, launcher->backend_name());
  options.workers_have_credentials = workers_have_storage_credentials(c);
  return std::make_unique<RemoteBackend>(c, std::move(storage), std::move(launcher), std::move(options));
}

}  // namespace

const std::vector<ComputeBackendRow>& compute_backends() {
  static const std::vector<ComputeBackendRow> rows = {
      {"localhost", "this machine's cores", false, "", "localhost.worker_processes", declare_localhost_compute_keys,
       [](const Config& c, std::shared_ptr<StorageBackend>) -> std::unique_ptr<ComputeBackend> {
         return std::make_unique<LocalhostBackend>(c);
       }},
      {"ssh", "a list of SSH hosts", true, "", "", declare_ssh_keys, remote<SshLauncher>},
      {"slurm", "a Slurm cluster (pilot jobs)", true, "", "", declare_slurm_keys, remote<SlurmLauncher>},
      {"aws_lambda", "AWS Lambda functions running the program itself as a custom runtime", true, "aws_s3",
       "aws_lambda.max_workers", declare_lambda_keys, remote<LambdaLauncher>, make_lambda_runtimes},
  };
  return rows;
}

bool workers_have_storage_credentials(const Config& config) {
  const auto& role_storage = compute_backend(config.get_string("lithops.backend")).role_storage;
  return !role_storage.empty() && role_storage == config.get_string("lithops.storage");
}

std::vector<std::string> compute_backend_names() {
  std::vector<std::string> names;
  for (const auto& r : compute_backends()) names.push_back(r.name);
  return names;
}

const ComputeBackendRow& compute_backend(std::string_view name) {
  for (const auto& r : compute_backends())
    if (r.name == name) return r;
  throw ConfigError(fmt::format("lithops.backend: no compute backend '{}' (valid choices: {})", name,
                                fmt::join(compute_backend_names(), ", ")));
}

}  // namespace lithops::detail
