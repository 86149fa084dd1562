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
}  // namespace

const std::vector<ConfigKey>& config_schema() {
  static const std::vector<ConfigKey> keys = [] {
  std::vector<ConfigKey> keys = {
      {"lithops.backend", T::string, "localhost", {"localhost"}, "compute backend that runs the calls"},
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
      {"redis.host", T::string, "127.0.0.1", {}, "Redis server host"},
      {"redis.port", T::integer, "6379", {}, "Redis server port"},
      {"redis.unix_socket", T::string, "", {}, "path of the server's unix socket; when set, host and port are unused"},
      {"redis.username", T::string, "", {}, "ACL user name (Redis 6+); empty: the default user"},
      {"redis.password", T::string, "", {}, "password (AUTH)", true},
      {"redis.db", T::integer, "0", {}, "database number"},
      {"redis.storage_bucket", T::string, "storage", {},
       "bucket Lithops keeps its data in (Redis buckets are key namespaces)"},
      {"redis.connect_timeout", T::number, "5", {}, "seconds to connect, and to wait for any one reply"},
  };
  add_s3_section(keys, "aws_s3", "Amazon S3", "us-east-1");
  add_s3_section(keys, "minio", "MinIO", "us-east-1");
  add_s3_section(keys, "ceph", "Ceph RADOS Gateway", "us-east-1");
  add_s3_section(keys, "ibm_cos", "IBM Cloud Object Storage", "us-east");  // IBM's region names
  return keys;
  }();
  return keys;
}

}  // namespace lithops
