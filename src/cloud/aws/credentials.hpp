#pragma once
/// @file credentials.hpp
/// The AWS credential and region chains, in the order every AWS SDK follows, so that a user
/// whose `aws` CLI or boto3 works needs no Lithops-specific setup. Every input is explicit (the
/// configuration's values, an environment lookup, the home directory), so the chain is tested
/// without touching the real environment or the real ~/.aws.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lithops::detail::aws {

/// Looks up one environment variable; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

/// The process environment (`getenv`).
std::optional<std::string> process_env(std::string_view name);

/// What one configuration section sets; an empty string means "not set". The caller passes
/// only values the user wrote, not the schema's defaults (a default region would otherwise
/// hide AWS_REGION).
struct SectionValues {
  std::string name;  ///< the section, for messages: "aws_lambda", "aws_s3", "aws"
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string region;
};

/// Everything the chains read.
struct ChainInputs {
  SectionValues backend{.name = "aws_lambda"};  ///< the backend's own section: first
  SectionValues aws{.name = "aws"};             ///< the shared `aws` section: second
  EnvLookup env = process_env;                  ///< AWS_* variables (and HOME, see `home`)
  /// The directory `~` stands for in the default file paths; nullopt: `env("HOME")`.
  std::optional<std::string> home;
};

/// A resolved key pair. `source` is safe to log; the other fields are secrets, except the id.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< empty for long-term keys
  /// Where they came from, e.g. "aws_lambda section", "environment (AWS_ACCESS_KEY_ID)",
  /// "profile 'dev' in /root/.aws/credentials". Never contains a secret.
  std::string source;
};

/// A resolved region and where it came from ("aws section", "environment (AWS_REGION)",
/// "profile 'dev' in /root/.aws/config", "default").
struct Region {
  std::string name;
  std::string source;
};

/// The first complete credentials of: the backend's section, the `aws` section, the
/// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: also how a Lambda
/// function receives its role's credentials), then the profile AWS_PROFILE (else "default")
/// in AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) and then in AWS_CONFIG_FILE
/// (default ~/.aws/config).
/// @throws ConfigError when a source sets a key id without its secret (or the reverse, or a
///   session token alone), naming the missing key and the source; when AWS_PROFILE names a
///   profile that is in neither file; when a file exists but cannot be read; when nothing is
///   found (the message lists every place looked). No message contains a secret.
/// Thread-safe if `in.env` is.
Credentials resolve_credentials(const ChainInputs& in);

/// The first region of: the backend's section, the `aws` section, AWS_REGION,
/// AWS_DEFAULT_REGION, the profile's `region` in the config file (then in the credentials
/// file, as boto3 reads it), else "us-east-1".
/// @throws ConfigError when AWS_PROFILE names a profile that is in neither file, or a file
///   exists but cannot be read (only if the chain gets that far).
Region resolve_region(const ChainInputs& in);

}  // namespace lithops::detail::aws
