#include "compute/aws_lambda/lambda_settings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "cloud/aws/aws_config.hpp"
#include "cloud/aws/credentials.hpp"
#include "lithops/errors.hpp"

namespace lithops::detail::lambda {

namespace {

std::int64_t in_range(const Config& c, const char* key, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = c.get_int(key);
  if (v < lo || v > hi) throw ConfigError(fmt::format("{}: {} is out of range (valid: {} to {})", key, v, lo, hi));
  return v;
}

// A structured key (a YAML map or list in the file, JSON text in code), checked now so that a
// typo fails before any function is created.
std::string json_value(const Config& c, const char* key, bool object) {
  std::string text = c.get_string(key);
  if (text.empty()) return text;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || (object ? !j.is_object() : !j.is_array()))
    throw ConfigError(fmt::format("{}: expected {} (in YAML, or as JSON text in code)", key,
                                  object ? "a map of names to values" : "a list"));
  return j.dump();
}

bool valid_name_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'; }

}  // namespace

Settings Settings::from_config(const Config& c) {
  Settings s;
  s.execution_role = c.get_string("aws_lambda.execution_role");
  if (s.execution_role.empty())
    throw ConfigError(
        "aws_lambda.execution_role: required: the ARN of an IAM role that Lambda may assume and that can read and "
        "write the storage bucket (e.g. arn:aws:iam::123456789012:role/lithops-execution-role); see "
        "docs/backends/aws_lambda.md");
  if (s.execution_role.rfind("arn:", 0) != 0)
    throw ConfigError(fmt::format("aws_lambda.execution_role: '{}' is not a role ARN (arn:aws:iam::<account>:role/<name>)",
                                  s.execution_role));
  s.memory_mb = in_range(c, "aws_lambda.runtime_memory", 128, 10240);
  s.timeout_s = in_range(c, "aws_lambda.runtime_timeout", 3, 900);
  s.max_workers = static_cast<std::uint32_t>(in_range(c, "aws_lambda.max_workers", 1, 100000));
  s.worker_processes = static_cast<std::uint32_t>(in_range(c, "aws_lambda.worker_processes", 1, 64));
  s.invoke_pool_threads = static_cast<std::uint32_t>(in_range(c, "aws_lambda.invoke_pool_threads", 1, 1024));
  s.architecture = c.get_string("aws_lambda.architecture");
  s.ephemeral_storage_mb = in_range(c, "aws_lambda.ephemeral_storage", 512, 10240);
  s.name_space = c.get_string("aws_lambda.namespace");
  if (!std::all_of(s.name_space.begin(), s.name_space.end(), valid_name_char) || s.name_space.size() > 16)
    throw ConfigError(fmt::format("aws_lambda.namespace: '{}' must be at most 16 letters, digits, '-' or '_'",
                                  s.name_space));
  s.env_vars_json = json_value(c, "aws_lambda.env_vars", true);
  s.user_tags_json = json_value(c, "aws_lambda.user_tags", true);
  s.vpc_json = json_value(c, "aws_lambda.vpc", true);
  s.efs_json = json_value(c, "aws_lambda.efs", false);
  s.start_timeout = c.get_double("aws_lambda.start_timeout");

  const aws::ChainInputs in = aws::chain_inputs(c, "aws_lambda");
  const aws::Region region = aws::resolve_region(in);
  const aws::Credentials creds = aws::resolve_credentials(in);
  s.api.region = region.name;
  s.api.service = "lambda";
  s.api.access_key_id = creds.access_key_id;
  s.api.secret_access_key = creds.secret_access_key;
  s.api.session_token = creds.session_token;
  s.credentials_source = creds.source;
  std::string endpoint = c.get_string("aws_lambda.endpoint");
  if (endpoint.empty()) endpoint = "https://lambda." + region.name + ".amazonaws.com";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0)
    throw ConfigError(fmt::format("aws_lambda.endpoint: '{}' is not an http:// or https:// URL", endpoint));
  s.api.url = endpoint;
  return s;
}

std::string Settings::function_prefix() const {
  return name_space.empty() ? "lithops-cpp-" : "lithops-cpp-" + name_space + "-";
}

std::string Settings::function_name(const std::string& build_id) const {
  std::string id;
  for (char ch : build_id)
    if (valid_name_char(ch)) id += ch;
  return fmt::format("{}{}-{}MB-{}", function_prefix(), id.substr(0, 16), memory_mb,
                     architecture == "arm64" ? "arm64" : "x86_64");
}

}  // namespace lithops::detail::lambda
