// The AWS credential and region chains: every source, their order, profile selection, the
// shared files' syntax, and the errors (which must never contain a secret). The environment
// is an injected map and the home directory a temporary one: the real ones are never read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "cloud/aws/credentials.hpp"
#include "lithops/errors.hpp"

using namespace lithops::detail::aws;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

namespace fs = std::filesystem;

const std::string kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRET";

class AwsCredentials : public ::testing::Test {
 protected:
  void SetUp() override {
#ifdef LITHOPS_TEST_TMP
    fs::path base = LITHOPS_TEST_TMP;
#else
    fs::path base = "/tmp";
#endif
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    home_ = base / fmt_dir(info->name());
    fs::remove_all(home_);
    fs::create_directories(home_ / ".aws");
    env_.clear();
    in_.backend = {.name = "aws_lambda"};
    in_.aws = {.name = "aws"};
    in_.home = home_.string();
    in_.env = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  }
  void TearDown() override { fs::remove_all(home_); }

  static std::string fmt_dir(const std::string& test) {
    return "aws_credentials_" + test + "_" + std::to_string(::getpid());
  }
  void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  void credentials_file(const std::string& text) { write(home_ / ".aws/credentials", text); }
  void config_file(const std::string& text) { write(home_ / ".aws/config", text); }
  std::string cred_path() const { return (home_ / ".aws/credentials").string(); }
  std::string config_path() const { return (home_ / ".aws/config").string(); }

  // The ConfigError's message; fails the test if there is none.
  std::string error() {
    try {
      resolve_credentials(in_);
    } catch (const lithops::ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no ConfigError";
    return {};
  }

  fs::path home_;
  std::map<std::string, std::string> env_;
  ChainInputs in_;
};

TEST_F(AwsCredentials, BackendSectionComesFirst) {
  in_.backend.access_key_id = "AKBACKEND";
  in_.backend.secret_access_key = "sb";
  in_.aws.access_key_id = "AKAWS";
  in_.aws.secret_access_key = "sa";
  env_ = {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "se"}};
  Credentials c = resolve_credentials(in_);
  EXPECT_EQ(c.access_key_id, "AKBACKEND");
  EXPECT_EQ(c.secret_access_key, "sb");
  EXPECT_EQ(c.source, "aws_lambda section");
}

TEST_F(AwsCredentials, AwsSectionBeatsEnvironment) {
  in_.aws = {.name = "aws", .access_key_id = "AKAWS", .secret_access_key = "sa", .session_token = "ta"};
  env_ = {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "se"}};
  Credentials c = resolve_credentials(in_);
  EXPECT_EQ(c.access_key_id, "AKAWS");
  EXPECT_EQ(c.session_token, "ta");
  EXPECT_EQ(c.source, "aws section");
}

TEST_F(AwsCredentials, EnvironmentBeatsProfile) {
  credentials_file("[default]\naws_access_key_id = AKFILE\naws_secret_access_key = sf\n");
  env_ = {{"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "se"}, {"AWS_SESSION_TOKEN", "te"}};
  Credentials c = resolve_credentials(in_);
  EXPECT_EQ(c.access_key_id, "AKENV");
  EXPECT_EQ(c.secret_access_key, "se");
  EXPECT_EQ(c.session_token, "te");
  EXPECT_EQ(c.source, "environment (AWS_ACCESS_KEY_ID)");
}

TEST_F(AwsCredentials, EmptyVariablesAreUnset) {
  credentials_file("[default]\naws_access_key_id = AKFILE\naws_secret_access_key = sf\n");
  env_ = {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}, {"AWS_PROFILE", ""}};
  EXPECT_EQ(resolve_credentials(in_).access_key_id, "AKFILE");
}

TEST_F(AwsCredentials, DefaultProfileFromCredentialsFile) {
  credentials_file("[default]\naws_access_key_id = AKFILE\naws_secret_access_key = sf\naws_session_token = tf\n");
  Credentials c = resolve_credentials(in_);
  EXPECT_EQ(c.access_key_id, "AKFILE");
  EXPECT_EQ(c.session_token, "tf");
  EXPECT_EQ(c.source, "profile 'default' in " + cred_path());
}

TEST_F(AwsCredentials, AwsProfileSelectsTheProfile) {
  credentials_file(
      "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = sd\n"
      "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = sv\n");
  env_ = {{"AWS_PROFILE", "dev"}};
  Credentials c = resolve_credentials(in_);
  EXPECT_EQ(c.access_key_id, "AKDEV");
  EXPECT_EQ(c.source, "profile 'dev' in " + cred_path());
}

TEST_F(AwsCredentials, CredentialsFileBeatsConfigFile) {
  credentials_file("[dev]\naws_access_key_id = AKCRED\naws_secret_access_key = sc\n");
  config_file("[profile dev]\naws_access_key_id = AKCONF\naws_secret_access_key = so\n");
  env_ = {{"AWS_PROFILE", "dev"}};
  EXPECT_EQ(resolve_credentials(in_).access_key_id, "AKCRED");
}

TEST_F(AwsCredentials, ConfigFileUsesProfilePrefix) {
  // In the config file `[dev]` is not the profile dev; `[profile   dev]` is.
  config_file(
      "[dev]\naws_access_key_id = AKWRONG\naws_secret_access_key = sw\n"
      "[profile   dev]\naws_access_key_id = AKCONF\naws_secret_access_key = so\n");
  env_ = {{"AWS_PROFILE", "dev"}};
  Credentials c = resolve_credentials(in_);
  EXPECT_EQ(c.access_key_id, "AKCONF");
  EXPECT_EQ(c.source, "profile 'dev' in " + config_path());
}

TEST_F(AwsCredentials, ConfigFileDefaultSection) {
  config_file("[default]\naws_access_key_id = AKCONF\naws_secret_access_key = so\n");
  EXPECT_EQ(resolve_credentials(in_).access_key_id, "AKCONF");
  config_file("[profile default]\naws_access_key_id = AKCONF2\naws_secret_access_key = so\n");
  EXPECT_EQ(resolve_credentials(in_).access_key_id, "AKCONF2");
}

TEST_F(AwsCredentials, CommentsWhitespaceAndKeyCase) {
  credentials_file(
      "\xEF\xBB\xBF# a comment\r\n"
      "; another\r\n"
      "  [ default ]  \r\n"
      "\tAWS_Access_Key_ID=AKFILE   \r\n"
      "   # indented comment\r\n"
      "aws_secret_access_key   :   s/f+e   ; inline comment\r\n"
      "\r\n");
  Credentials c = resolve_credentials(in_);
  EXPECT_EQ(c.access_key_id, "AKFILE");
  EXPECT_EQ(c.secret_access_key, "s/f+e");
}

TEST_F(AwsCredentials, FileVariablesAndTildeExpansion) {
  write(home_ / "elsewhere/creds", "[default]\naws_access_key_id = AKELSE\naws_secret_access_key = s\n");
  write(home_ / "elsewhere/conf", "[default]\nregion = eu-west-3\n");
  env_ = {{"AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds"},
          {"AWS_CONFIG_FILE", (home_ / "elsewhere/conf").string()}};
  Credentials c = resolve_credentials(in_);
  EXPECT_EQ(c.access_key_id, "AKELSE");
  EXPECT_EQ(c.source, "profile 'default' in " + (home_ / "elsewhere/creds").string());
  EXPECT_EQ(resolve_region(in_).name, "eu-west-3");
}

TEST_F(AwsCredentials, HomeComesFromTheEnvironment) {
  in_.home.reset();
  env_ = {{"HOME", home_.string()}};
  credentials_file("[default]\naws_access_key_id = AKHOME\naws_secret_access_key = s\n");
  EXPECT_EQ(resolve_credentials(in_).access_key_id, "AKHOME");
}

TEST_F(AwsCredentials, MissingSecretInSectionNamesTheKey) {
  in_.backend.access_key_id = "AKBACKEND";
  EXPECT_EQ(error(),
            "lithops: incomplete AWS credentials: aws_lambda section sets aws_lambda.access_key_id but not aws_lambda.secret_access_key");
  in_.backend = {.name = "aws_lambda"};
  in_.aws.secret_access_key = kSecret;
  EXPECT_EQ(error(), "lithops: incomplete AWS credentials: aws section sets aws.secret_access_key but not aws.access_key_id");
}

TEST_F(AwsCredentials, MissingSecretInEnvironmentNamesTheVariable) {
  env_ = {{"AWS_ACCESS_KEY_ID", "AKENV"}};
  EXPECT_THAT(error(), HasSubstr("the environment sets AWS_ACCESS_KEY_ID but not AWS_SECRET_ACCESS_KEY"));
  env_ = {{"AWS_SESSION_TOKEN", "tok"}};
  EXPECT_THAT(error(),
              HasSubstr("sets AWS_SESSION_TOKEN but not AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
}

TEST_F(AwsCredentials, MissingSecretInProfileNamesTheFile) {
  config_file("[profile dev]\naws_access_key_id = AKCONF\n");
  env_ = {{"AWS_PROFILE", "dev"}};
  EXPECT_EQ(error(), "lithops: incomplete AWS credentials: profile 'dev' in " + config_path() +
                         " sets aws_access_key_id but not aws_secret_access_key");
}

TEST_F(AwsCredentials, NothingFoundListsEveryPlace) {
  config_file("[default]\nregion = eu-west-1\n");
  std::string e = error();
  EXPECT_THAT(e, HasSubstr("no AWS credentials found"));
  EXPECT_THAT(e, HasSubstr("aws_lambda.access_key_id and aws_lambda.secret_access_key"));
  EXPECT_THAT(e, HasSubstr("aws.access_key_id and aws.secret_access_key"));
  EXPECT_THAT(e, HasSubstr("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"));
  EXPECT_THAT(e, HasSubstr("profile 'default' in " + cred_path() + " (no such file)"));
  EXPECT_THAT(e, HasSubstr("profile 'default' in " + config_path() + " (no keys there)"));
  EXPECT_THAT(e, HasSubstr("AWS_PROFILE is not set"));
}

TEST_F(AwsCredentials, NothingFoundWithoutHomeSaysSo) {
  in_.home.reset();
  EXPECT_THAT(error(), HasSubstr("~/.aws/credentials (HOME is not set)"));
}

TEST_F(AwsCredentials, UnknownNamedProfileNamesBothFiles) {
  credentials_file("[default]\naws_access_key_id = AKFILE\naws_secret_access_key = s\n");
  config_file("[dev]\nregion = eu-west-1\n");  // not `[profile dev]`: not the profile
  env_ = {{"AWS_PROFILE", "dev"}};
  std::string e = error();
  EXPECT_THAT(e, HasSubstr("AWS_PROFILE names profile 'dev'"));
  EXPECT_THAT(e, HasSubstr(cred_path()));
  EXPECT_THAT(e, HasSubstr(config_path()));
}

TEST_F(AwsCredentials, UnreadableFileIsAnError) {
  fs::create_directories(home_ / ".aws/credentials");
  EXPECT_THAT(error(), HasSubstr("cannot read AWS file '" + cred_path() + "'"));
}

TEST_F(AwsCredentials, NoErrorMessageContainsTheSecret) {
  std::vector<std::function<void()>> setups = {
      [&] { in_.backend.secret_access_key = kSecret; },
      [&] { in_.aws.secret_access_key = kSecret; },
      [&] { in_.aws.session_token = kSecret; },
      [&] { env_ = {{"AWS_SECRET_ACCESS_KEY", kSecret}}; },
      [&] { env_ = {{"AWS_SESSION_TOKEN", kSecret}}; },
      [&] { credentials_file("[default]\naws_secret_access_key = " + kSecret + "\n"); },
      [&] { config_file("[default]\naws_secret_access_key = " + kSecret + "\n"); },
      [&] { config_file("[default]\n" + kSecret + "\n"); },  // a malformed line
      [&] {
        credentials_file("[default]\n" + kSecret + "\n");
        env_ = {{"AWS_PROFILE", "other"}};
      },
  };
  for (std::size_t i = 0; i < setups.size(); ++i) {
    SetUp();
    setups[i]();
    std::string e = error();
    EXPECT_FALSE(e.empty()) << "case " << i;
    EXPECT_THAT(e, Not(HasSubstr(kSecret))) << "case " << i;
    EXPECT_THAT(e, Not(HasSubstr("wJalrXUtnFEMI"))) << "case " << i;
  }
}

TEST_F(AwsCredentials, RegionOrder) {
  config_file("[profile dev]\nregion = eu-west-3\n");
  env_ = {{"AWS_PROFILE", "dev"}};
  EXPECT_EQ(resolve_region(in_).name, "eu-west-3");
  EXPECT_EQ(resolve_region(in_).source, "profile 'dev' in " + config_path());
  env_["AWS_DEFAULT_REGION"] = "eu-west-2";
  EXPECT_EQ(resolve_region(in_).name, "eu-west-2");
  EXPECT_EQ(resolve_region(in_).source, "environment (AWS_DEFAULT_REGION)");
  env_["AWS_REGION"] = "eu-west-1";
  EXPECT_EQ(resolve_region(in_).source, "environment (AWS_REGION)");
  in_.aws.region = "eu-central-1";
  EXPECT_EQ(resolve_region(in_).name, "eu-central-1");
  EXPECT_EQ(resolve_region(in_).source, "aws section");
  in_.backend.region = "ap-south-1";
  EXPECT_EQ(resolve_region(in_).name, "ap-south-1");
  EXPECT_EQ(resolve_region(in_).source, "aws_lambda section");
}

TEST_F(AwsCredentials, RegionDefaultsToUsEast1) {
  Region r = resolve_region(in_);
  EXPECT_EQ(r.name, "us-east-1");
  EXPECT_EQ(r.source, "default");
}

TEST_F(AwsCredentials, RegionInANestedBlockIsNotTheProfiles) {
  config_file("[default]\ns3 =\n  region = eu-north-1\n  max_concurrent_requests = 4\noutput = json\n");
  EXPECT_EQ(resolve_region(in_).name, "us-east-1");
  config_file("[default]\ns3 =\n  max_concurrent_requests = 4\nregion = eu-north-1\n");
  EXPECT_EQ(resolve_region(in_).name, "eu-north-1");
}

TEST_F(AwsCredentials, RegionFromTheCredentialsFileAsBoto3ReadsIt) {
  credentials_file("[default]\nregion = sa-east-1\n");
  Region r = resolve_region(in_);
  EXPECT_EQ(r.name, "sa-east-1");
  EXPECT_EQ(r.source, "profile 'default' in " + cred_path());
}

}  // namespace
