#pragma once
// Deploying the program as a Lambda function: one function per build id, memory size and
// architecture (its name says which), created from a zip whose `bootstrap` is the executable.
#include <string>

#include "compute/aws_lambda/lambda_api.hpp"

namespace lithops::detail::lambda {

struct DeployResult {
  std::string function_name;
  std::string build_id;
  enum class What { existed, created, updated } what = What::existed;
  std::uint64_t zip_bytes = 0;
};

/// Makes sure the function for `executable` exists and is ready; `update`: upload the code
/// again even if it exists. @throws ConfigError (package too large, glibc too new, role or
///   credentials refused), BackendError (Lambda failed)
DeployResult deploy(const Api& api, const std::string& executable, bool update);

/// `deploy` of an executable whose build id is known.
DeployResult deploy_build(const Api& api, const std::string& executable, const std::string& build, bool update);

/// The running program's own function (its build id and settings).
DeployResult deploy_self(const Api& api);

}  // namespace lithops::detail::lambda
