#pragma once
// The `aws_lambda` section read and checked once, with the credentials and region found by
// the AWS chains (`aws_lambda`, then `aws`, then the environment and the ~/.aws profiles).
#include <cstdint>
#include <string>

#include "cloud/aws/aws_http.hpp"
#include "lithops/config.hpp"

namespace lithops::detail::lambda {

struct Settings {
  aws::ServiceEndpoint api;      ///< Lambda's API: control plane and invocations
  std::string credentials_source;  ///< where the credentials were found (safe to log)
  std::string execution_role;
  std::int64_t memory_mb = 256;
  std::int64_t timeout_s = 180;
  std::uint32_t max_workers = 1000;
  std::uint32_t worker_processes = 1;
  std::uint32_t invoke_pool_threads = 64;
  std::string architecture = "x86_64";
  std::int64_t ephemeral_storage_mb = 512;
  std::string name_space;
  std::string env_vars_json, user_tags_json, vpc_json, efs_json;  ///< "" or a JSON object/array
  double start_timeout = 120;

  /// @throws ConfigError naming the key, its valid values and, for credentials, every place
  ///   they were looked for.
  static Settings from_config(const Config& config);

  /// The function that runs `build_id` with this memory size and architecture:
  /// `lithops-cpp[-<namespace>]-<build id prefix>-<memory>MB-<arch>` (Lambda allows 64 characters).
  std::string function_name(const std::string& build_id) const;
  /// The prefix every function this namespace created starts with (`lithops clean`, `list`).
  std::string function_prefix() const;
};

}  // namespace lithops::detail::lambda
