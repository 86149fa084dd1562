#include "cloud/aws/aws_keys.hpp"

namespace lithops::detail {

void declare_aws_keys(std::vector<ConfigKey>& keys) {
  using T = ConfigKey::Type;
  keys.insert(keys.end(), {
      {"aws.region", T::string, "", {},
       "AWS region of every AWS backend that does not name its own; empty: AWS_REGION, AWS_DEFAULT_REGION, "
       "the profile's region, then us-east-1"},
      {"aws.access_key_id", T::string, "", {},
       "access key id; empty: AWS_ACCESS_KEY_ID, then the profile (AWS_PROFILE or default) in "
       "~/.aws/credentials and ~/.aws/config"},
      {"aws.secret_access_key", T::string, "", {}, "secret access key", true},
      {"aws.session_token", T::string, "", {}, "session token of temporary credentials", true},
  });
}

}  // namespace lithops::detail
