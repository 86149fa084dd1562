// The aws_lambda section read and checked before anything is created: each bad value names its
// key and what is valid, and no message carries a credential.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compute/aws_lambda/lambda_settings.hpp"
#include "lithops/config.hpp"
#include "lithops/errors.hpp"

using ::testing::HasSubstr;
using ::testing::Not;
using lithops::detail::lambda::Settings;

namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

lithops::Config base() {
  lithops::Config c;
  c.set("lithops.backend", "aws_lambda");
  c.set("aws.access_key_id", "AKIDEXAMPLE");
  c.set("aws.secret_access_key", kSecret);
  c.set("aws.region", "eu-west-1");
  c.set("aws_lambda.execution_role", "arn:aws:iam::123456789012:role/lithops");
  return c;
}

std::string error_of(const lithops::Config& c) {
  try {
    Settings::from_config(c);
  } catch (const lithops::ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

}  // namespace

TEST(LambdaSettings, DefaultsAreLithopsOnes) {
  Settings s = Settings::from_config(base());
  EXPECT_EQ(s.memory_mb, 256);
  EXPECT_EQ(s.timeout_s, 180);
  EXPECT_EQ(s.max_workers, 1000u);
  EXPECT_EQ(s.architecture, "x86_64");
  EXPECT_EQ(s.api.region, "eu-west-1");
  EXPECT_EQ(s.api.url, "https://lambda.eu-west-1.amazonaws.com");
  EXPECT_EQ(s.api.service, "lambda");
  EXPECT_EQ(s.credentials_source, "aws section");
}

TEST(LambdaSettings, TheExecutionRoleIsRequiredAndMustBeAnArn) {
  auto c = base();
  c.set("aws_lambda.execution_role", "");
  EXPECT_THAT(error_of(c), HasSubstr("aws_lambda.execution_role: required"));
  c.set("aws_lambda.execution_role", "lithops-role");
  EXPECT_THAT(error_of(c), HasSubstr("not a role ARN"));
}

TEST(LambdaSettings, OutOfRangeValuesNameTheKeyAndTheRange) {
  auto c = base();
  c.set("aws_lambda.runtime_memory", 64);
  EXPECT_THAT(error_of(c), HasSubstr("aws_lambda.runtime_memory: 64 is out of range (valid: 128 to 10240)"));
  c = base();
  c.set("aws_lambda.runtime_timeout", 901);
  EXPECT_THAT(error_of(c), HasSubstr("aws_lambda.runtime_timeout: 901 is out of range (valid: 3 to 900)"));
  c = base();
  c.set("aws_lambda.ephemeral_storage", 100);
  EXPECT_THAT(error_of(c), HasSubstr("aws_lambda.ephemeral_storage"));
}

TEST(LambdaSettings, TheArchitectureIsOneOfLambdas) {
  auto c = base();
  try {
    c.set("aws_lambda.architecture", "riscv64");
    FAIL();
  } catch (const lithops::ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("aws_lambda.architecture"));
    EXPECT_THAT(e.what(), HasSubstr("x86_64, arm64"));
  }
}

TEST(LambdaSettings, StructuredKeysMustHaveTheirShape) {
  auto c = base();
  c.set("aws_lambda.env_vars", "[1, 2]");
  EXPECT_THAT(error_of(c), HasSubstr("aws_lambda.env_vars: expected a map"));
  c = base();
  c.set("aws_lambda.efs", R"({"a": 1})");
  EXPECT_THAT(error_of(c), HasSubstr("aws_lambda.efs: expected a list"));
}

TEST(LambdaSettings, FunctionNamesFitLambdasLimitAndSayWhatTheyRun) {
  auto c = base();
  c.set("aws_lambda.namespace", "team-a");
  c.set("aws_lambda.runtime_memory", 10240);
  c.set("aws_lambda.architecture", "arm64");
  Settings s = Settings::from_config(c);
  std::string name = s.function_name("0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(name, "lithops-cpp-team-a-0123456789abcdef-10240MB-arm64");
  EXPECT_LE(name.size(), 64u);
  EXPECT_EQ(name.rfind(s.function_prefix(), 0), 0u);
  c.set("aws_lambda.namespace", "no spaces/please");
  EXPECT_THAT(error_of(c), HasSubstr("aws_lambda.namespace"));
}

TEST(LambdaSettings, AnEndpointReplacesAwsOwnAndMustBeAUrl) {
  auto c = base();
  c.set("aws_lambda.endpoint", "http://127.0.0.1:9100/");
  EXPECT_EQ(Settings::from_config(c).api.url, "http://127.0.0.1:9100");
  c.set("aws_lambda.endpoint", "127.0.0.1:9100");
  EXPECT_THAT(error_of(c), HasSubstr("aws_lambda.endpoint"));
}

TEST(LambdaSettings, NoMessageCarriesTheSecret) {
  auto c = base();
  c.set("aws.access_key_id", "");  // a secret without its key id: an error naming the keys
  std::string e = error_of(c);
  EXPECT_THAT(e, HasSubstr("aws"));
  EXPECT_THAT(e, Not(HasSubstr(kSecret)));
  c = base();
  c.set("aws_lambda.runtime_memory", 1);
  EXPECT_THAT(error_of(c), Not(HasSubstr(kSecret)));
}
