#pragma once
// Lambda's control plane (API version 2015-03-31), the calls Lithops needs: create, update,
// get, list and delete functions, and turning off Lambda's own retries of asynchronous
// invocations. Throttling and server errors are retried with exponential backoff and jitter.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compute/aws_lambda/lambda_settings.hpp"

namespace lithops::detail::lambda {

struct FunctionInfo {
  std::string name;
  std::string state;               ///< Pending, Active, Inactive, Failed ("" if not reported)
  std::string state_reason;
  std::string last_update_status;  ///< InProgress, Successful, Failed
  std::string architecture;
  std::int64_t memory_mb = 0;
  std::int64_t timeout_s = 0;
  std::int64_t code_size = 0;
  std::string build_id;            ///< the build it runs, as its description says
  std::string last_modified;
  std::string role;
  std::int64_t ephemeral_storage_mb = 0;
  std::string env_vars_json;       ///< its environment as a JSON object ("{}" if none)
};

class Api {
 public:
  explicit Api(Settings settings);

  /// nullopt if there is no such function. @throws BackendError for any other failure
  std::optional<FunctionInfo> get_function(const std::string& name) const;
  /// Every function whose name starts with `prefix`.
  std::vector<FunctionInfo> list_functions(const std::string& prefix) const;
  /// Creates the function from a zip, for `build_id`. @throws ConfigError when Lambda refuses
  ///   the role or a setting (naming the key), BackendError otherwise
  void create_function(const std::string& name, const std::string& zip, const std::string& build_id) const;
  void update_function_code(const std::string& name, const std::string& zip) const;
  /// Whether the function's settings (role, timeout, /tmp, environment) differ from ours.
  bool configuration_differs(const FunctionInfo& f) const;
  /// Sets them to ours.
  void update_function_configuration(const std::string& name, const std::string& build_id) const;
  /// true if it existed.
  bool delete_function(const std::string& name) const;
  /// Asynchronous invocations are never retried by Lambda itself (a retry would run an agent
  /// twice), and not kept queued longer than the function's timeout.
  void disable_async_retries(const std::string& name) const;
  /// Waits until the function is Active and its last update done. @throws BackendError if it
  ///   failed (with Lambda's reason) or took longer than `timeout_s`.
  FunctionInfo wait_ready(const std::string& name, double timeout_s) const;

  const Settings& settings() const { return s_; }

 private:
  aws::HttpResponse call(const char* action, const std::string& method, const std::string& path,
                         const std::string& body = "") const;
  [[noreturn]] void fail(const char* action, const std::string& name, const aws::HttpResponse& r) const;
  std::string function_config_json(const std::string& name, const std::string& build_id) const;

  Settings s_;
};

}  // namespace lithops::detail::lambda
