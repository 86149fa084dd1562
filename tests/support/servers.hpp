#pragma once
// The real servers the tests talk to, started by tests/servers/up.sh (ctest's `servers`
// fixture): Redis on 6390 and Ceph RGW (S3, SigV4-checking) on 7480, both on 127.0.0.1 and on
// 10.200.0.1 (the bridge the SSH hosts h1..h3 reach), and a one-node Slurm cluster.
// Running a test binary by hand: `bash tests/servers/up.sh build/servers` first.
#include <lithops/config.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
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

/// The test servers' address: loopback, or the bridge that the namespace hosts reach.
inline std::string server_address(bool for_hosts) { return for_hosts ? "10.200.0.1" : "127.0.0.1"; }

/// `c` with S3 storage on the test RGW (section `ceph`), data in `bucket`.
inline Config with_s3_storage(Config c, const std::string& bucket = "lithops-test", bool for_hosts = false) {
  c.set("lithops.storage", "ceph");
  c.set("ceph.endpoint", "http://" + server_address(for_hosts) + ":7480");
  c.set("ceph.access_key_id", "AKTEST");
  c.set("ceph.secret_access_key", "SKTEST");
  c.set("ceph.storage_bucket", bucket);
  return c;
}

/// `c` with Redis storage on the test Redis, data in `bucket`.
inline Config with_redis_storage(Config c, const std::string& bucket = "storage", bool for_hosts = false) {
  c.set("lithops.storage", "redis");
  c.set("redis.host", server_address(for_hosts));
  c.set("redis.port", 6390);
  c.set("redis.storage_bucket", bucket);
  return c;
}

/// The moto AWS server of up.sh (moto-up.sh): signatures checked with this IAM user's keys.
struct Moto {
  std::string endpoint;  ///< http://127.0.0.1:5000
  std::string access_key_id, secret_access_key;
  std::string role_arn;  ///< an IAM role Lambda may assume
};

inline Moto moto() {
  Moto m;
  const std::string dir = servers_dir() + "/moto";
  std::ifstream creds(dir + "/credentials");
  for (std::string line; std::getline(creds, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "AWS_ACCESS_KEY_ID") m.access_key_id = v;
    if (k == "AWS_SECRET_ACCESS_KEY") m.secret_access_key = v;
    if (k == "AWS_ENDPOINT_URL") m.endpoint = v;
  }
  std::ifstream(dir + "/role_arn") >> m.role_arn;
  return m;
}

/// `c` with `aws_s3` storage on moto's S3, data in `bucket` (created if missing).
inline Config with_moto_storage(Config c, const std::string& bucket) {
  const Moto m = moto();
  c.set("lithops.storage", "aws_s3");
  c.set("aws_s3.endpoint", m.endpoint);
  c.set("aws_s3.region", "us-east-1");
  c.set("aws_s3.access_key_id", m.access_key_id);
  c.set("aws_s3.secret_access_key", m.secret_access_key);
  c.set("aws_s3.storage_bucket", bucket);
  return c;
}

/// Azurite of up.sh (azurite-up.sh): an account whose key is drawn each run; signatures checked.
struct Azurite {
  std::string account, key;
  std::string endpoint;  ///< http://127.0.0.1:10000/<account>
};

inline Azurite azurite() {
  Azurite a;
  std::ifstream creds(servers_dir() + "/azurite/credentials");
  for (std::string line; std::getline(creds, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "AZURE_ACCOUNT") a.account = v;
    if (k == "AZURE_KEY") a.key = v;
    if (k == "AZURE_ENDPOINT") a.endpoint = v;
  }
  return a;
}

/// `c` with `azure_storage` on Azurite, data in container `bucket` (created if missing).
inline Config with_azure_storage(Config c, const std::string& bucket) {
  const Azurite a = azurite();
  c.set("lithops.storage", "azure_storage");
  c.set("azure_storage.endpoint", a.endpoint);
  c.set("azure_storage.storage_account_name", a.account);
  c.set("azure_storage.storage_account_key", a.key);
  c.set("azure_storage.storage_bucket", bucket);
  return c;
}

/// fake-gcs-server of up.sh (gcs-up.sh): Google Cloud Storage's JSON API, no authorization checked.
struct FakeGcs {
  std::string endpoint;  ///< http://127.0.0.1:4443
};

inline FakeGcs gcs() {
  FakeGcs g;
  std::ifstream(servers_dir() + "/gcs/endpoint") >> g.endpoint;
  return g;
}

/// `c` with `gcp_storage` on fake-gcs-server (its endpoint, no credentials), data in `bucket`
/// (created if missing).
inline Config with_gcs_storage(Config c, const std::string& bucket) {
  c.set("lithops.storage", "gcp_storage");
  c.set("gcp_storage.endpoint", gcs().endpoint);
  c.set("gcp_storage.storage_bucket", bucket);
  return c;
}

/// OpenStack Swift of up.sh (swift-up.sh): one proxy that takes TempAuth's and a real Keystone
/// v3's tokens; passwords are drawn each run.
struct SwiftServer {
  std::string tempauth_url, user, key;                                  ///< TempAuth (v1)
  std::string keystone_url, user_id, project_id, password, region;      ///< Keystone v3
  std::string tempauth_storage_url;  ///< TempAuth's account: http://127.0.0.1:8080/v1/TEMPAUTH_test
};

inline SwiftServer swift() {
  SwiftServer s;
  std::ifstream creds(servers_dir() + "/swift/credentials");
  for (std::string line; std::getline(creds, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "SWIFT_TEMPAUTH_URL") s.tempauth_url = v;
    if (k == "SWIFT_USER") s.user = v;
    if (k == "SWIFT_KEY") s.key = v;
    if (k == "SWIFT_KEYSTONE_URL") s.keystone_url = v;
    if (k == "SWIFT_USER_ID") s.user_id = v;
    if (k == "SWIFT_PROJECT_ID") s.project_id = v;
    if (k == "SWIFT_PASSWORD") s.password = v;
    if (k == "SWIFT_REGION") s.region = v;
    if (k == "SWIFT_STORAGE_URL") s.tempauth_storage_url = v;
  }
  return s;
}

/// `c` with `swift` on the test Swift, data in container `bucket` (created if missing),
/// authenticated by Keystone v3 (user id, password, project id, region) or by TempAuth.
inline Config with_swift_storage(Config c, const std::string& bucket, bool keystone = true) {
  const SwiftServer s = swift();
  c.set("lithops.storage", "swift");
  if (keystone) {
    c.set("swift.auth_url", s.keystone_url);
    c.set("swift.user_id", s.user_id);
    c.set("swift.project_id", s.project_id);
    c.set("swift.password", s.password);
    c.set("swift.region", s.region);
  } else {
    c.set("swift.auth_url", s.tempauth_url);
    c.set("swift.user", s.user);
    c.set("swift.key", s.key);
  }
  c.set("swift.storage_bucket", bucket);
  return c;
}

/// `c` with the named storage: "localhost" (unchanged), "s3", "moto" (moto's S3), "azure" (Azurite), "gcs"
/// (fake-gcs-server), "swift" (Swift through Keystone) or "redis"; `for_hosts`: at the
/// address the namespace hosts reach too.
inline Config with_storage(Config c, const std::string& storage, bool for_hosts = false) {
  if (storage == "s3") return with_s3_storage(std::move(c), "lithops-test", for_hosts);
  if (storage == "redis") return with_redis_storage(std::move(c), "storage", for_hosts);
  if (storage == "moto") return with_moto_storage(std::move(c), "lithops-test-moto");
  if (storage == "azure") return with_azure_storage(std::move(c), "lithops-test-azure");
  if (storage == "gcs") return with_gcs_storage(std::move(c), "lithops-test-gcs");
  if (storage == "swift") return with_swift_storage(std::move(c), "lithops-test-swift");
  return c;
}

/// The test hosts of the SSH backend: network namespaces h1..h3 (tests/servers/net-up.sh).
inline std::string ssh_hosts() { return "root@10.200.0.11, root@10.200.0.12, root@10.200.0.13"; }

/// `c` on aws_lambda through this test binary's emulator fleet (lambda_fleet.hpp).
inline Config with_lambda_backend(Config c);

/// `c` on the named compute backend: "localhost" (unchanged), "ssh" (the 3 namespace hosts,
/// `workers` in all, at least one each), "slurm" (one pilot of `workers` CPUs on the local
/// cluster) or "aws_lambda" (this binary's fleet of Lambda emulators, one worker each).
inline Config with_backend(Config c, const std::string& backend, int workers) {
  const std::string cache = servers_dir() + "/runtime-cache";  // shared by the hosts: one disk
  if (backend == "ssh") {
    c.set("lithops.backend", "ssh");
    c.set("ssh.hosts", ssh_hosts());
    c.set("ssh.key_file", servers_dir() + "/net/id_ed25519");
    c.set("ssh.ssh_options", "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null");
    c.set("ssh.worker_processes", std::max(1, workers / 3));
    c.set("ssh.cache_dir", cache);
  } else if (backend == "slurm") {
    c.set("lithops.backend", "slurm");
    c.set("slurm.slurm_conf", servers_dir() + "/slurm/slurm.conf");
    c.set("slurm.cpus_per_task", workers);
    c.set("slurm.output", servers_dir() + "/slurm/pilot-%j.out");
    c.set("slurm.cache_dir", cache);
  } else if (backend == "aws_lambda") {
    c = with_lambda_backend(std::move(c));
  }
  return c;
}

/// Runs a script of tests/servers on the running servers, e.g. restart("rgw-start.sh", "ceph").
inline int run_server_script(const std::string& script, const std::string& sub) {
  std::string cmd = "bash '" + servers_scripts() + "/" + script + "' '" + servers_dir() + "/" + sub + "' >/dev/null";
  return std::system(cmd.c_str());
}

}  // namespace lithops::testing

#include "lambda_fleet.hpp"  // defines with_lambda_backend (it needs the helpers above)
