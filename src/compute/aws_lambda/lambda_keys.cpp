// The `aws_lambda` section, with Lithops' key names and defaults.
#include "compute/aws_lambda/lambda_launcher.hpp"
#include "compute/remote/remote_backend.hpp"

namespace lithops::detail {

void declare_lambda_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.insert(keys.end(), {
      {"aws_lambda.execution_role", T::string, "", {},
       "ARN of the IAM role the functions run as (required): it must let Lambda assume it and reach the "
       "storage bucket, e.g. arn:aws:iam::123456789012:role/lithops-execution-role"},
      {"aws_lambda.region", T::string, "", {}, "region of the functions; empty: aws.region, then the AWS defaults"},
      {"aws_lambda.endpoint", T::string, "", {},
       "Lambda API endpoint URL; empty: https://lambda.<region>.amazonaws.com (set it for a compatible service)"},
      {"aws_lambda.runtime_memory", T::integer, "256", {}, "memory of a function in MB, 128 to 10240"},
      {"aws_lambda.runtime_timeout", T::integer, "180", {},
       "seconds an invocation may run, up to 900; an agent stops taking work before it ends and a call "
       "still running then fails with ExecutionTimeoutError"},
      {"aws_lambda.max_workers", T::integer, "1000", {}, "functions invoked at once, at most"},
      {"aws_lambda.worker_processes", T::integer, "1", {}, "worker processes inside each function"},
      {"aws_lambda.invoke_pool_threads", T::integer, "64", {}, "invocation requests in flight at once"},
      {"aws_lambda.architecture", T::string, "x86_64", {"x86_64", "arm64"},
       "instruction set of the functions; it must be the program's own"},
      {"aws_lambda.ephemeral_storage", T::integer, "512", {}, "MB of /tmp in each function, 512 to 10240"},
      {"aws_lambda.namespace", T::string, "", {}, "prefix of the function names, to keep apart several users"},
      {"aws_lambda.env_vars", T::string, "", {},
       "environment of the functions: a YAML map (NAME: value), or JSON text in code"},
      {"aws_lambda.user_tags", T::string, "", {}, "tags of the functions: a YAML map, or JSON text in code"},
      {"aws_lambda.vpc", T::string, "", {},
       "VPC of the functions: a YAML map with subnets and security_groups lists, or JSON text in code"},
      {"aws_lambda.efs", T::string, "", {},
       "EFS file systems to mount: a YAML list of maps with access_point and mount_path"},
      {"aws_lambda.start_timeout", T::number, "120", {},
       "seconds from an invocation to the agent's first heartbeat before the invocation counts as failed"},
  });
  declare_agent_keys(keys, "aws_lambda", "functions", "10", false);
}

}  // namespace lithops::detail
