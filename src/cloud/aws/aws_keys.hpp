#pragma once
// The `aws` section: credentials and region shared by every AWS backend (aws_lambda, aws_s3),
// as in Lithops. Each backend's own section may override them.
#include <vector>

#include "lithops/config.hpp"

namespace lithops::detail {

void declare_aws_keys(std::vector<ConfigKey>& keys);

}  // namespace lithops::detail
