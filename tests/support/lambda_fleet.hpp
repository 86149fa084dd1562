#pragma once
// The aws_lambda backend for the shared end-to-end suites: a fleet of AWS Lambda Runtime
// Interface Emulators (tests/servers/lambda-fleet-up.sh) running the test binary itself from its
// own deployment package, unzipped as Lambda unzips it. ctest runs each test case in a process
// of its own, so the first process of a binary starts the fleet and the others reuse it (a
// lock serialises them); `down.sh` stops every fleet with the other servers.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "compute/aws_lambda/package.hpp"
#include "core/build_id.hpp"
#include "servers.hpp"
#include "zip_support.hpp"

namespace lithops::testing {

/// Environments (RIE processes) in each binary's fleet.
inline constexpr int kLambdaFleetSize = 3;

namespace detail_fleet {

// Holds an exclusive flock on `path` for its lifetime.
struct FileLock {
  int fd;
  explicit FileLock(const std::string& path) : fd(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
    if (fd >= 0) ::flock(fd, LOCK_EX);
  }
  ~FileLock() {
    if (fd >= 0) ::close(fd);
  }
};

inline bool fleet_running(const std::string& dir) {
  std::string pid;
  std::ifstream(dir + "/nginx/nginx.pid") >> pid;
  return !pid.empty() && std::filesystem::exists("/proc/" + pid) &&
         std::system(("curl -sf -m 2 -o /dev/null http://127.0.0.1:" +
                      [&] {
                        std::string p;
                        std::ifstream(dir + "/port") >> p;
                        return p;
                      }() +
                      "/lithops-fleet-health")
                         .c_str()) == 0;
}

}  // namespace detail_fleet

/// The endpoint of this binary's fleet ("http://127.0.0.1:PORT"), started if needed; "" if it
/// cannot start (the test then fails on its first call, saying so in the fleet's logs).
inline std::string lambda_fleet_endpoint() {
  static const std::string endpoint = [] {
    namespace fs = std::filesystem;
    const std::string id = lithops::detail::build_id().substr(0, 12);
    const std::string dir = servers_dir() + "/lambda-" + id;
    detail_fleet::FileLock lock(servers_dir() + "/lambda-fleets.lock");
    std::string port;
    if (detail_fleet::fleet_running(dir)) {
      std::ifstream(dir + "/port") >> port;
      return "http://127.0.0.1:" + port;
    }
    // A port range of its own: fleets take consecutive slots (nginx's PORT-1 .. RIEs' PORT+2N).
    int slot = 0;
    std::ifstream(servers_dir() + "/lambda-fleets.next") >> slot;
    std::ofstream(servers_dir() + "/lambda-fleets.next") << slot + 1;
    const int p = 9500 + 20 * (slot % 40);
    const std::string task = dir + "-task";
    fs::remove_all(task);
    auto pkg = lithops::detail::lambda::build_package(lithops::detail::self_executable());
    extract(unzip(pkg.zip), task);
    const Moto m = moto();
    std::string cmd = "env LAMBDA_TASK_ROOT='" + task + "' AWS_ACCESS_KEY_ID='" + m.access_key_id +
                      "' AWS_SECRET_ACCESS_KEY='" + m.secret_access_key +
                      "' AWS_LAMBDA_FUNCTION_TIMEOUT=120 bash '" + servers_scripts() + "/lambda-fleet-up.sh' '" + dir +
                      "' " + std::to_string(kLambdaFleetSize) + " '" + task + "/bootstrap' " + std::to_string(p) +
                      " >/dev/null";
    if (std::system(cmd.c_str()) != 0) return std::string();
    return "http://127.0.0.1:" + std::to_string(p);
  }();
  return endpoint;
}

/// `c` on aws_lambda through this binary's fleet, with moto's credentials and role; storage as
/// `c` has it (the suites use moto's S3).
inline Config with_lambda_backend(Config c) {
  const Moto m = moto();
  c.set("lithops.backend", "aws_lambda");
  c.set("aws.access_key_id", m.access_key_id);
  c.set("aws.secret_access_key", m.secret_access_key);
  c.set("aws.region", "us-east-1");
  c.set("aws_lambda.endpoint", lambda_fleet_endpoint());
  c.set("aws_lambda.execution_role", m.role_arn);
  c.set("aws_lambda.namespace", "suites");
  c.set("aws_lambda.max_workers", kLambdaFleetSize);
  c.set("aws_lambda.runtime_timeout", 120);
  c.set("aws_lambda.idle_timeout", 1.0);
  c.set("aws_lambda.heartbeat_interval", 0.5);
  return c;
}

}  // namespace lithops::testing
