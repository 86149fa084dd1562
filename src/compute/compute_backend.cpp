#include "compute/compute_backend.hpp"

#include "compute/localhost/localhost_backend.hpp"
#include "compute/remote/remote_backend.hpp"
#include "compute/slurm/slurm_launcher.hpp"
#include "compute/ssh/ssh_launcher.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"
#include "storage/storage_backend.hpp"

namespace lithops::detail {

namespace {

RemoteOptions remote_options(const Config& c, const std::string& s) {
  RemoteOptions o;
  o.lost_call_retries = static_cast<std::uint32_t>(c.get_int(s + ".lost_call_retries"));
  o.idle_timeout = c.get_double(s + ".idle_timeout");
  o.heartbeat_interval = c.get_double(s + ".heartbeat_interval");
  o.heartbeat_timeout = c.get_double(s + ".heartbeat_timeout");
  o.poll_interval = c.get_double("lithops.monitoring_interval");
  o.cache_dir = c.get_string(s + ".cache_dir");
  o.runtime_path = c.get_string(s + ".runtime");
  return o;
}

}  // namespace

bool is_remote_backend(const std::string& name) { return name == "ssh" || name == "slurm"; }

std::unique_ptr<ComputeBackend> make_compute_backend(const Config& config, std::shared_ptr<StorageBackend> storage) {
  std::string name = config.get_string("lithops.backend");
  if (name == "localhost") return std::make_unique<LocalhostBackend>(config);
  if (is_remote_backend(name) && config.get_string("lithops.storage") == "localhost")
    throw ConfigError("lithops.storage: backend '" + name +
                      "' runs calls on other machines, which cannot reach the localhost storage (a directory on "
                      "this machine); choose one of aws_s3, minio, ceph, ibm_cos, redis");
  if (name == "ssh")
    return std::make_unique<RemoteBackend>(config, std::move(storage), std::make_unique<SshLauncher>(config),
                                           remote_options(config, "ssh"));
  if (name == "slurm")
    return std::make_unique<RemoteBackend>(config, std::move(storage), std::make_unique<SlurmLauncher>(config),
                                           remote_options(config, "slurm"));
  throw ConfigError("lithops.backend: no backend implements '" + name + "'");
}

}  // namespace lithops::detail
