#pragma once
// The real servers the tests talk to, started by tests/servers/up.sh (ctest's `servers`
// fixture): Redis on 127.0.0.1:6390 and Ceph RGW (S3, SigV4-checking) on 127.0.0.1:7480.
// Running a test binary by hand: `bash tests/servers/up.sh build/servers` first.
#include <lithops/config.hpp>

#include <atomic>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace lithops::testing {

/// Where up.sh put the servers' state (the restart scripts need it).
inline std::string servers_dir() { return LITHOPS_TEST_SERVERS_DIR; }
inline std::string servers_scripts() { return LITHOPS_TEST_SERVERS_SCRIPTS; }

/// A bucket name no other test (or process) uses: S3 rules (3-63 chars, lowercase, digits, '-').
inline std::string unique_bucket(const std::string& stem = "t") {
  static std::atomic<int> counter{0};
  return stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

/// `c` with S3 storage on the test RGW (section `ceph`), data in `bucket`.
inline Config with_s3_storage(Config c, const std::string& bucket = "lithops-test") {
  c.set("lithops.storage", "ceph");
  c.set("ceph.endpoint", "http://127.0.0.1:7480");
  c.set("ceph.access_key_id", "AKTEST");
  c.set("ceph.secret_access_key", "SKTEST");
  c.set("ceph.storage_bucket", bucket);
  return c;
}

/// `c` with Redis storage on the test Redis, data in `bucket`.
inline Config with_redis_storage(Config c, const std::string& bucket = "storage") {
  c.set("lithops.storage", "redis");
  c.set("redis.host", "127.0.0.1");
  c.set("redis.port", 6390);
  c.set("redis.storage_bucket", bucket);
  return c;
}

/// `c` with the named storage: "localhost" (unchanged), "s3" or "redis".
inline Config with_storage(Config c, const std::string& storage) {
  if (storage == "s3") return with_s3_storage(std::move(c));
  if (storage == "redis") return with_redis_storage(std::move(c));
  return c;
}

/// Runs a script of tests/servers on the running servers, e.g. restart("rgw-start.sh", "ceph").
inline int run_server_script(const std::string& script, const std::string& sub) {
  std::string cmd = "bash '" + servers_scripts() + "/" + script + "' '" + servers_dir() + "/" + sub + "' >/dev/null";
  return std::system(cmd.c_str());
}

}  // namespace lithops::testing
