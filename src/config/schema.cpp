// Every configuration key, declared once: the loader, validation, `lithops config` and
// `lithops config --keys` (the reference users read) all come from this table.
#include "lithops/config.hpp"

namespace lithops {

namespace {
using T = ConfigKey::Type;

// One S3 client serves every S3-compatible service; each keeps Lithops' section name, so these
// keys are declared once here and instantiated per section.
void add_s3_section(std::vector<ConfigKey>& keys, const std::string& s, const std::string& what,
                    const std::string& default_region) {
  auto key = [&](const char* k) { return s + "." + k; };
  keys.push_back({key("endpoint"), T::string, "", {},
                  what + " endpoint URL, http:// or https://; empty: the service's public endpoint for `region`"});
  keys.push_back({key("region"), T::string, default_region, {}, "region the requests are signed for (SigV4)"});
  keys.push_back({key("access_key_id"), T::string, "", {}, "access key id"});
  keys.push_back({key("secret_access_key"), T::string, "", {}, "secret access key", true});
  keys.push_back({key("session_token"), T::string, "", {}, "session token of temporary credentials", true});
  keys.push_back({key("storage_bucket"), T::string, "", {},
                  "bucket Lithops keeps its data in (created if missing); empty: lithops-<region>-<key id>"});
  keys.push_back({key("addressing_style"), T::string, "auto", {"auto", "path", "virtual"},
                  "bucket in the path (endpoint/bucket/key) or in the host name (bucket.endpoint/key); "
                  "auto: virtual for the public service, path for a custom endpoint"});
  keys.push_back({key("multipart_threshold"), T::integer, "33554432", {},
                  "uploads of at least this many bytes go multipart, parts in parallel"});
  keys.push_back({key("multipart_chunksize"), T::integer, "16777216", {},
                  "bytes per part of multipart uploads and per range of parallel downloads (at least 5 MiB)"});
  keys.push_back({key("max_concurrency"), T::integer, "8", {},
                  "parallel requests of one multipart upload or ranged download"});
  keys.push_back({key("connect_timeout"), T::number, "10", {}, "seconds to establish a connection"});
  keys.push_back({key("read_timeout"), T::number, "60", {},
                  "seconds a request may go without receiving a byte before it is abandoned and retried"});
  keys.push_back({key("verify_ssl"), T::boolean, "true", {}, "verify the server's TLS certificate"});
}
// What the agents of every remote backend (ssh, slurm) share.
void add_agent_keys(std::vector<ConfigKey>& keys, const std::string& s, const std::string& place,
                    const std::string& idle_default) {
  auto key = [&](const char* k) { return s + "." + k; };
  keys.push_back({key("runtime"), T::string, "", {},
                  "executable already present on the " + place +
                      " to run instead of shipping the program (it must be the same build); empty: the "
                      "program publishes itself to storage and the " + place + " fetch it by build id"});
  keys.push_back({key("cache_dir"), T::string, "$HOME/.cache/lithops", {},
                  "where the " + place + " cache fetched runtimes (expanded by their shell)"});
  keys.push_back({key("idle_timeout"), T::number, idle_default, {},
                  "seconds an agent stays without work before it exits (it is started again when work comes)"});
  keys.push_back({key("heartbeat_interval"), T::number, "2", {}, "seconds between an agent's heartbeats in storage"});
  keys.push_back({key("heartbeat_timeout"), T::number, "30", {},
                  "seconds without a heartbeat after which an agent counts as lost and its calls run elsewhere"});
  keys.push_back({key("lost_call_retries"), T::integer, "2", {},
                  "times a call whose agent was lost (host down, job killed) is run again elsewhere before it "
                  "fails with WorkerCrashError"});
}

}  // namespace

const std::vector<ConfigKey>& config_schema() {
  static const std::vector<ConfigKey> keys = [] {
  std::vector<ConfigKey> keys = {
      {"lithops.backend", T::string, "localhost", {"localhost", "ssh", "slurm"},
       "compute backend that runs the calls: this machine, a list of SSH hosts, or a Slurm cluster"},
      {"lithops.storage", T::string, "localhost", {"localhost", "aws_s3", "minio", "ceph", "ibm_cos", "redis"},
       "storage backend the job model persists through"},
      {"lithops.log_level", T::string, "INFO", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "NONE"},
       "level of the 'lithops' logger on stderr"},
      {"lithops.execution_timeout", T::number, "1800", {},
       "seconds a call may run before it is killed and fails with ExecutionTimeoutError (0: no limit)"},
      {"lithops.chunksize", T::integer, "0", {},
       "calls per worker request; 0 lets the backend size batches (guided self-scheduling)"},
      {"lithops.retries", T::integer, "0", {}, "extra attempts for a call that threw, crashed or timed out"},
      {"lithops.data_cleaner", T::boolean, "true", {},
       "delete a job's temporary data in storage once its results are on the client"},
      {"lithops.monitoring_interval", T::number, "0.05", {},
       "longest period between listings of status objects in storage (storage transport); "
       "polls come faster right after new work or completions"},
      {"lithops.storage_attempts", T::integer, "10", {},
       "attempts of a storage operation that fails transiently, with exponential backoff from 20 ms "
       "up to 2 s between attempts"},
      {"lithops.progress_bar", T::boolean, "true", {},
       "draw a progress bar on stderr, when it is a terminal, for waits longer than a second"},
      {"localhost.worker_processes", T::integer, "0", {}, "worker processes in the pool; 0: one per core"},
      {"localhost.runtime", T::string, "", {},
       "executable the workers run; empty: the program's own executable (it must be the same build)"},
      {"localhost.transport", T::string, "pipe", {"pipe", "storage"},
       "how calls reach local workers: 'pipe' (fast) or 'storage' (exactly as remote backends: "
       "arguments, statuses and results only through storage)"},
      {"localhost.storage_dir", T::string, "", {},
       "directory of the localhost storage backend; empty: $TMPDIR/lithops-<user>"},
      {"localhost.storage_bucket", T::string, "storage", {}, "bucket (sub-directory) Lithops keeps its data in"},
      {"ssh.hosts", T::string, "", {},
       "hosts to run calls on: [user@]address[:port], separated by commas (or a YAML list)"},
      {"ssh.user", T::string, "", {}, "login user for hosts that do not name one; empty: ssh's default"},
      {"ssh.port", T::integer, "22", {}, "SSH port for hosts that do not name one"},
      {"ssh.key_file", T::string, "", {}, "private key (ssh -i); empty: ssh's defaults and agent"},
      {"ssh.ssh_options", T::string, "", {},
       "extra ssh options, e.g. '-o StrictHostKeyChecking=accept-new' or '-J bastion'"},
      {"ssh.worker_processes", T::integer, "0", {}, "worker processes per host; 0: one per core of the host"},
      {"ssh.start_timeout", T::number, "60", {}, "seconds a host may take to start its agent"},
      {"slurm.pilots", T::integer, "1", {},
       "pilot jobs to submit; each runs worker_processes workers and pulls calls until idle"},
      {"slurm.cpus_per_task", T::integer, "1", {}, "CPUs per pilot job (sbatch --cpus-per-task)"},
      {"slurm.worker_processes", T::integer, "0", {}, "worker processes per pilot; 0: cpus_per_task"},
      {"slurm.partition", T::string, "", {}, "partition (sbatch --partition); empty: the cluster's default"},
      {"slurm.account", T::string, "", {}, "account to charge (sbatch --account)"},
      {"slurm.qos", T::string, "", {}, "quality of service (sbatch --qos)"},
      {"slurm.time_limit", T::string, "", {}, "time limit of a pilot job (sbatch --time, e.g. 01:00:00)"},
      {"slurm.memory", T::string, "", {}, "memory per pilot's node (sbatch --mem, e.g. 4G)"},
      {"slurm.mem_per_cpu", T::string, "", {}, "memory per CPU (sbatch --mem-per-cpu)"},
      {"slurm.job_name", T::string, "lithops", {}, "name of the pilot jobs in squeue"},
      {"slurm.output", T::string, "", {},
       "file on the node for a pilot's output (sbatch --output; %j is the job id); empty: Slurm's "
       "default, slurm-<job id>.out in the directory the client runs in"},
      {"slurm.extra_args", T::string, "", {}, "more sbatch arguments, e.g. '--constraint=skylake'"},
      {"slurm.slurm_conf", T::string, "", {}, "slurm.conf of the cluster (SLURM_CONF); empty: the tools' default"},
      {"slurm.start_timeout", T::number, "600", {},
       "seconds a pilot may stay pending; then it is cancelled and, if no pilot runs, the calls fail"},
      {"redis.host", T::string, "", {}, "Redis server host; needed by redis storage and the multiprocessing primitives"},
      {"redis.port", T::integer, "6379", {}, "Redis server port"},
      {"redis.unix_socket", T::string, "", {}, "path of the server's unix socket; when set, host and port are unused"},
      {"redis.username", T::string, "", {}, "ACL user name (Redis 6+); empty: the default user"},
      {"redis.password", T::string, "", {}, "password (AUTH)", true},
      {"redis.db", T::integer, "0", {}, "database number"},
      {"redis.storage_bucket", T::string, "storage", {},
       "bucket Lithops keeps its data in (Redis buckets are key namespaces)"},
      {"redis.connect_timeout", T::number, "5", {}, "seconds to connect, and to wait for any one reply"},
      {"multiprocessing.expiry", T::number, "3600", {},
       "seconds the Redis keys of a shared object (Queue, Lock, ...) outlive the last sign of its creator: "
       "renewed while the object exists, so a killed client leaves nothing behind after this long"},
  };
  add_agent_keys(keys, "ssh", "hosts", "300");
  add_agent_keys(keys, "slurm", "nodes", "60");
  add_s3_section(keys, "aws_s3", "Amazon S3", "us-east-1");
  add_s3_section(keys, "minio", "MinIO", "us-east-1");
  add_s3_section(keys, "ceph", "Ceph RADOS Gateway", "us-east-1");
  add_s3_section(keys, "ibm_cos", "IBM Cloud Object Storage", "us-east");  // IBM's region names
  return keys;
  }();
  return keys;
}

}  // namespace lithops
